/**
 * The segment CRF (docs/spec.md §13) by enumeration, written independently of src/model/segment_crf*.ts:
 * every 0/1 tag path of a short window is scored from its runs, and every quantity the implementation
 * computes by recursion — log Z, per-bar marginals, expected counts (the gradient of log Z), the best path,
 * the best single-span path and the exactly-one-span posterior — is read off the list.
 */

/** Scores of bar t of window b, channel c (0 out, 1 in, 2 start, 3 end), in (B, T, 4). */
function score(scores: ArrayLike<number>, b: number, bars: number, t: number, c: number): number {
  return scores[(b * bars + t) * 4 + c]!;
}

/** The maximal runs of 1s of a path, as inclusive [start, end] pairs. */
export function runsOf(path: ArrayLike<number>): [number, number][] {
  const runs: [number, number][] = [];
  for (let t = 0; t < path.length; t++) {
    if (path[t] === 1 && (t === 0 || path[t - 1] !== 1)) {
      let e = t;
      while (e + 1 < path.length && path[e + 1] === 1) e++;
      runs.push([t, e]);
    }
  }
  return runs;
}

/** Score of one path: out emissions on out bars; per run, in emissions + start + end + length score. */
export function bruteSegmentScore(scores: ArrayLike<number>, lengthScores: ArrayLike<number>, b: number, bars: number, path: ArrayLike<number>): number {
  let total = 0;
  for (let t = 0; t < bars; t++) if (path[t] !== 1) total += score(scores, b, bars, t, 0);
  for (const [s, e] of runsOf(path)) {
    for (let t = s; t <= e; t++) total += score(scores, b, bars, t, 1);
    total += score(scores, b, bars, s, 2) + score(scores, b, bars, e, 3) + lengthScores[e - s]!;
  }
  return total;
}

/** Every 0/1 path of T bars whose runs are at most L bars, bar 0 the most significant digit. */
export function allSegmentPaths(bars: number, maxLength: number): Uint8Array[] {
  const paths: Uint8Array[] = [];
  for (let c = 0; c < 2 ** bars; c++) {
    const path = new Uint8Array(bars);
    for (let t = 0; t < bars; t++) path[t] = (c >> (bars - 1 - t)) & 1;
    if (runsOf(path).every(([s, e]) => e - s + 1 <= maxLength)) paths.push(path);
  }
  return paths;
}

function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  return max + Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0));
}

export interface SegmentBrute {
  logZ: number;
  /** (T) p(bar in span). */
  inSpan: Float64Array;
  /** (T, 4) expected out / in / start / end indicators: ∂ log Z / ∂ scores. */
  expectedScores: Float64Array;
  /** (L) expected number of segments of each length: ∂ log Z / ∂ length scores. */
  expectedLengths: Float64Array;
  /** Best path; ties: the smallest compared from the last bar backwards. */
  bestPath: Uint8Array;
  bestScore: number;
  /** Best path with exactly one run; ties: earliest end, then latest start. */
  single: { start: number; end: number; score: number };
  /** log p([s, e] | exactly one span) by [s, e] ("s,e"), −∞ when the run is longer than L. */
  spanLogPosterior: Map<string, number>;
}

export function bruteSegmentCrf(scores: ArrayLike<number>, lengthScores: ArrayLike<number>, b: number, bars: number): SegmentBrute {
  const maxLength = lengthScores.length;
  const paths = allSegmentPaths(bars, maxLength);
  const pathScores = paths.map((path) => bruteSegmentScore(scores, lengthScores, b, bars, path));
  const logZ = logSumExp(pathScores);
  const inSpan = new Float64Array(bars);
  const expectedScores = new Float64Array(bars * 4);
  const expectedLengths = new Float64Array(maxLength);
  const reverseLexLess = (a: Uint8Array, c: Uint8Array): boolean => {
    for (let t = bars - 1; t >= 0; t--) if (a[t] !== c[t]) return a[t]! < c[t]!;
    return false;
  };
  let best = 0;
  paths.forEach((path, i) => {
    const p = Math.exp(pathScores[i]! - logZ);
    for (let t = 0; t < bars; t++) {
      if (path[t] === 1) {
        inSpan[t]! += p;
        expectedScores[t * 4 + 1]! += p;
      } else {
        expectedScores[t * 4]! += p;
      }
    }
    for (const [s, e] of runsOf(path)) {
      expectedScores[s * 4 + 2]! += p;
      expectedScores[e * 4 + 3]! += p;
      expectedLengths[e - s]! += p;
    }
    if (pathScores[i]! > pathScores[best]! || (pathScores[i] === pathScores[best] && reverseLexLess(path, paths[best]!))) best = i;
  });

  const singles: { start: number; end: number; score: number }[] = [];
  for (let s = 0; s < bars; s++) {
    for (let e = s; e < bars; e++) {
      const path = new Uint8Array(bars).fill(1, s, e + 1);
      singles.push({ start: s, end: e, score: e - s + 1 <= maxLength ? bruteSegmentScore(scores, lengthScores, b, bars, path) : -Infinity });
    }
  }
  let single = singles[0]!;
  for (const candidate of singles) {
    const better =
      candidate.score > single.score ||
      (candidate.score === single.score && (candidate.end < single.end || (candidate.end === single.end && candidate.start > single.start)));
    if (better) single = candidate;
  }
  const normaliser = logSumExp(singles.map((c) => c.score).filter((v) => v > -Infinity));
  const spanLogPosterior = new Map(singles.map((c) => [`${c.start},${c.end}`, c.score - normaliser]));
  return { logZ, inSpan, expectedScores, expectedLengths, bestPath: paths[best]!, bestScore: pathScores[best]!, single, spanLogPosterior };
}
