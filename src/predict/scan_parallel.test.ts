/**
 * Scans on worker threads give the single-thread result bit for bit (hindsight: overlapping chunks of
 * bars; live: runs of windows), and small scans stay on the calling thread. The worker script is the
 * compiled one (`npm run build`), as for training workers.
 */
import { describe, expect, it } from "vitest";
import { scanLive } from "./live.js";
import { scanBars } from "./scan.js";
import { scanBarsParallel, scanLiveParallel, workerCount } from "./scan_parallel.js";
import { randomWalkBars, seededModel } from "./seeded.js";

describe("scans on worker threads", () => {
  it("hindsight: the same detections, probabilities and votes as one thread", async () => {
    const bars = randomWalkBars(4000, 31);
    for (const loss of ["soft", "crf"] as const) {
      const model = seededModel(loss);
      const single = scanBars(model, bars, { threshold: 0.5 });
      const parallel = await scanBarsParallel(model, bars, { threshold: 0.5, workers: 3, minWindowsPerWorker: 1 });
      expect(parallel.workers).toBe(3);
      expect(parallel.probabilities).toEqual(single.probabilities);
      expect(parallel.votes).toEqual(single.votes);
      // Boundary intervals included: their pass ran on the workers too, over the same windows.
      expect(parallel.detections).toEqual(single.detections);
      expect(parallel.intervals).toMatchObject({ windows: single.intervals.windows, workers: 3 });
      expect(single.detections.some((d) => d.interval_unavailable === null)).toBe(true);
      expect(parallel.decoderCounts).toEqual(single.decoderCounts);
    }
  });

  it("live: the same probabilities and detections as one thread", async () => {
    const bars = randomWalkBars(900, 32);
    const model = seededModel("soft");
    const single = scanLive(model, bars, { threshold: 0.5 });
    const parallel = await scanLiveParallel(model, bars, { threshold: 0.5, workers: 2, minWindowsPerWorker: 1 });
    expect(parallel.workers).toBe(2);
    expect(parallel.probabilities).toEqual(single.probabilities);
    expect(parallel.classes).toEqual(single.classes);
    expect(parallel.detections).toEqual(single.detections);
  });

  it("keeps small scans on the calling thread", async () => {
    expect(workerCount(100, { workers: 4 })).toBe(1);
    expect(workerCount(5000, { workers: 4 })).toBe(4);
    expect(workerCount(1100, { workers: 4 })).toBe(2);
    expect(() => workerCount(5000, { workers: 0 })).toThrow("workers must be a positive integer, got 0");
    const result = await scanBarsParallel(seededModel("soft"), randomWalkBars(300, 33), { workers: 4 });
    expect(result.workers).toBe(1);
  });
});
