/** Parsing of command-line option values, refusing a bad one with the option's name and what it got. */
import { DECIMAL_NUMBER } from "../util/text.js";
import type { Command } from "commander";
import { TRAIN_DEFAULTS } from "../train/config.js";
import { SPAN_OBJECTIVES } from "../model/heads/registry.js";

/** A finite number. */
export function numberFlag(name: string, value: string): number {
  const n = Number(value);
  // Number() also reads "0x3a98" (15000), "0b1" and "0o7": only plain decimals are numbers here.
  if (!DECIMAL_NUMBER.test(value.trim()) || !Number.isFinite(n)) {
    throw new Error(`--${name} must be a plain decimal number, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** An integer, optionally at least `min`. */
export function integerFlag(name: string, value: string, min = -Infinity): number {
  const n = numberFlag(name, value);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`--${name} must be an integer${min > -Infinity ? ` ≥ ${min}` : ""}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new Error(`--${name} must be ${choices.slice(0, -1).join(", ")}${choices.length > 1 ? " or " : ""}${choices.at(-1)}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/**
 * A comma list of two or more different registered span objectives ("soft,crf,segment_crf"), in the order
 * given: the order of the compare's columns and of each pair's difference.
 */
export function objectivesFlag(name: string, value: string): string[] {
  const names = value.split(",").map((part) => part.trim());
  const known = SPAN_OBJECTIVES.join(", ");
  if (names.some((part) => part === "")) throw new Error(`--${name} must be a comma list of span objectives (${known}), got ${JSON.stringify(value)}`);
  const unknown = names.filter((part) => !SPAN_OBJECTIVES.includes(part));
  if (unknown.length > 0) {
    throw new Error(`--${name}: unknown span objective${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => JSON.stringify(u)).join(", ")}; known: ${known}`);
  }
  const repeated = names.filter((part, i) => names.indexOf(part) !== i);
  if (repeated.length > 0) throw new Error(`--${name} names ${[...new Set(repeated)].join(", ")} more than once; list each objective once`);
  if (names.length < 2) throw new Error(`--${name} needs at least two objectives to compare, got only ${names[0]} (known: ${known})`);
  return names;
}

/** A positive integer, at most `max`. */
export function positiveIntegerFlag(name: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? "a positive integer" : `an integer in [1, ${max}]`;
    throw new Error(`--${name} must be ${range}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A number in [0, 1] (a probability threshold). */
export function probabilityFlag(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !(n >= 0 && n <= 1)) throw new Error(`--${name} must be a number in [0, 1], got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The loss settings `train` and `compare` share, defined once: `--pos-weight` (a number, balanced or
 * balanced*k) and `--weighting` (kendall or equal), both defaulting to the training schema.
 */
export function addLossSettingOptions(command: Command): Command {
  return command
    .option(
      "--pos-weight <w>",
      "weight of in-span bars in the soft span loss: a number, balanced ((1 − π)/π from the training windows' in-span rate π) or balanced*k",
      String(TRAIN_DEFAULTS.posWeight),
    )
    .option(
      "--weighting <how>",
      "how the four task losses combine: kendall (learned uncertainty weights, the reference's) or equal (their sum)",
      TRAIN_DEFAULTS.weighting,
    );
}
