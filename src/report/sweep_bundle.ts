/**
 * The sweep's documents (src/compare/sweep.ts writes sweep.json): SWEEP.md — the grid, one row per
 * configuration with each objective's headline figures and the paired winner, the best configuration per
 * objective and its rule, the plot — sweep.csv (one row per configuration and objective) and
 * plots/sweep.{png,svg,vl.json}. Every figure is read from the sweep model; nothing is computed here.
 */
import { objectivePairs } from "../compare/pairwise.js";
import { join } from "node:path";
import { spanHead } from "../model/heads/registry.js";
import type { Interval, SweepResult } from "../compare/sweep_types.js";
import { writeFileAtomic } from "../util/files.js";
import { toCsv } from "./csv.js";
import { formatValue } from "./format.js";
import { mdTable } from "./markdown.js";
import { plotObjectives, sweepPlot } from "./plots/index.js";
import { writePlot } from "./render.js";

const interval = (s: Interval | null | undefined) =>
  s ? `${formatValue(s.mean, "score")} [${formatValue(s.low, "score")}, ${formatValue(s.high, "score")}]` : "—";

export function sweepMarkdown(sweep: SweepResult): string {
  const labels = Object.fromEntries(sweep.objectives.map((o) => [o, spanHead(o).label]));
  const pairs = objectivePairs(sweep.objectives);
  const out = ["# Sweep", ""];
  out.push(
    `spanlab ${sweep.spanlab_version} · created ${sweep.created} · data \`${sweep.data}\` · ${sweep.seeds.length} paired seeds (${sweep.seeds.join(", ")}) per configuration.`,
    "",
  );
  out.push("Grid (every listed value crossed; a setting not listed keeps compare's default):", "");
  for (const [key, values] of Object.entries(sweep.grid)) out.push(`- \`${key}\`: ${values.map(String).join(", ")}`);
  out.push("");
  for (const key of sweep.metrics) {
    const first = sweep.configurations.find((c) => c.metrics[key])?.metrics[key];
    if (!first) continue;
    out.push(`## ${first.label}${key === sweep.metrics[0] ? " (primary)" : ""}`, "");
    out.push(
      mdTable(
        ["Configuration", ...sweep.objectives.map((o) => labels[o]!), ...pairs.map(([a, b]) => `${a} − ${b}`), "Winner", "Bundle"],
        sweep.configurations.map((c) => {
          const m = c.metrics[key];
          // A sweep written before every pair was kept has its one pair as `difference`.
          const differences = m?.pairs ? m.pairs.map((p) => p.difference) : [m?.difference];
          return [
            c.label,
            ...sweep.objectives.map((o) => interval(m?.byObjective[o])),
            ...pairs.map((_, k) => interval(differences[k])),
            m?.winner ?? "—",
            `[${c.bundle}](${c.bundle}/report.html)`,
          ];
        }),
        ["l", ...sweep.objectives.map(() => "r" as const), ...pairs.map(() => "r" as const), "l", "l"],
      ),
      "",
    );
  }
  out.push("## Best configuration", "");
  for (const objective of sweep.objectives) {
    const best = sweep.best[objective];
    out.push(`- ${labels[objective]}: ${best ? `${best.label} — span F1 ${interval(best.f1)}` : "none (no finite F1)"}`);
  }
  out.push("", `Rule: ${sweep.bestRule}.`, "");
  out.push("![Sweep: headline metrics per configuration](plots/sweep.png)", "");
  out.push("Each configuration's own verdict, as its compare states it:", "");
  for (const c of sweep.configurations) out.push(`- ${c.label}: ${c.headline}`);
  out.push("");
  return out.join("\n");
}

export function sweepCsv(sweep: SweepResult): string {
  const header = ["configuration", "objective", ...sweep.metrics.flatMap((key) => [`${key}_mean`, `${key}_low`, `${key}_high`]), "winner_f1_native", "bundle"];
  const rows = sweep.configurations.flatMap((c) =>
    sweep.objectives.map((o): (string | number)[] => [
      c.label,
      o,
      ...sweep.metrics.flatMap((key): (string | number)[] => {
        const s = c.metrics[key]?.byObjective[o];
        return s ? [s.mean, s.low, s.high] : ["", "", ""];
      }),
      c.metrics.f1_native?.winner ?? "",
      c.bundle,
    ]),
  );
  return toCsv(header, rows);
}

/** Writes SWEEP.md, sweep.csv and the plot into the sweep folder; returns the paths written. */
export async function writeSweepBundle(sweep: SweepResult, directory: string): Promise<string[]> {
  const objectives = plotObjectives(sweep.objectives.map((name) => ({ name, label: spanHead(name).label })));
  const plot = await writePlot(join(directory, "plots", "sweep"), sweepPlot(objectives, sweep, sweep.metrics.slice(0, 3)));
  const written = [plot.spec, plot.svg, plot.png];
  for (const [name, text] of [
    ["sweep.csv", sweepCsv(sweep)],
    ["SWEEP.md", sweepMarkdown(sweep)],
  ] as const) {
    writeFileAtomic(join(directory, name), text);
    written.push(join(directory, name));
  }
  return written;
}
