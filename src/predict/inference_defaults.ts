/**
 * What every inference path shares and nothing heavier: the default threshold and batch, and whether a
 * model takes the position feature. Kept apart from predict.ts (which reads window files and
 * checkpoints) so that the scan's worker threads start without loading those readers (docs/spec.md §11).
 */
import { BASE_FEATURE_COUNT } from "../features/index.js";
import type { JadeCompact } from "../model/jade_compact.js";

/** Default cut for the threshold path: a bar is in span when p > 0.5. */
export const DEFAULT_THRESHOLD = 0.5;

/** Default windows per forward pass (the model's maxBatch caps it). */
export const DEFAULT_PREDICT_BATCH = 32;

/** Whether a model's inputs include the position feature: 12 features no, 13 yes, anything else is refused. */
export function usesPositionFeature(model: JadeCompact): boolean {
  const features = model.dims.features;
  if (features === BASE_FEATURE_COUNT) return false;
  if (features === BASE_FEATURE_COUNT + 1) return true;
  throw new Error(`the model takes ${features} features per bar; spanlab computes ${BASE_FEATURE_COUNT} (or ${BASE_FEATURE_COUNT + 1} with position)`);
}
