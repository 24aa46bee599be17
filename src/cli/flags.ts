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
