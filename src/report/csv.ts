/**
 * CSV files, RFC 4180: comma-separated, CRLF line ends, a field quoted when it holds a comma, a double
 * quote, CR or LF (quotes doubled inside). The results table's notes carry commas and intervals
 * "[low, high]", so quoting is not optional.
 */

/** One field, quoted when RFC 4180 requires it. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV document: header then rows, each line ended by CRLF (RFC 4180 §2.1). */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  for (const [i, row] of rows.entries()) {
    if (row.length !== header.length) throw new Error(`CSV row ${i + 1} has ${row.length} fields for ${header.length} columns`);
  }
  return [header, ...rows].map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}
