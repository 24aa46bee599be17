/**
 * report.html: the whole comparison on one self-contained page a decision maker can read in five
 * minutes — decision banner, headline table with intervals and winners, what is not established,
 * baselines, caveats, every plot, the full metric table, and links to the other files.
 *
 * Self-contained means no network at all: the CSS is inline, fonts are the reader's system fonts (no
 * web fonts), there is no script, and the plots are embedded as PNG data: URIs (inline SVG would carry
 * the SVG namespace URL, and PNGs render identically everywhere). Links to the bundle's other files are
 * relative, so the page works from a copied folder or a zip.
 */
import type { ComparisonResult } from "../compare/types.js";
import { PNG_SCALE } from "./render.js";
import { fixed, formatPosWeight, formatShare, formatStatistics, formatValue, plural } from "./format.js";
import { histogramKey, type PlotKey } from "./layout.js";
import { headlineRows, HEADLINE_KEYS, metricHeader, pairCell, pairHeader, usedSplit, type DocumentContext } from "./markdown.js";
import { capitalised, differenceName, lossScales, onePair, primaryStatement, requireMetric, say, winnerName } from "./model.js";
import { plotObjectives } from "./plots/shared.js";
import { resultTableRows } from "./results_csv.js";
import { noSensitivityText, sensitivityTable } from "./sensitivity_section.js";
import { candidateLines, spaceText, tuningTable } from "./tuning_section.js";
import { classHeadTable } from "./class_head_section.js";
import { spanPosteriorExplanation, spanPosteriorTable } from "./span_posterior_section.js";

/** A rendered plot to embed. */
export interface EmbeddedPlot {
  key: PlotKey;
  base: string;
  title: string;
  caption: string;
  png: Uint8Array;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Pixel size of a PNG from its IHDR chunk (bytes 16–23), to show it at its design size. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 24 || signature.some((b, i) => png[i] !== b)) throw new Error("not a PNG file");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function dataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64")}`;
}

/** Background tints of the objectives' badges, by position (their text takes the plots' colours). */
const BADGE_TINTS = ["#e3f0f8", "#fbeae0", "#f7e6f0", "#ddf3ec", "#fcf0d8"] as const;

/** The page's style sheet: one colour variable and one badge class per objective, named after it. */
function styleSheet(result: ComparisonResult): string {
  const colours = plotObjectives(result.objectives);
  const variables = colours.map((o) => `--${o.name}: ${o.colour};`).join(" ");
  const badges = colours.map((o, i) => `.badge.${o.name} { background: ${BADGE_TINTS[i % BADGE_TINTS.length]}; color: var(--${o.name}); }`).join("\n");
  return CSS.replace("{{objective colours}}", variables).replace("{{objective badges}}", badges);
}

const CSS = `
:root { --ink: #1d2127; --muted: #5b6470; --rule: #dde1e6; {{objective colours}} --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #ffffff; font: 15px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 28px 60px; }
h1 { font-size: 27px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 15.5px; margin: 18px 0 6px; }
p, li { max-width: 900px; }
.meta { color: var(--muted); font-size: 13.5px; margin: 0 0 18px; }
.banner { border-radius: 8px; padding: 16px 20px; margin: 10px 0 8px; border: 1px solid; }
.banner.decided { background: #eef7ee; border-color: #9ccc9c; }
.banner.undecided { background: #fff7e6; border-color: #f0c36d; }
.banner .label { text-transform: uppercase; font-size: 12px; letter-spacing: 0.08em; color: var(--muted); font-weight: 600; }
.banner .headline { font-size: 20px; font-weight: 650; margin: 4px 0 8px; line-height: 1.35; }
.banner .caution { background: #fff3cd; border-left: 4px solid #e0a800; padding: 6px 10px; margin: 6px 0 8px; font-size: 14px; font-weight: 600; }
.banner ul { margin: 6px 0 0; padding-left: 20px; font-size: 13.5px; }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--muted); font-size: 13.5px; }
table { border-collapse: collapse; margin: 8px 0 6px; font-size: 14px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.caption { color: var(--muted); font-size: 13px; margin: 2px 0 10px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12.5px; font-weight: 600; white-space: nowrap; }
{{objective badges}}
.badge.none { background: #eceef1; color: #4a525c; }
.badge.na { background: transparent; color: #8a929c; font-weight: 400; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 26px; }
@media (max-width: 820px) { .columns { grid-template-columns: 1fr; } }
.columns ul { padding-left: 20px; margin: 4px 0; font-size: 14px; }
figure { margin: 22px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; max-width: 900px; }
.scroll { overflow-x: auto; }
table.full { font-size: 12.5px; }
.nw { white-space: nowrap; }
table.full td.notes { color: var(--muted); min-width: 320px; }
ul.files { columns: 2; font-size: 13.5px; }
@media (max-width: 820px) { ul.files { columns: 1; } }
code { font-size: 12.5px; background: var(--bg-soft); padding: 1px 4px; border-radius: 3px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--rule); padding-top: 10px; }
@media print { main { max-width: none; } .banner { break-inside: avoid; } figure { break-inside: avoid; } }
`;

/** A winner's badge: an objective's in its colour (as in the plots), a verdict in grey. */
function badge(result: ComparisonResult, winner: string): string {
  const kind = result.protocol.objectives.includes(winner) ? winner : winner === "n/a" ? "na" : "none";
  return `<span class="badge ${kind}">${escapeHtml(winnerName(result, winner))}</span>`;
}

/** A value cell: short values ("0.087 [0.077, 0.105]") never break inside; long descriptions wrap. */
function value(text: string): string {
  return [...text].length <= 30 ? `<span class="nw">${escapeHtml(text)}</span>` : escapeHtml(text);
}

/** A table of cells that are already HTML; `cellClass` per column ("num" right-aligns numbers). */
function table(header: readonly string[], rows: readonly (readonly string[])[], cellClass: readonly string[], className = ""): string {
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell, i) => `<td${cellClass[i] ? ` class="${cellClass[i]}"` : ""}>${cell}</td>`).join("")}</tr>`).join("\n");
  return `<table${className ? ` class="${className}"` : ""}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function figure(plot: EmbeddedPlot): string {
  const { width, height } = pngSize(plot.png);
  const w = Math.round(width / PNG_SCALE);
  const h = Math.round(height / PNG_SCALE);
  return (
    `<figure id="plot-${plot.key}">\n<img src="${dataUri(plot.png)}" width="${w}" height="${h}" alt="${escapeHtml(plot.title)}">\n` +
    `<figcaption><strong>${escapeHtml(plot.title)}.</strong> ${escapeHtml(plot.caption)} ` +
    `(<a href="${escapeHtml(plot.base)}.png">PNG</a>, <a href="${escapeHtml(plot.base)}.svg">SVG</a>, <a href="${escapeHtml(plot.base)}.vl.json">Vega-Lite spec with data</a>)</figcaption>\n</figure>`
  );
}

/** The span posterior's plots: shown in its section (#span-posterior), after its table. */
const SPAN_POSTERIOR_PLOTS: readonly PlotKey[] = ["spanCalibration", "spanPosteriorHeatmap"];

/** The order plots appear in: what decides first, diagnostics after (the span posterior's in its own section when it has one). */
function plotOrder(result: ComparisonResult): PlotKey[] {
  return [
    "lossCurves",
    "sensitivity",
    "thresholdCurves",
    "thresholdResults",
    "reliability",
    ...result.objectives.map(histogramKey),
    "sigma",
    "taskScales",
    "examples",
    ...(result.spanPosterior ? [] : SPAN_POSTERIOR_PLOTS),
  ];
}

export function reportHtml(result: ComparisonResult, context: DocumentContext, plots: readonly EmbeddedPlot[]): string {
  const { layout } = context;
  const p = result.protocol;
  const seeds = p.seeds.length;
  const decided = result.recommendation.decision !== "undecided";
  const headline = { header: metricHeader(result), rows: headlineRows(result), metrics: HEADLINE_KEYS.map((k) => requireMetric(result, k)) };
  const pair = differenceName(result);
  const title = result.objectives.map((o) => o.label).join(" vs ");
  const out: string[] = [];
  out.push("<!DOCTYPE html>");
  out.push('<html lang="en">');
  out.push("<head>");
  out.push('<meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${escapeHtml(capitalised(title))} — ${escapeHtml(String(p.epochs))} epochs, ${escapeHtml(plural(seeds, "seed"))}</title>`);
  out.push(`<style>${styleSheet(result)}</style>`);
  out.push("</head>");
  out.push("<body>");
  out.push("<main>");
  out.push(`<h1>${escapeHtml(capitalised(title))}</h1>`);
  out.push(
    `<p class="meta">JadeCompact (BiLSTM) · ${p.epochs} epochs · ${escapeHtml(plural(seeds, "paired seed"))} (${escapeHtml(p.seeds.join(", "))}) · ` +
      `${escapeHtml(usedSplit(result))} split · ${result.data.windows} windows (${result.data.trainWindows} train / ${result.data.validationWindows} validation, first seed) · ` +
      `created ${escapeHtml(result.created)} · spanlab ${escapeHtml(result.spanlab_version)}</p>`,
  );

  // Decision banner.
  out.push(`<section class="banner ${decided ? "decided" : "undecided"}" id="decision">`);
  out.push(`<div class="label">Decision</div>`);
  out.push(`<div class="headline">${escapeHtml(result.recommendation.headline)}</div>`);
  const caution = result.statements.caution;
  if (caution) out.push(`<div class="caution">${escapeHtml(say(result, caution))}</div>`);
  out.push("<ul>");
  for (const reason of result.recommendation.reasons) out.push(`<li>${escapeHtml(reason)}</li>`);
  out.push("</ul>");
  out.push("<details><summary>The rules behind the decision</summary><ol>");
  for (const rule of result.recommendation.rules) out.push(`<li>${escapeHtml(rule)}</li>`);
  out.push("</ol></details>");
  out.push("</section>");

  // Headline table.
  out.push('<h2 id="headline">Headline results</h2>');
  out.push(
    `<p class="caption">Validation windows. ${
      seeds === 1
        ? "One seed per objective: plain values — a single run cannot establish a difference."
        : onePair(result)
          ? `Mean [${formatShare(result.conventions.confidence)} bootstrap interval] over ${seeds} paired seeds; ${pair} is the paired difference. A winner is named only when its interval excludes 0.`
          : `Mean [${formatShare(result.conventions.confidence)} bootstrap interval] over ${seeds} paired seeds. A winner is named only when its paired intervals against every other objective exclude 0 (the paired differences below).`
    }</p>`,
  );
  out.push(
    table(
      headline.header,
      headline.rows.map((row, i) => [...row.slice(0, -1).map((cell) => escapeHtml(cell)), badge(result, headline.metrics[i]!.winner)]),
      headline.header.map((_, i) => (i === 0 || i === headline.header.length - 1 ? "" : "num")),
    ),
  );
  if (!onePair(result)) {
    // More than two objectives: every pair's difference in a table of its own, the pair's verdict beside it.
    out.push('<h3 id="pairs">Paired differences</h3>');
    out.push(
      `<p class="caption">Each pair on the same seeds and splits, earlier − later objective, with the pair's own verdict; the winner of a metric must beat every other objective.</p>`,
    );
    const header = pairHeader(result);
    out.push(
      table(
        header,
        headline.metrics.map((m) => [
          escapeHtml(m.shortLabel),
          ...m.pairs.map((pair) => `<span class="nw">${escapeHtml(pairCell(result, m, pair))}</span>`),
          badge(result, m.winner),
        ]),
        header.map((_, i) => (i === 0 || i === header.length - 1 ? "" : "num")),
      ),
    );
  }
  const decoders = result.objectives
    .map((o) => `${o.shortLabel} = ${o.nativeDecoderRule}${o.nativeDecoder === o.thresholdDecoder.key ? " chosen on training windows" : ""}`)
    .join(", ");
  out.push(
    `<p class="caption">F1, own decoder: ${escapeHtml(decoders)}; pooled over validation bars. Single span: one decoded span per window. ` +
      "IoU: mean over windows. Separation: in-span − out-of-span mean p (higher is better). ECE: expected calibration error (lower is better).</p>",
  );

  out.push(`<p class="caption">${escapeHtml(primaryStatement(result))}</p>`);

  // Sensitivity.
  out.push('<h2 id="sensitivity">Does the verdict depend on the settings?</h2>');
  if (result.sensitivity) {
    const sensitivity = sensitivityTable(result);
    out.push(`<p><strong>${escapeHtml(result.sensitivity.sentence)}</strong></p>`);
    out.push(
      table(
        sensitivity.header,
        sensitivity.rows.map((row) => row.map((cell) => escapeHtml(cell))),
        sensitivity.header.map((_, i) => (i === 0 || i === sensitivity.header.length - 1 ? "" : "num")),
      ),
    );
    out.push(
      `<p class="caption">Intervals: ${escapeHtml(result.sensitivity.intervalMethod)}.${result.sensitivity.notRun.map((line) => ` Not run: ${escapeHtml(line)}.`).join("")}</p>`,
    );
  } else {
    out.push(`<p>${escapeHtml(noSensitivityText(result))}</p>`);
  }

  // A tuned comparison's search.
  if (result.tuning) {
    const tuning = result.tuning;
    const search = tuningTable(result);
    out.push('<h2 id="tuning">Nested selection: the settings each outer fold chose</h2>');
    for (const o of result.objectives) out.push(`<p><strong>${escapeHtml(tuning.statements[o.name]!)}</strong></p>`);
    out.push(
      table(
        search.header,
        search.rows.map((row) => row.map((cell) => escapeHtml(cell))),
        ["num", "", "", "num", "", "num"],
      ),
    );
    out.push(`<p class="caption">Search space: ${escapeHtml(spaceText(tuning))}. ${candidateLines(result).map(escapeHtml).join(". ")}.</p>`);
    out.push(`<ol class="caption">${tuning.rules.map((rule) => `<li>${escapeHtml(rule)}</li>`).join("")}</ol>`);
  }

  // The class heads.
  out.push('<h2 id="class-heads">Is the class task learned?</h2>');
  out.push(`<p><strong>${escapeHtml(result.classHead.sentence)}</strong></p>`);
  const classes = classHeadTable(result);
  out.push(
    table(
      classes.header,
      classes.rows.map((row) => row.map((cell) => escapeHtml(cell))),
      ["", "num", "num", "num", "", "", ""],
    ),
  );

  // The span posteriors and their calibration.
  if (result.spanPosterior) {
    out.push('<h2 id="span-posterior">How sure is each head of its span?</h2>');
    out.push(`<p class="caption">${escapeHtml(spanPosteriorExplanation(result.spanPosterior))}</p>`);
    const posterior = spanPosteriorTable(result.spanPosterior, result.objectives);
    out.push(
      table(
        posterior.header,
        posterior.rows.map((row) => row.map((cell) => escapeHtml(cell))),
        ["", "", "", "", "num", "num", "num", "num"],
      ),
    );
    for (const key of SPAN_POSTERIOR_PLOTS) {
      const plot = plots.find((x) => x.key === key);
      if (plot) out.push(figure(plot));
    }
  }

  // Not established, baselines.
  out.push('<div class="columns">');
  out.push('<section id="not-established"><h3>What is not established</h3><ul>');
  for (const line of result.statements.notEstablished) out.push(`<li>${escapeHtml(say(result, line))}</li>`);
  out.push("</ul></section>");
  out.push('<section id="baselines"><h3>Baselines and readiness</h3><ul>');
  out.push(`<li>All-positive F1 (every bar in span): ${formatValue(result.baselines.allPositive.mean, "score")}${seeds > 1 ? " (seed mean)" : ""}.</li>`);
  out.push(
    `<li>Prior-rate F1 (random at the training in-span rate): ${formatValue(result.baselines.priorRate.mean, "score")}${seeds > 1 ? " (seed mean)" : ""}.</li>`,
  );
  const native = requireMetric(result, "f1_native");
  if (native.ruleBaseline) {
    out.push(
      `<li>Rule detector F1: ${escapeHtml(formatStatistics(native.ruleBaseline, native.kind, seeds))} — ${escapeHtml(result.ruleBaseline.description)}.</li>`,
    );
  }
  for (const objective of result.objectives)
    out.push(`<li>${escapeHtml(objective.label)}: ${escapeHtml(say(result, result.baselines.readiness[objective.name]!.text))}.</li>`);
  out.push("</ul></section>");
  out.push("</div>");

  // Caveats.
  const h = result.referenceHeuristic;
  const [first, second] = result.objectives as [ComparisonResult["objectives"][0], ComparisonResult["objectives"][0]];
  out.push('<h2 id="caveats">Caveats</h2><ul>');
  for (const objective of result.objectives) out.push(`<li>${escapeHtml(say(result, result.training.byObjective[objective.name]!.budget.text))}</li>`);
  out.push(`<li>Loss values are not comparable across objectives: ${escapeHtml(lossScales(result.objectives))}. Loss reductions never decide.</li>`);
  out.push(
    `<li>The reference's “normalised reduction” — ${escapeHtml(first.shortLabel)} ${formatValue(100 * h.reductions[first.name]!, "percent")}, ${escapeHtml(second.shortLabel)} ${formatValue(100 * h.reductions[second.name]!, "percent")} ÷ ${escapeHtml(fixed(h.scale, 2))} = ` +
      `${formatValue(100 * h.normalised, "percent")}` +
      (h.others ?? [])
        .map((other) => {
          const later = result.objectives.find((o) => o.name === other.objective)!;
          return `, ${escapeHtml(later.shortLabel)} ${formatValue(100 * h.reductions[later.name]!, "percent")} ÷ ${escapeHtml(fixed(other.scale, 2))} = ${formatValue(100 * other.normalised, "percent")}`;
        })
        .join("") +
      " — is a flagged heuristic, shown for comparison with the reference only.</li>",
  );
  out.push(`<li>Thresholds: ${escapeHtml(p.thresholdChosenOn)}. Evaluated checkpoint: ${escapeHtml(p.evaluatedCheckpoint)}.</li>`);
  out.push("</ul>");

  // Plots.
  out.push('<h2 id="plots">Plots</h2>');
  if (result.spanPosterior && plots.some((x) => SPAN_POSTERIOR_PLOTS.includes(x.key))) {
    out.push(
      '<p class="caption">The span posterior\'s heat map and calibration plots are in <a href="#span-posterior">How sure is each head of its span?</a></p>',
    );
  }
  for (const key of plotOrder(result)) {
    const plot = plots.find((x) => x.key === key);
    if (plot) out.push(figure(plot));
  }

  // Full table.
  out.push(`<h2 id="metrics">All metrics (<a href="${escapeHtml(layout.resultsCsv)}">${escapeHtml(layout.resultsCsv)}</a>)</h2>`);
  out.push(`<p class="caption">The reference's 21 rows first, then every other measured metric. “n/a”: descriptive, no winner applies.</p>`);
  out.push('<div class="scroll">');
  out.push(
    table(
      ["Metric", ...result.objectives.map((o) => capitalised(o.label)), "Winner", "Rule / notes"],
      resultTableRows(result).map((r) => [escapeHtml(r.metric), ...r.cells.map(value), badge(result, r.winner), escapeHtml(r.notes)]),
      ["", ...result.objectives.map(() => ""), "", "notes"],
      "full",
    ),
  );
  out.push("</div>");

  // Files.
  out.push('<h2 id="files">Files in this bundle</h2>');
  out.push('<ul class="files">');
  for (const entry of context.manifest) {
    out.push(`<li><a href="${escapeHtml(entry.path)}">${escapeHtml(entry.path)}</a> — ${escapeHtml(entry.description)}</li>`);
  }
  out.push("</ul>");
  out.push(
    `<p class="caption">Run folders (logs, metrics.jsonl, config.json, checkpoints): ${context.runFolders
      .map((f) => `<a href="${escapeHtml(f.directory)}/training.log">${escapeHtml(f.directory)}</a>`)
      .join(", ")}.</p>`,
  );
  out.push(
    `<footer>Data <code>${escapeHtml(result.data.path)}</code>, sha256 <code>${escapeHtml(result.data.sha256.slice(0, 16))}…</code>. ` +
      `Batch ${p.batchSize}, AdamW lr ${p.learningRate}, weight decay ${p.weightDecay}, ${result.settings
        .map(
          (settings) =>
            `${escapeHtml(result.objectives.find((o) => o.name === settings.objective)!.label)} pos_weight ${escapeHtml(formatPosWeight(settings))}`,
        )
        .join(", ")}, minimum run length ${p.minRunLength}. ` +
      `Every number on this page is read from <a href="${escapeHtml(layout.comparison)}">${escapeHtml(layout.comparison)}</a>.</footer>`,
  );
  out.push("</main>");
  out.push("</body>");
  out.push("</html>");
  return `${out.join("\n")}\n`;
}
