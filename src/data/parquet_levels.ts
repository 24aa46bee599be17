/**
 * Dremel levels of the window file's numeric list columns, computed directly from their known shape.
 *
 * hyparquet-writer shreds any nested value by walking the schema once per leaf value (its
 * `encodeNestedValues`); for `features` (30,000 windows × 105 bars × 4 prices) that walk was the largest
 * single cost of `data windows --out *.parquet` (bench/windows.ts). Our list columns have one shape each
 * — an optional list of numbers, or an optional list of non-null lists of numbers, every level
 * pyarrow-style OPTIONAL (src/data/parquet.ts `listOf`) — so their levels follow from the lengths alone.
 * The levels are exactly what the general walk gives (parquet_levels.test.ts checks it on random shapes,
 * empty lists and null rows included), so the file's bytes do not change.
 *
 * Levels, for `list<leaf>` (max definition 3): a null row is (def 0, rep 0) with no value, an empty
 * list (def 1, rep 0), a value def 3; the first slot of a row has rep 0, later ones rep 1.
 * For `list<list<leaf>>` (max definition 5): null row def 0, empty outer list def 1, empty inner list
 * def 3, a value def 5; rep 0 opens a row, 1 opens a later inner list, 2 continues an inner list.
 *
 * Values are numbers, for INT64 columns too (bar times in epoch milliseconds and bar indices are safe
 * integers; src/data/parquet_numeric_column.ts writes them as int64). When no slot is empty — every
 * window's `features`, `volume` and `timestamps` — values are one Float64Array and levels Uint8Arrays:
 * a fraction of the allocation, read in monomorphic loops.
 */

/** One column's shredded page data (hyparquet-writer's `PageData`, numbers as values). */
export interface ShreddedColumn {
  /** One entry per slot; `undefined` for a null or empty slot. A Float64Array when every slot holds a value. */
  values: Float64Array | (number | undefined)[];
  definitionLevels: Uint8Array;
  repetitionLevels: Uint8Array;
  maxDefinitionLevel: number;
}

type Rows<Row> = readonly (Row | null | undefined)[];

/** Levels of an optional `list<number>` column. */
export function shredList(rows: Rows<readonly number[]>): ShreddedColumn {
  let slots = 0;
  let allPresent = true;
  for (const row of rows) {
    if (row && row.length > 0) slots += row.length;
    else {
      slots++;
      allPresent = false;
    }
  }
  const values = allPresent ? new Float64Array(slots) : new Array<number | undefined>(slots);
  const definitionLevels = new Uint8Array(slots).fill(3);
  const repetitionLevels = new Uint8Array(slots);
  let k = 0;
  for (const row of rows) {
    if (row === null || row === undefined || row.length === 0) {
      values[k] = undefined as unknown as number;
      definitionLevels[k++] = row === null || row === undefined ? 0 : 1;
      continue;
    }
    repetitionLevels.fill(1, k + 1, k + row.length);
    for (let i = 0; i < row.length; i++) values[k++] = row[i]!;
  }
  return { values, definitionLevels, repetitionLevels, maxDefinitionLevel: 3 };
}

/** Levels of an optional `list<list<number>>` column (inner lists never null). */
export function shredListOfLists(rows: Rows<readonly (readonly number[])[]>): ShreddedColumn {
  let slots = 0;
  let allPresent = true;
  for (const row of rows) {
    if (!row || row.length === 0) {
      slots++;
      allPresent = false;
      continue;
    }
    for (const inner of row) {
      if (inner.length > 0) slots += inner.length;
      else {
        slots++;
        allPresent = false;
      }
    }
  }
  const values = allPresent ? new Float64Array(slots) : new Array<number | undefined>(slots);
  const definitionLevels = new Uint8Array(slots).fill(5);
  const repetitionLevels = new Uint8Array(slots);
  let k = 0;
  for (const row of rows) {
    if (row === null || row === undefined || row.length === 0) {
      values[k] = undefined as unknown as number;
      definitionLevels[k++] = row === null || row === undefined ? 0 : 1;
      continue;
    }
    for (let outer = 0; outer < row.length; outer++) {
      const inner = row[outer]!;
      repetitionLevels[k] = outer === 0 ? 0 : 1;
      if (inner.length === 0) {
        values[k] = undefined as unknown as number;
        definitionLevels[k++] = 3;
        continue;
      }
      repetitionLevels.fill(2, k + 1, k + inner.length);
      for (let i = 0; i < inner.length; i++) values[k++] = inner[i]!;
    }
  }
  return { values, definitionLevels, repetitionLevels, maxDefinitionLevel: 5 };
}
