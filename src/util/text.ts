/**
 * Text from bytes, strictly: invalid UTF-8 is an error naming the file, the line and the byte offset,
 * never a silent U+FFFD carried into ids and reports.
 */
/** A plain decimal number ("1", "-0.5", "1e-3"); hexadecimal, binary, octal, "Infinity" and blanks are not. */
export const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const strict = new TextDecoder("utf-8", { fatal: true });

/**
 * A decoder that throws on invalid UTF-8 and keeps a leading U+FEFF: for chunks of one file decoded one by
 * one, where dropping it would remove a character from the middle of the text (the caller strips a BOM).
 */
export const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Byte offset of the first invalid UTF-8 sequence, or -1 (RFC 3629: no overlongs, surrogates or code points past U+10FFFF). */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    const second = bytes[i + 1]!;
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}

/** Decodes `bytes` as UTF-8, refusing invalid sequences with the file, line and byte offset named. */
export function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    const offset = invalidUtf8Offset(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    const shown = Array.from(bytes.subarray(offset, offset + 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new Error(`${path}: line ${line}, byte offset ${offset}: invalid UTF-8 (bytes ${shown}); the file must be UTF-8 text`);
  }
}

/**
 * Whether JSON text nests arrays and objects deeper than `limit` (strings skipped), checked before parsing:
 * a parse or a walk over a value nested thousands deep can exhaust the stack.
 */
export function jsonNestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}
