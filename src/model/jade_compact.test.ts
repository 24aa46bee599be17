import { SPAN_OBJECTIVES, spanHead } from "./heads/registry.js";
import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { JadeCompact, type BatchTargets } from "./jade_compact.js";

const dims = { features: 3, hidden: 5, projection: 4, classes: 3 };
const bars = 7;
const batch = 3;

function tinyModel(loss: string): { model: JadeCompact; features: Float32Array; targets: BatchTargets } {
  const model = new JadeCompact({ head: spanHead(loss), dims, bars, maxBatch: 4, posWeight: 2.5 });
  const rng = new Rng(11);
  model.initialise(rng);
  // Move the log σ's off their initial values so the Kendall weights differ per task.
  model.parameters.value("log_sigma_type")[0] = 0.2;
  model.parameters.value("log_sigma_span")[0] = -0.1;
  const features = Float32Array.from({ length: batch * bars * dims.features }, () => rng.normal());
  const targets: BatchTargets = { spanStart: [1, 0, 4], spanEnd: [3, 0, 6], label: [0, 1, 1] };
  return { model, features, targets };
}

/** The weighted loss with dropout masks fixed by reseeding, so it is a deterministic function of the weights. */
function objective(model: JadeCompact, features: Float32Array, targets: BatchTargets): number {
  model.forward(features, batch, { training: true, rng: new Rng(5) });
  return model.computeLoss(targets, { gradients: false }).weighted;
}

describe.each(SPAN_OBJECTIVES)("JadeCompact (%s head)", (loss) => {
  it("backpropagates the exact gradient of the weighted loss into every parameter tensor", () => {
    const { model, features, targets } = tinyModel(loss);
    model.parameters.zeroGradients();
    model.forward(features, batch, { training: true, rng: new Rng(5) });
    model.computeLoss(targets, { gradients: true });
    model.backward();
    const analytic = Float32Array.from(model.parameters.gradients);
    const values = model.parameters.values;
    const checkRng = new Rng(3);
    for (const entry of model.parameters.entries) {
      // A few coordinates of every tensor; central differences in float32 with a step the loss resolves.
      for (let probe = 0; probe < Math.min(entry.size, 4); probe++) {
        const index = entry.offset + checkRng.int(entry.size);
        const saved = values[index]!;
        const step = 1e-2;
        values[index] = saved + step;
        const up = objective(model, features, targets);
        values[index] = saved - step;
        const down = objective(model, features, targets);
        values[index] = saved;
        const numeric = (up - down) / (2 * step);
        const tolerance = 2e-3 + 2e-2 * Math.abs(numeric);
        expect(Math.abs(analytic[index]! - numeric), `${entry.name}[${index - entry.offset}]`).toBeLessThan(tolerance);
      }
    }
  });

  it("is deterministic for a seed and differs when the dropout seed differs", () => {
    const { model, features, targets } = tinyModel(loss);
    const first = model.trainStepGradients(features, targets, batch, new Rng(1));
    const gradientsA = Float32Array.from(model.parameters.gradients);
    const second = model.trainStepGradients(features, targets, batch, new Rng(1));
    expect(second).toEqual(first);
    expect(model.parameters.gradients).toEqual(gradientsA);
    const third = model.trainStepGradients(features, targets, batch, new Rng(2));
    expect(third.weighted).not.toBe(first.weighted);
  });

  it("reports the unweighted sum and the Kendall total consistently", () => {
    const { model, features, targets } = tinyModel(loss);
    model.forward(features, batch, { training: false });
    const losses = model.computeLoss(targets, { gradients: false });
    expect(losses.unweighted).toBeCloseTo(losses.type + losses.pointer + losses.span + losses.countdown, 10);
    const [p, t, s, c] = model.logSigmas();
    const expected =
      losses.pointer / (2 * Math.exp(2 * p!)) +
      p! +
      losses.type / (2 * Math.exp(2 * t!)) +
      t! +
      losses.span / (2 * Math.exp(2 * s!)) +
      s! +
      losses.countdown / (2 * Math.exp(2 * c!)) +
      c!;
    expect(losses.weighted).toBeCloseTo(expected, 5);
    const weights = model.taskWeights();
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("gives per-bar probabilities in [0, 1]", () => {
    const { model, features } = tinyModel(loss);
    const outputs = model.forward(features, batch, { training: false });
    const p = model.spanProbabilities(outputs);
    expect(p.length).toBe(batch * bars);
    for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
  });
});

describe.each(SPAN_OBJECTIVES)("JadeCompact with equal task weights (%s head)", (loss) => {
  function model(weighting: "kendall" | "equal", logSigma: number): { model: JadeCompact; features: Float32Array; targets: BatchTargets } {
    const built = tinyModel(loss);
    const m = new JadeCompact({ head: spanHead(loss), dims, bars, maxBatch: 4, posWeight: 2.5, weighting });
    m.parameters.values.set(built.model.parameters.values);
    for (const name of ["log_sigma_ptr", "log_sigma_type", "log_sigma_span", "log_sigma_countdown"]) m.parameters.value(name)[0] = logSigma;
    return { model: m, features: built.features, targets: built.targets };
  }

  it("trains on the plain sum of the task losses: the Kendall gradient at weights 1/(2σ²) = 1, with no σ gradient", () => {
    // log σ = −ln(2)/2 makes every Kendall multiplier 1/(2σ²) exactly 1, so both objectives have the same
    // gradient in every network parameter; only the σ's differ (Kendall moves them, equal does not).
    const logSigma = -Math.log(2) / 2;
    const equal = model("equal", logSigma);
    const kendall = model("kendall", logSigma);
    const gradients = (m: ReturnType<typeof model>) => {
      m.model.parameters.zeroGradients();
      m.model.forward(m.features, batch, { training: true, rng: new Rng(5) });
      const losses = m.model.computeLoss(m.targets, { gradients: true });
      m.model.backward();
      return { losses, gradients: Float32Array.from(m.model.parameters.gradients) };
    };
    const a = gradients(equal);
    const b = gradients(kendall);
    expect(a.losses.weighted).toBeCloseTo(a.losses.unweighted, 10);
    expect(a.losses.unweighted).toBeCloseTo(b.losses.unweighted, 10);
    for (const entry of equal.model.parameters.entries) {
      const x = a.gradients.subarray(entry.offset, entry.offset + entry.size);
      const y = b.gradients.subarray(entry.offset, entry.offset + entry.size);
      if (entry.name.startsWith("log_sigma")) {
        expect([...x], entry.name).toEqual(new Array(entry.size).fill(0));
        expect(y[0], entry.name).not.toBe(0);
      } else {
        for (let i = 0; i < entry.size; i++) expect(x[i]!, `${entry.name}[${i}]`).toBeCloseTo(y[i]!, 5);
      }
    }
    expect(equal.model.effectiveWeights()).toEqual([1, 1, 1, 1]);
    expect(equal.model.taskWeights()).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(() => new JadeCompact({ head: spanHead(loss), dims, bars, weighting: "uniform" as never })).toThrow(/weighting must be one of kendall, equal/);
  });
});
