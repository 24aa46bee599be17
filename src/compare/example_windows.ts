/**
 * The example windows a bundle draws: validation windows of the first seed, spread over its validation
 * set, with each objective's decoded span, per-bar probabilities and exact span posterior (in a box,
 * example_posterior.ts).
 */
import { windowSpans, type Window } from "../data/window.js";
import type { predict } from "./evaluate.js";
import { examplePosteriors, windowLogPosterior } from "./example_posterior.js";
import type { ExampleWindow, Objective } from "./types.js";

/** Up to `wanted` validation windows of the first seed, spread over the validation set, with every objective's output. */
export function exampleWindows(
  windows: readonly Window[],
  indices: readonly number[],
  objectives: readonly Objective[],
  predictions: Map<Objective, ReturnType<typeof predict>>,
  wanted: number,
): ExampleWindow[] {
  const count = Math.min(wanted, indices.length);
  const picks = Array.from({ length: count }, (_, k) => Math.floor((k * indices.length) / count));
  return picks.map((position) => {
    const window = windows[indices[position]!]!;
    const trueSpan = { start: window.expansion_start, end: window.expansion_end };
    const outputs = objectives.map((objective) => predictions.get(objective)!);
    const spans = outputs.map((p) => p.singleSpans[position] ?? null);
    const posteriors = examplePosteriors(
      outputs.map((p) => windowLogPosterior(p, position)),
      window.features.length,
      [trueSpan, ...spans],
    );
    return {
      windowId: window.window_id,
      bars: window.features.map((bar) => [...bar] as [number, number, number, number]),
      trueSpan,
      ...(window.spans !== undefined ? { spans: windowSpans(window) } : {}),
      ...(window.timestamps !== undefined ? { timestamps: [...window.timestamps] } : {}),
      predicted: objectives.map((objective, k) => {
        const p = outputs[k]!;
        const bars = p.bars;
        return {
          objective,
          span: spans[k]!,
          probabilities: Array.from(p.probabilities.subarray(position * bars, (position + 1) * bars)),
          posterior: posteriors[k]!,
        };
      }),
    };
  });
}
