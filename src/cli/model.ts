/** `spanlab model`: the JadeCompact parameter table (names, shapes, counts) for either span objective. */
import type { Command } from "commander";
import { SPAN_OBJECTIVES, spanHead } from "../model/heads/registry.js";
import { DEFAULT_DIMENSIONS, ParameterSet, parameterSpecs } from "../model/parameters.js";
import { choiceFlag, integerFlag } from "./flags.js";

const thousands = new Intl.NumberFormat("en-US");

/** The table `spanlab model` prints, one line per tensor and the total. */
export function formatParameterTable(loss: string, features: number): string {
  const set = new ParameterSet(parameterSpecs(spanHead(loss), { ...DEFAULT_DIMENSIONS, features }));
  const nameWidth = Math.max(...set.entries.map((entry) => entry.name.length));
  const shapes = set.entries.map((entry) => `(${entry.shape.join(", ")})`);
  const shapeWidth = Math.max(...shapes.map((shape) => shape.length));
  const lines = [`JadeCompact, ${loss} span head, ${features} input features`];
  set.entries.forEach((entry, i) => {
    lines.push(`  ${entry.name.padEnd(nameWidth)}  ${shapes[i]!.padEnd(shapeWidth)}  ${thousands.format(entry.size).padStart(7)}`);
  });
  lines.push(`${thousands.format(set.count)} parameters`);
  return lines.join("\n");
}

export function registerModelCommand(program: Command): void {
  program
    .command("model")
    .description("print every parameter's name, shape and count, and the total")
    .option("--loss <loss>", `span objective: ${SPAN_OBJECTIVES.join(" or ")}`, SPAN_OBJECTIVES[0])
    .option("--features <n>", "input features per bar (12, or 13 with the position feature)", "12")
    .action((options: { loss: string; features: string }) => {
      const loss = choiceFlag("loss", options.loss, SPAN_OBJECTIVES);
      const features = integerFlag("features", options.features, 1);
      process.stdout.write(`${formatParameterTable(loss, features)}\n`);
    });
}
