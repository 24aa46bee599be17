/**
 * A tuned comparison's search as the documents print it (FINAL_COMPARISON's "Nested selection", the
 * summary's block, report.html's section, the console): `result.tuning`, formatted, never computed.
 */
import type { ComparisonResult, TuneCandidate, TuningAnalysis } from "../compare/types.js";
import { candidateText } from "../compare/tune_space.js";
import { posWeightSettingText } from "../train/pos_weight.js";
import { formatValue } from "./format.js";
import { mdTable } from "./markdown.js";
import { capitalised } from "./model.js";

const score = (value: number) => formatValue(value, "score");

/** "100 epochs, lr 0.001, position off, pos_weight balanced × 2". */
function chosenText(chosen: TuningAnalysis["folds"][number]["byObjective"][string]["chosen"]): string {
  return `${chosen.epochs} epochs, ${candidateText(chosen)}`;
}

/** The candidates of a fold and objective, by index. */
function candidatesOf(result: ComparisonResult, objective: string, fold: number): TuneCandidate[] {
  return result.protocol.tune!.candidates[objective]![fold - 1]!;
}

/** "c1 @50 0.512, c1 @100 0.560, c2 @50 0.430": every point the search scored, candidate-major. */
function pointsText(points: TuningAnalysis["folds"][number]["byObjective"][string]["points"]): string {
  return [...points]
    .sort((a, b) => a.candidate - b.candidate || a.epochs - b.epochs)
    .map((p) => `c${p.candidate}@${p.epochs} ${score(p.score)}`)
    .join(", ");
}

/** One row per fold and objective: the choice, its inner score, every point tried, the fold's outer F1. */
export function tuningTable(result: ComparisonResult): { header: string[]; rows: string[][] } {
  const tuning = result.tuning!;
  const rows = tuning.folds.flatMap((fold) =>
    result.objectives.map((o) => {
      const own = fold.byObjective[o.name]!;
      const run = result.runs.find((r) => r.objective === o.name && r.seed === fold.seed);
      return [
        String(fold.fold),
        capitalised(o.shortLabel),
        chosenText(own.chosen),
        score(own.chosen.innerScore),
        pointsText(own.points),
        run ? score(run.headline.f1_native ?? Number.NaN) : "—",
      ];
    }),
  );
  return { header: ["Fold", "Objective", "Chosen setting", "Inner F1", "Every point scored (candidate@epochs inner F1)", "Outer F1"], rows };
}

/** The candidates each fold sampled, in words (the table names them c1, c2, …). */
export function candidateLines(result: ComparisonResult): string[] {
  const tuning = result.tuning!;
  return tuning.folds.flatMap((fold) =>
    result.objectives.map(
      (o) =>
        `Fold ${fold.fold}, ${o.shortLabel}: ${candidatesOf(result, o.name, fold.fold)
          .map((c) => `c${c.index} = ${candidateText(c)}`)
          .join("; ")}`,
    ),
  );
}

/** The space in one line. */
export function spaceText(tuning: TuningAnalysis): string {
  const s = tuning.space;
  return (
    `epochs ${s.epochs.join(" → ")} (halving rungs); lr ${s.learningRate.join(", ")}; position ${s.position.map((p) => (p ? "on" : "off")).join(", ")}; ` +
    `pos_weight ${s.posWeight.map(posWeightSettingText).join(", ")} (objectives that read it)`
  );
}

/** What the search cost, per objective. */
function costText(result: ComparisonResult): string {
  const tuning = result.tuning!;
  return result.objectives
    .map((o) => {
      const c = tuning.cost[o.name]!;
      return `${o.shortLabel}: ${c.innerRuns} candidates, ${c.innerEpochs} inner epochs, ${c.finalEpochs} epochs in the final runs`;
    })
    .join("; ");
}

/** FINAL_COMPARISON's section (its heading given). */
export function tuningMarkdown(result: ComparisonResult, heading: string): string[] {
  const tuning = result.tuning;
  if (!tuning) return [];
  const table = tuningTable(result);
  const out = [heading, ""];
  for (const o of result.objectives) out.push(`**${tuning.statements[o.name]}**`, "");
  out.push(
    `Search space: ${spaceText(tuning)}. Budget: ${tuning.budget} configurations per objective and fold, halving by ${tuning.halving}. Cost: ${costText(result)}.`,
    "",
  );
  out.push(mdTable(table.header, table.rows, ["r", "l", "l", "r", "l", "r"]), "");
  out.push("Candidates:", "");
  for (const line of candidateLines(result)) out.push(`- ${line}`);
  out.push("", "How the search works, and what it may read:", "");
  for (const [i, rule] of tuning.rules.entries()) out.push(`${i + 1}. ${rule}`);
  out.push("");
  return out;
}

/** The console's and the summary's lines. */
export function tuningLines(result: ComparisonResult): string[] {
  const tuning = result.tuning;
  if (!tuning) return [];
  const lines = [
    `nested selection (${tuning.folds.length} outer folds, ${tuning.outerKind}; inner search: ${tuning.budget} configurations per objective and fold):`,
  ];
  // Labels padded to the longest compared one (at least 5, as soft and CRF always were), so the settings line up.
  const width = Math.max(5, ...result.objectives.map((o) => o.shortLabel.length));
  for (const fold of tuning.folds) {
    for (const o of result.objectives) {
      const own = fold.byObjective[o.name]!;
      const run = result.runs.find((r) => r.objective === o.name && r.seed === fold.seed);
      lines.push(
        `  fold ${fold.fold} ${o.shortLabel.padEnd(width)} ${chosenText(own.chosen)} — inner F1 ${score(own.chosen.innerScore)}, outer F1 ${run ? score(run.headline.f1_native ?? Number.NaN) : "—"}`,
      );
    }
  }
  for (const o of result.objectives) lines.push(tuning.statements[o.name]!);
  lines.push(`cost: ${costText(result)}`);
  return lines;
}
