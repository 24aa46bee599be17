import { describe, expect, it } from "vitest";
import { JOB_FORMAT, type JobPayload, jobIdOf, parseJobPayload } from "./job_payload.js";

const SHA = "a".repeat(64);
const payload = (overrides: Partial<JobPayload> = {}): JobPayload => ({
  format: JOB_FORMAT,
  kind: "train",
  config: { loss: "crf", data: "/data/windows.parquet", epochs: 2, seed: 42 },
  data: { sha256: SHA, bytes: 1234, name: "windows.parquet" },
  ...overrides,
});

describe("training job payloads", () => {
  it("a valid payload parses, with the config resolved by the library's schema", () => {
    const { config } = parseJobPayload(payload());
    expect(config.loss).toBe("crf");
    expect(config.epochs).toBe(2);
    expect(config.batchSize).toBe(32);
  });

  it("refuses foreign, malformed and dangerous payloads with the field that is wrong", () => {
    expect(() => parseJobPayload({ format: "nope" })).toThrow(/not a spanlab training job: format/);
    expect(() => parseJobPayload({ ...payload(), extra: 1 })).toThrow(/not a spanlab training job/);
    expect(() => parseJobPayload(payload({ data: { sha256: "xyz", bytes: 1, name: "w.parquet" } }))).toThrow(/data.sha256: a SHA-256/);
    expect(() => parseJobPayload(payload({ data: { sha256: SHA, bytes: 1, name: "../../etc/passwd.jsonl" } }))).toThrow(/data.name/);
    expect(() => parseJobPayload(payload({ data: { sha256: SHA, bytes: 1, name: "w.csv" } }))).toThrow(/data.name/);
    expect(() => parseJobPayload(payload({ config: { loss: "crf", data: "/d.parquet", epochs: -1 } }))).toThrow(/training config is invalid: epochs/);
    expect(() => parseJobPayload(payload({ config: { loss: "nonsense", data: "/d.parquet" } }))).toThrow(/training config is invalid: loss/);
    // Only run-folder files, by name: a payload cannot name a path on the worker's disk.
    expect(() => parseJobPayload(payload({ kind: "resume", run: { "../x": SHA } as never }))).toThrow(/not a spanlab training job: run/);
    expect(() => parseJobPayload(payload({ kind: "resume", run: { "metrics.jsonl": SHA } }))).toThrow(/must carry the run folder's config.json/);
  });

  it("the job id is the payload's hash: equal payloads (in any key order) share it, any difference changes it", () => {
    const a = payload();
    const reordered = JSON.parse(
      JSON.stringify({ data: a.data, config: { seed: 42, epochs: 2, data: "/data/windows.parquet", loss: "crf" }, kind: a.kind, format: a.format }),
    );
    expect(jobIdOf(reordered)).toBe(jobIdOf(a));
    expect(jobIdOf(a)).toMatch(/^run-[0-9a-f]{32}$/);
    expect(jobIdOf(payload({ config: { ...a.config, seed: 43 } }))).not.toBe(jobIdOf(a));
    expect(jobIdOf(payload({ data: { ...a.data, sha256: "b".repeat(64) } }))).not.toBe(jobIdOf(a));
  });
});
