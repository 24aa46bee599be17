/**
 * The search of `compare --tune` as pure functions (docs/spec.md §9, nested selection): the declared
 * space and its defaults, the sampled candidates, successive halving over epochs, and the choice. Each
 * decision here sees only scores computed on inner validation windows; src/compare/tune.ts feeds them.
 *
 * Epochs are the halving resource, not a sampled value: the learning rate is constant (AdamW, no
 * schedule), so a run continued from epoch 50 to 100 is the same computation as a 100-epoch run, and the
 * candidates that go on are trained further rather than retrained.
 */
import { z } from "zod";
import { spanHead } from "../model/heads/registry.js";
import { BALANCED, balancedMultiple, type PosWeightSetting, posWeightSettingText } from "../train/pos_weight.js";
import type { Rng } from "../util/rng.js";
import type { ChosenSetting, SearchSpace, TuneCandidate, TunePoint } from "./tune_types.js";

const posWeightSetting = z.union([z.number().min(0), z.string().regex(/^balanced(\*\d+(\.\d+)?(e[-+]?\d+)?)?$/i, 'a number ≥ 0, "balanced" or "balanced*k"')]);

/**
 * The default space. Epochs 50 and 100 (200 is one `--space` away, at about twice the cost: the default
 * `--tune` keeps to 15 minutes on 2 cores); the learning rate around AdamW's 1e-3 in both directions,
 * since at 50 epochs the σ's are bound by the step budget (lr × steps); the position feature off and on;
 * for the soft span loss, the balanced weight and its half and double.
 */
export const DEFAULT_SEARCH_SPACE: SearchSpace = {
  epochs: [50, 100],
  learningRate: [5e-4, 1e-3, 2e-3],
  position: [false, true],
  posWeight: [`${BALANCED}*0.5`, BALANCED, `${BALANCED}*2`],
};

/**
 * Configurations per objective and outer fold, and the halving factor: 3 sampled, the best third (one)
 * continued — Hyperband's usual η = 3. With 5 folds × 2 objectives that is 3 × 50 + 50 inner epochs and
 * the final run per objective and fold, about 12 minutes on 2 cores (η = 2 took 14 min 19 s).
 */
export const DEFAULT_TUNE_BUDGET = 3;
export const DEFAULT_HALVING = 3;
export const DEFAULT_OUTER_FOLDS = 5;

const distinct = <T>(values: T[]) => new Set(values.map((v) => JSON.stringify(v))).size === values.length;

/** A space as a user declares it (`--space FILE`, JSON): any dimension left out keeps its default. */
export const searchSpaceSchema = z
  .object({
    epochs: z
      .array(z.number().int().min(1))
      .min(1)
      .refine((e) => e.every((value, i) => i === 0 || value > e[i - 1]!), { message: "must be strictly ascending (they are the halving rungs)" })
      .default(DEFAULT_SEARCH_SPACE.epochs),
    learningRate: z.array(z.number().positive()).min(1).refine(distinct, { message: "must not repeat a value" }).default(DEFAULT_SEARCH_SPACE.learningRate),
    position: z.array(z.boolean()).min(1).max(2).refine(distinct, { message: "must not repeat a value" }).default(DEFAULT_SEARCH_SPACE.position),
    posWeight: z
      .array(posWeightSetting)
      .min(1)
      .refine(distinct, { message: "must not repeat a value" })
      .transform((settings) => settings as PosWeightSetting[])
      .default(DEFAULT_SEARCH_SPACE.posWeight),
  })
  .strict();

/** Parses a declared space; the error names the field and what was expected. */
export function parseSearchSpace(input: unknown, source: string): SearchSpace {
  const parsed = searchSpaceSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${source}: search space field ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  for (const setting of parsed.data.posWeight) balancedMultiple(setting);
  return parsed.data;
}

const sameSetting = (a: PosWeightSetting, b: PosWeightSetting) => a === b || (balancedMultiple(a) !== null && balancedMultiple(a) === balancedMultiple(b));

/** Every configuration of `space` an objective can take (its head decides whether pos_weight is searched). */
export function candidateGrid(space: SearchSpace, objective: string): Omit<TuneCandidate, "index">[] {
  const posWeights: (PosWeightSetting | null)[] = spanHead(objective).usesPosWeight ? space.posWeight : [null];
  return space.learningRate.flatMap((learningRate) =>
    space.position.flatMap((position) => posWeights.map((posWeight) => ({ learningRate, position, posWeight }))),
  );
}

/**
 * `budget` distinct configurations by random search without replacement. The comparison's own default
 * setting comes first when the space holds it, so the search can only keep or beat the untuned compare on
 * inner validation; the others are a seeded permutation of the rest of the grid.
 */
export function sampleCandidates(
  space: SearchSpace,
  objective: string,
  budget: number,
  defaults: Pick<TuneCandidate, "learningRate" | "position"> & { posWeight: PosWeightSetting },
  rng: Rng,
): TuneCandidate[] {
  if (!Number.isInteger(budget) || budget < 1) throw new Error(`--budget must be a positive integer, got ${budget}`);
  const grid = candidateGrid(space, objective);
  const isDefault = (c: Omit<TuneCandidate, "index">) =>
    c.learningRate === defaults.learningRate && c.position === defaults.position && (c.posWeight === null || sameSetting(c.posWeight, defaults.posWeight));
  const first = grid.findIndex(isDefault);
  const rest = grid.filter((_, i) => i !== first);
  const order = rng.permutation(rest.length).map((i) => rest[i]!);
  const picked = [...(first >= 0 ? [grid[first]!] : []), ...order].slice(0, budget);
  return picked.map((candidate, i) => ({ index: i + 1, ...candidate }));
}

/** How many candidates go on from a rung of `count`. */
export function survivors(count: number, halving: number): number {
  return Math.max(1, Math.ceil(count / halving));
}

/**
 * The candidates that go on to the next rung: the best ⌈n/halving⌉ by score; ties go to the earlier
 * candidate (the default first), so a tie never promotes by chance.
 */
export function promote(points: readonly Pick<TunePoint, "candidate" | "score">[], halving: number): number[] {
  const ranked = [...points].sort((a, b) => scoreOrder(b.score) - scoreOrder(a.score) || a.candidate - b.candidate);
  return ranked.slice(0, survivors(points.length, halving)).map((p) => p.candidate);
}

/** NaN scores (an undefined metric) rank last. */
const scoreOrder = (score: number) => (Number.isFinite(score) ? score : -Infinity);

/**
 * The choice: the best inner score over every evaluated (candidate, epochs) point — a candidate that got
 * worse when trained on keeps its earlier epoch count. Ties go to fewer epochs, then the earlier candidate.
 */
export function chooseSetting(points: readonly TunePoint[], candidates: readonly TuneCandidate[]): ChosenSetting {
  if (points.length === 0) throw new Error("no evaluated point to choose from");
  const best = [...points].sort((a, b) => scoreOrder(b.score) - scoreOrder(a.score) || a.epochs - b.epochs || a.candidate - b.candidate)[0]!;
  const candidate = candidates.find((c) => c.index === best.candidate)!;
  return {
    candidate: best.candidate,
    epochs: best.epochs,
    learningRate: candidate.learningRate,
    position: candidate.position,
    posWeight: candidate.posWeight,
    innerScore: best.score,
  };
}

/** A candidate in words: "lr 0.001, position off, pos_weight balanced × 2". */
export function candidateText(candidate: Pick<TuneCandidate, "learningRate" | "position" | "posWeight">): string {
  const parts = [`lr ${candidate.learningRate}`, `position ${candidate.position ? "on" : "off"}`];
  if (candidate.posWeight !== null) parts.push(`pos_weight ${posWeightSettingText(candidate.posWeight)}`);
  return parts.join(", ");
}
