/**
 * Building {@link Phrase}s: sentences whose numbers stay numbers (with how to print them) until the
 * report renders them.
 */
import type { ObjectiveStatistics, PairedDifferenceSummary, Phrase, PhrasePart, ValueKind } from "../types.js";

export const value = (number: number | null | undefined, kind: ValueKind): PhrasePart => ({ value: finiteOrNull(number), kind });
export const decimals = (number: number | null | undefined, places: number): PhrasePart => ({ value: finiteOrNull(number), decimals: places });
export const statistics = (stats: ObjectiveStatistics | null | undefined, kind: ValueKind): PhrasePart => ({ statistics: stats ?? null, kind });
export const difference = (paired: PairedDifferenceSummary | null | undefined, kind: ValueKind): PhrasePart => ({ difference: paired ?? null, kind });
/** A number as JavaScript prints it: seeds, epochs, counts, a learning rate. */
export const count = (number: number): PhrasePart => ({ number: finiteOrNull(number) });

function finiteOrNull(number: number | null | undefined): number | null {
  return typeof number === "number" && Number.isFinite(number) ? number : null;
}

/** A phrase from parts and phrases, flattened, adjacent strings merged (so the JSON stays readable). */
export function phrase(...parts: (PhrasePart | Phrase)[]): Phrase {
  const out: Phrase = [];
  for (const part of parts.flatMap((p) => (Array.isArray(p) ? p : [p]))) {
    const previous = out[out.length - 1];
    if (typeof part === "string" && typeof previous === "string") out[out.length - 1] = previous + part;
    else if (part !== "") out.push(part);
  }
  return out;
}

/** Phrases joined by a separator. */
export function joined(phrases: readonly Phrase[], separator: string): Phrase {
  return phrase(...phrases.flatMap((p, i) => (i === 0 ? [p] : [separator, p])));
}

/** "1 seed", "5 seeds". */
export function counted(number: number, noun: string, pluralNoun = `${noun}s`): Phrase {
  return phrase(count(number), ` ${number === 1 ? noun : pluralNoun}`);
}

/** Integers joined by ", " ("4, 4, 4"). */
export function countList(numbers: readonly number[]): Phrase {
  return joined(
    numbers.map((n) => [count(n)]),
    ", ",
  );
}

/** "min–max", or the one value when they are equal. */
export function spanOf(range: { min: number; max: number }, part: (n: number) => PhrasePart): Phrase {
  return range.min === range.max ? [part(range.min)] : phrase(part(range.min), "–", part(range.max));
}
