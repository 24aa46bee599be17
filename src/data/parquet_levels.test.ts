import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeNestedValues } from "hyparquet-writer/src/dremel.js";
import { schemaPathResolver } from "hyparquet-writer/src/schema.js";
import { windowParquetSchema } from "./parquet.js";
import { leafPath } from "./parquet_row_group.js";
import { shredList, shredListOfLists } from "./parquet_levels.js";

const schema = windowParquetSchema({ volume: true, timestamps: true, spans: true });
const resolve = schemaPathResolver(schema);

/** What hyparquet-writer's general Dremel walk gives for `rows` of column `name`, as plain arrays. */
function general(name: string, rows: unknown[]): { values: unknown[]; definitionLevels: number[]; repetitionLevels: number[]; maxDefinitionLevel: number } {
  const page = encodeNestedValues(leafPath(resolve, name), rows);
  return { ...page, values: Array.from(page.values as ArrayLike<unknown>) };
}

function plain(page: ReturnType<typeof shredList>): { values: unknown[]; definitionLevels: number[]; repetitionLevels: number[]; maxDefinitionLevel: number } {
  return {
    values: Array.from(page.values as ArrayLike<unknown>),
    definitionLevels: Array.from(page.definitionLevels),
    repetitionLevels: Array.from(page.repetitionLevels),
    maxDefinitionLevel: page.maxDefinitionLevel,
  };
}

const number = fc.oneof(fc.double(), fc.constant(-0), fc.integer());
const list = fc.array(number, { maxLength: 5 });
const row = <T>(item: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: item }, { weight: 1, arbitrary: fc.constant(null) });

describe("Dremel levels of the window file's list columns", () => {
  it("list<number> gives exactly the general walk's levels and values: null rows, empty lists, one or many values", () => {
    fc.assert(
      fc.property(fc.array(row(list), { maxLength: 12 }), (rows) => {
        expect(plain(shredList(rows))).toEqual(general("volume", rows));
      }),
      { numRuns: 300 },
    );
  });

  it("list<list<number>> gives exactly the general walk's levels and values: empty inner and outer lists, null rows", () => {
    fc.assert(
      fc.property(fc.array(row(fc.array(list, { maxLength: 4 })), { maxLength: 10 }), (rows) => {
        expect(plain(shredListOfLists(rows))).toEqual(general("features", rows));
      }),
      { numRuns: 300 },
    );
  });

  it("holds full columns as typed arrays and columns with empty slots as arrays", () => {
    const full = shredListOfLists([
      [
        [1, 2],
        [3, 4],
      ],
      [[5, 6, 7]],
    ]);
    expect(full.values).toBeInstanceOf(Float64Array);
    expect(Array.from(full.repetitionLevels)).toEqual([0, 2, 1, 2, 0, 2, 2]);
    expect(Array.from(full.definitionLevels)).toEqual([5, 5, 5, 5, 5, 5, 5]);
    const gappy = shredList([[1, 2], null, []]);
    expect(gappy.values).toEqual([1, 2, undefined, undefined]);
    expect(Array.from(gappy.definitionLevels)).toEqual([3, 3, 0, 1]);
    expect(Array.from(gappy.repetitionLevels)).toEqual([0, 1, 0, 0]);
  });
});
