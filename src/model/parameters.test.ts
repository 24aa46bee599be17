import { spanHead } from "./heads/registry.js";
import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { ParameterSet, parameterSpecs } from "./parameters.js";

describe("JadeCompact parameter layout", () => {
  it("has exactly the reference parameter counts", () => {
    expect(new ParameterSet(parameterSpecs(spanHead("soft"))).count).toBe(97_547);
    expect(new ParameterSet(parameterSpecs(spanHead("crf"))).count).toBe(97_748);
  });

  it("uses PyTorch names and shapes", () => {
    const set = new ParameterSet(parameterSpecs(spanHead("crf")));
    expect(set.entry("lstm.weight_ih_l0_reverse").shape).toEqual([384, 12]);
    expect(set.entry("lstm.weight_hh_l0").shape).toEqual([384, 96]);
    expect(set.entry("projection.0.weight").shape).toEqual([64, 192]);
    expect(set.entry("expansion_span_emission.1.weight").shape).toEqual([2, 192]);
    expect(set.entry("crf.transitions").shape).toEqual([2, 2]);
    expect(set.entry("log_sigma_ptr").shape).toEqual([]);
    expect(set.has("crf.transitions")).toBe(true);
    expect(new ParameterSet(parameterSpecs(spanHead("soft"))).has("crf.transitions")).toBe(false);
  });

  it("keeps views aligned and inside the one buffer", () => {
    const set = new ParameterSet(parameterSpecs(spanHead("soft")));
    for (const entry of set.entries) {
      expect(entry.offset % 4).toBe(0);
      const view = set.value(entry.name);
      expect(view.buffer).toBe(set.values.buffer);
      expect(view.length).toBe(entry.size);
    }
  });

  it("initialises within PyTorch's bounds, deterministically", () => {
    const a = new ParameterSet(parameterSpecs(spanHead("crf")));
    const b = new ParameterSet(parameterSpecs(spanHead("crf")));
    a.initialise(new Rng(9));
    b.initialise(new Rng(9));
    expect(a.values).toEqual(b.values);
    const lstm = a.value("lstm.weight_hh_l0");
    const bound = 1 / Math.sqrt(96);
    expect(Math.max(...lstm.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...lstm.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    const projection = a.value("projection.0.weight");
    expect(Math.max(...projection.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(192));
    expect(a.value("log_sigma_ptr")[0]).toBeCloseTo(-0.3, 6);
    expect(a.value("log_sigma_span")[0]).toBe(0);
    expect(Math.max(...a.value("crf.transitions").map(Math.abs))).toBeLessThanOrEqual(0.1);
  });
});
