/**
 * TRAINING_ANALYSIS_SUMMARY.txt: the five-minute summary in plain text, 80 columns — decision, rules,
 * evidence, headline figures, baselines, what is not established, caveats. Every number is printed from
 * the comparison model (the test of the bundle checks each one against comparison.json).
 */
import type { ComparisonResult, SeedSpread } from "../compare/types.js";
import { formatPosWeight, formatDifference, formatShare, formatStatistics, formatValue, plural, textTable, wrap } from "./format.js";
import { HEADLINE_KEYS, seedsOf, usedSplit, type DocumentContext } from "./markdown.js";
import { capitalised, differenceName, onePair, pairName, pairNames, primaryStatement, requireMetric, say, winnerName } from "./model.js";
import { sensitivityLines } from "./sensitivity_section.js";
import { classHeadLines } from "./class_head_section.js";
import { tuningLines } from "./tuning_section.js";

function underline(title: string, character = "-"): string {
  return `${title}\n${character.repeat([...title].length)}`;
}

function bullet(text: string): string {
  return wrap(text, 80, "    ", "  - ");
}

/** "0.123 (seed mean; per seed 0.100–0.150)", or the one value. */
function spreadText(spread: SeedSpread): string {
  const m = formatValue(spread.mean, "score");
  if (spread.count <= 1) return m;
  return `${m} (seed mean; per seed ${formatValue(spread.min, "score")}–${formatValue(spread.max, "score")})`;
}

export function executiveSummary(result: ComparisonResult, context: DocumentContext): string {
  const { layout } = context;
  const p = result.protocol;
  const seeds = seedsOf(result);
  const pair = differenceName(result);
  const out: string[] = [];
  out.push(underline(`${result.objectives.map((o) => o.label.toUpperCase()).join(" vs ")} — EXECUTIVE SUMMARY`, "="));
  out.push(wrap(`spanlab ${result.spanlab_version} · created ${result.created} · data ${result.data.path} (${result.data.windows} windows)`));
  out.push(
    wrap(
      `Protocol: ${p.epochs} epochs, ${plural(seeds, "paired seed")} (${p.seeds.join(", ")}), ${usedSplit(result)} split${
        result.data.split?.kind === "time" ? ` (${result.data.split.purgedWindows} training windows purged for sharing bars with validation)` : ""
      }; ` + `thresholds chosen on ${p.thresholdChosenOn}; evaluated checkpoint: ${p.evaluatedCheckpoint}.`,
    ),
  );
  out.push("");
  out.push(underline("SETTINGS (what each objective trained with, and why)"));
  for (const settings of result.settings) {
    const objective = result.objectives.find((o) => o.name === settings.objective)!;
    out.push(bullet(`${objective.label}: pos_weight ${formatPosWeight(settings)} — ${settings.posWeight.why}.`));
  }
  const shared = result.settings[0]!.shared;
  out.push(
    bullet(
      `${result.objectives.length === 2 ? "Both" : "All"}: ${shared.epochs} epochs, AdamW lr ${shared.learningRate}, batch ${shared.batchSize}, weight decay ${shared.weightDecay} — ${shared.why}.`,
    ),
  );
  out.push("");
  out.push(underline("DECISION"));
  out.push(wrap(result.recommendation.headline));
  if (result.statements.caution) out.push(wrap(say(result, result.statements.caution)));
  out.push("");
  out.push("Why (the rules, in order):");
  for (const [i, rule] of result.recommendation.rules.entries()) out.push(wrap(rule, 80, "     ", `  ${i + 1}. `));
  out.push("");
  out.push("Evidence:");
  for (const reason of result.recommendation.reasons) out.push(bullet(reason));
  out.push("");
  out.push(underline("HEADLINE RESULTS (validation windows)"));
  out.push(
    wrap(
      seeds === 1
        ? "One seed per objective: plain values; a single run cannot establish a difference."
        : onePair(result)
          ? `Mean [${formatShare(result.conventions.confidence)} bootstrap interval] over ${seeds} paired seeds; ${pair} is the paired difference.`
          : `Mean [${formatShare(result.conventions.confidence)} bootstrap interval] over ${seeds} paired seeds; each pair (${pairNames(result)}) has its paired difference and its own winner; the winner of a metric beats every other objective.`,
    ),
  );
  out.push("");
  const rows: string[][] = onePair(result) ? [["", ...result.objectives.map((o) => capitalised(o.label))]] : [];
  for (const key of HEADLINE_KEYS) {
    const m = requireMetric(result, key);
    if (onePair(result)) {
      rows.push([m.shortLabel, ...result.objectives.map((o) => formatStatistics(m.byObjective[o.name] ?? null, m.kind, seeds))]);
      rows.push([`  ${pair}`, formatDifference(m.difference, m.kind, seeds), `winner: ${winnerName(result, m.winner)}`]);
    } else {
      // A column per objective would not fit 80 columns beyond two: one line per objective and per pair instead.
      rows.push([m.shortLabel]);
      for (const o of result.objectives) rows.push([`  ${o.label}`, formatStatistics(m.byObjective[o.name] ?? null, m.kind, seeds), ""]);
      for (const p of m.pairs) rows.push([`  ${pairName(result, p)}`, formatDifference(p.difference, m.kind, seeds), `pair: ${winnerName(result, p.winner)}`]);
      rows.push(["  winner", winnerName(result, m.winner), ""]);
    }
    if (m.ruleBaseline) rows.push(["  rule baseline", formatStatistics(m.ruleBaseline, m.kind, seeds), ""]);
  }
  out.push(textTable(rows, 3));
  out.push("");
  out.push(wrap(primaryStatement(result)));
  out.push("");
  const decoders = result.objectives.map((o) => `${o.shortLabel} = ${o.nativeDecoderRule}`).join(", ");
  out.push(
    wrap(
      `F1, own decoder: ${decoders}; pooled over validation bars. Single span: one span per window. IoU: mean over windows (single-span decoder). ` +
        `Separation: in-span − out-of-span mean p (higher is better). ECE: expected calibration error, ${result.conventions.calibrationBins} bins (lower is better).`,
    ),
  );
  out.push("");
  out.push(underline("DOES THE VERDICT DEPEND ON THE SETTINGS?"));
  for (const line of sensitivityLines(result)) out.push(bullet(line));
  out.push("");
  if (result.tuning) {
    out.push(underline("NESTED SELECTION: WHAT EACH OUTER FOLD CHOSE"));
    for (const line of tuningLines(result)) out.push(line.startsWith("  ") ? `  ${line.trim()}` : bullet(line));
    out.push("");
  }
  out.push(underline("IS THE CLASS TASK LEARNED?"));
  for (const line of classHeadLines(result)) out.push(bullet(line));
  out.push("");
  out.push(underline("BASELINES (trivial predictors on the same validation bars)"));
  out.push(bullet(`All-positive (every bar in span): F1 ${spreadText(result.baselines.allPositive)}.`));
  out.push(bullet(`Prior rate (each bar in span with the training in-span rate): F1 ${spreadText(result.baselines.priorRate)}.`));
  const native = requireMetric(result, "f1_native");
  if (native.ruleBaseline)
    out.push(bullet(`A transparent rule detector: F1 ${formatStatistics(native.ruleBaseline, native.kind, seeds)} — ${result.ruleBaseline.description}.`));
  for (const objective of result.objectives) out.push(bullet(`${objective.label}: ${say(result, result.baselines.readiness[objective.name]!.text)}.`));
  out.push(wrap(`Rule: ${result.rules.readiness}.`, 80, "    ", "    "));
  out.push("");
  out.push(underline("WHAT IS NOT ESTABLISHED"));
  for (const line of result.statements.notEstablished) out.push(bullet(say(result, line)));
  out.push("");
  out.push(underline("CAVEATS"));
  for (const line of result.statements.caveats) out.push(bullet(say(result, line)));
  out.push("");
  out.push(underline("READ NEXT"));
  out.push(bullet(`${layout.report}: the one-page report with every plot.`));
  out.push(bullet(`${layout.resultsCsv}: every metric, winner and rule.`));
  out.push(bullet(`${layout.finalComparison}: the technical deep-dive.`));
  out.push(bullet(`${layout.thresholdAnalysis}: threshold choice and baselines.`));
  out.push(bullet(`${layout.technicalComparison}: architecture validation, the untrained baseline, the threshold method.`));
  out.push(bullet(`${layout.index}: reading order per role and the file manifest.`));
  out.push("");
  return out.join("\n");
}
