/** Parsing of command-line option values, refusing a bad one with the option's name and what it got. */

/** A finite number. */
export function numberFlag(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${JSON.stringify(value)}`);
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
