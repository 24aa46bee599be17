/**
 * The positive weight of the soft span loss as a setting (docs/spec.md §4, §5): a number, or `balanced` —
 * (1 − π)/π from π, the in-span rate of the run's own TRAINING windows, so that in-span and out-of-span
 * bars carry equal total weight in the loss. It is resolved once per run, after the split, so it never
 * looks at a validation window; the resolved value is what the model, the checkpoint and config.json hold.
 *
 * Why balanced by default: with ~7% of bars in a span, pos_weight 1.0 lets "never in span" win the
 * loss and the soft head barely separates the classes (the reference comparison's straw man, issue 12).
 */
import { checkPosWeight } from "../nn/losses.js";

/** The setting word for (1 − π)/π. */
export const BALANCED = "balanced";

/**
 * A number, `balanced`, or a multiple of it, `balanced*k` (the sensitivity axis: balanced/4 is
 * `balanced*0.25`).
 */
export type PosWeightSetting = number | typeof BALANCED | `${typeof BALANCED}*${number}`;

const BALANCED_MULTIPLE = /^balanced(?:\*(\d+(?:\.\d+)?(?:e[-+]?\d+)?))?$/i;

/** The multiple of balanced a setting asks for, or null for a plain number. */
export function balancedMultiple(setting: PosWeightSetting): number | null {
  if (typeof setting === "number") return null;
  const match = BALANCED_MULTIPLE.exec(setting);
  if (!match) throw new Error(`pos_weight: expected a number ≥ 0, "balanced" or "balanced*k", got "${setting}"`);
  const multiple = match[1] === undefined ? 1 : Number(match[1]);
  if (!(multiple > 0) || !Number.isFinite(multiple)) throw new Error(`pos_weight: the multiple of balanced must be a positive number, got "${setting}"`);
  return multiple;
}

/** What a run's pos_weight resolved to, and from what. */
export interface ResolvedPosWeight {
  requested: PosWeightSetting;
  value: number;
  /** π: in-span bars / bars over the training windows (every annotated span counts, docs/spec.md §6). */
  trainingInSpanRate: number;
}

/** π of `indices` over per-bar in-span marks (W × bars). */
export function inSpanRateOf(inSpan: Uint8Array, bars: number, indices: readonly number[]): number {
  let marked = 0;
  for (const window of indices) {
    for (let t = 0; t < bars; t++) marked += inSpan[window * bars + t]!;
  }
  return indices.length === 0 ? 0 : marked / (indices.length * bars);
}

/** (1 − π)/π; refused when the training windows have no in-span bar, or only in-span bars. */
export function balancedPosWeight(inSpanRate: number): number {
  if (!(inSpanRate > 0 && inSpanRate < 1)) {
    throw new Error(`pos_weight balanced needs training windows with both in-span and out-of-span bars; their in-span rate is ${inSpanRate}`);
  }
  return (1 - inSpanRate) / inSpanRate;
}

/** Resolve `setting` against the training windows' marks. */
export function resolvePosWeight(setting: PosWeightSetting, inSpan: Uint8Array, bars: number, trainIndices: readonly number[]): ResolvedPosWeight {
  const trainingInSpanRate = inSpanRateOf(inSpan, bars, trainIndices);
  const multiple = balancedMultiple(setting);
  const value = multiple === null ? (setting as number) : multiple * balancedPosWeight(trainingInSpanRate);
  checkPosWeight("pos_weight", value);
  return { requested: setting, value, trainingInSpanRate };
}

/** `--pos-weight` text: `balanced`, `balanced*k` or a number ≥ 0. */
export function parsePosWeight(text: string, flag = "--pos-weight"): PosWeightSetting {
  const trimmed = text.trim().toLowerCase();
  if (trimmed.startsWith(BALANCED)) {
    try {
      balancedMultiple(trimmed as PosWeightSetting);
    } catch (error) {
      throw new Error(`${flag}: ${(error as Error).message}`);
    }
    return (trimmed === BALANCED ? BALANCED : trimmed) as PosWeightSetting;
  }
  const value = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(value) || value < 0)
    throw new Error(`${flag}: expected a number ≥ 0, "${BALANCED}" or "${BALANCED}*k", got "${text}"`);
  return value;
}

/** A setting in words: `balanced`, `balanced × 0.25`, or the number. */
export function posWeightSettingText(setting: PosWeightSetting): string {
  const multiple = balancedMultiple(setting);
  if (multiple === null) return String(setting);
  return multiple === 1 ? BALANCED : `${BALANCED} × ${multiple}`;
}
