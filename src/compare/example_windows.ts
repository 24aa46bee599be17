/**
 * The example windows a bundle draws: validation windows of the first seed, spread over its validation
 * set, with each objective's decoded span and per-bar probabilities.
 */
import { windowSpans, type Window } from "../data/window.js";
import type { predict } from "./evaluate.js";
import type { ExampleWindow, Objective } from "./types.js";

/** Up to `wanted` validation windows of the first seed, spread over the validation set, with both objectives' output. */
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
    return {
      windowId: window.window_id,
      bars: window.features.map((bar) => [...bar] as [number, number, number, number]),
      trueSpan: { start: window.expansion_start, end: window.expansion_end },
      ...(window.spans !== undefined ? { spans: windowSpans(window) } : {}),
      ...(window.timestamps !== undefined ? { timestamps: [...window.timestamps] } : {}),
      predicted: objectives.map((objective) => {
        const p = predictions.get(objective)!;
        const bars = p.bars;
        return {
          objective,
          span: p.singleSpans[position] ?? null,
          probabilities: Array.from(p.probabilities.subarray(position * bars, (position + 1) * bars)),
        };
      }),
    };
  });
}
