import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSafetensors, readSafetensorsFile, requireTensor, SafetensorsError, writeSafetensors, writeSafetensorsFile, type Tensor } from "./safetensors.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "test", "fixtures", "parity");

/** Build a file by hand: header JSON (unpadded unless asked) + data bytes. */
function rawFile(header: unknown, data: Uint8Array | number[] = [], headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function header(bytes: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(bytes.subarray(8, 8 + length)) };
}

describe("writeSafetensors / readSafetensors", () => {
  it("round-trips every dtype, scalars, empty tensors and metadata", () => {
    const tensors: Record<string, Tensor> = {
      "w.f32": { dtype: "F32", shape: [2, 3], data: new Float32Array([1.5, -2, 3.25, Math.PI, -0, 1e-30]) },
      "w.f64": { dtype: "F64", shape: [3], data: new Float64Array([Math.E, -1e300, Number.MIN_VALUE]) },
      "i.i32": { dtype: "I32", shape: [2, 2], data: new Int32Array([0, -1, 2147483647, -2147483648]) },
      "i.i64": { dtype: "I64", shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 62n + 1n]) },
      "b.u8": { dtype: "U8", shape: [5], data: new Uint8Array([0, 1, 127, 128, 255]) },
      scalar: { dtype: "F32", shape: [], data: new Float32Array([-0.3]) },
      empty: { dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
    };
    const metadata = { generator: "test", ünïcode: 'välue "quoted"\n' };
    const bytes = writeSafetensors(tensors, metadata);
    const back = readSafetensors(bytes, "roundtrip");
    expect(back.metadata).toEqual(metadata);
    expect(back.source).toBe("roundtrip");
    expect([...back.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const r = back.tensors.get(name)!;
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(r.data.constructor).toBe(t.data.constructor);
      expect(Array.from(r.data as ArrayLike<number | bigint>)).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
    }
    expect(Object.is(back.tensors.get("w.f32")!.data[4], -0)).toBe(true);
  });

  it("is deterministic: sorted layout, 8-byte padded header, independent of insertion order", () => {
    const a = new Float32Array([1, 2]);
    const b = new Int32Array([3]);
    const one = writeSafetensors(
      new Map<string, Tensor>([
        ["z", { dtype: "F32", shape: [2], data: a }],
        ["a", { dtype: "I32", shape: [1], data: b }],
      ]),
      { y: "1", x: "2" },
    );
    const two = writeSafetensors({ a: { shape: [1], data: b }, z: { shape: [2], data: a } }, { x: "2", y: "1" });
    expect(two).toEqual(one);
    const { length, text } = header(one);
    expect(length % 8).toBe(0);
    // metadata first, then by descending dtype alignment (F32 before I32, as safetensors' writer), then name
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"x":"2","y":"1"},"z":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' + '"a":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}',
    );
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
  });

  it("orders one dtype by name and wider dtypes first, like the reference writer", () => {
    const bytes = writeSafetensors({
      b: { shape: [1], data: new Float32Array([1]) },
      a: { shape: [1], data: new Float32Array([2]) },
      c8: { shape: [1], data: new Uint8Array([3]) },
      d64: { shape: [1], data: new Float64Array([4]) },
      e64: { shape: [1], data: new BigInt64Array([5n]) },
      "0": { shape: [1], data: new Float32Array([6]) },
    });
    const parsed = JSON.parse(header(bytes).text) as Record<string, { data_offsets: [number, number] }>;
    const order = Object.entries(parsed)
      .sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0])
      .map(([n]) => n);
    expect(order).toEqual(["e64", "d64", "0", "a", "b", "c8"]);
    // and the header text itself lists them in layout order (no JS integer-key reordering of "0")
    expect(header(bytes).text.indexOf('"e64"')).toBeLessThan(header(bytes).text.indexOf('"0"'));
  });

  it("matches the reference implementation's bytes (safetensors/src/tensor.rs tests)", () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5]);
    const attn = writeSafetensors({ "attn.0": { dtype: "F32", shape: [1, 2, 3], data } });
    expect(Array.from(attn)).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97,
      112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125,
      0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
    const aligned = writeSafetensors({ attn0: { dtype: "F32", shape: [1, 1, 2, 3], data } });
    expect(Array.from(aligned.subarray(0, 8))).toEqual([72, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(aligned.subarray(73, 80))).toEqual([32, 32, 32, 32, 32, 32, 32]);
    expect(Array.from(writeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const withMeta = writeSafetensors({}, { framework: "pt" });
    expect(withMeta[0]).toBe(40);
    expect(new TextDecoder().decode(withMeta.subarray(8))).toBe('{"__metadata__":{"framework":"pt"}}     ');
  });

  it("reads data at any byte offset into aligned typed arrays", () => {
    // header of odd length (not padded), and the whole file inside a larger buffer at offset 3
    const values = [1.25, -7, 1e-7];
    const file = rawFile({ x: { dtype: "F32", shape: [3], data_offsets: [0, 12] } }, f32Bytes(values));
    expect((file.length - 12) % 4).not.toBe(0);
    const host = new Uint8Array(file.length + 5);
    host.set(file, 3);
    const x = requireTensor(readSafetensors(host.subarray(3, 3 + file.length)), "x", "F32", [3]);
    expect(x.data.byteOffset % 4).toBe(0);
    expect(Array.from(x.data)).toEqual(Array.from(new Float32Array(values)));
  });

  it("writes and reads files", () => {
    const dir = mkdtempSync(join(tmpdir(), "safetensors-"));
    try {
      const path = join(dir, "sub", "a.safetensors");
      writeSafetensorsFile(path, { w: { shape: [2], data: new Float64Array([1, 2]) } }, { k: "v" });
      const file = readSafetensorsFile(path);
      expect(file.source).toBe(path);
      expect(Array.from(requireTensor(file, "w", "F64").data)).toEqual([1, 2]);
      expect(() => requireTensor(file, "w", "F32")).toThrow(/a\.safetensors: tensor "w" is F64, expected F32/);
      expect(() => requireTensor(file, "w", "F64", [3])).toThrow(/shape \[2\], expected \[3\]/);
      expect(() => requireTensor(file, "nope", "F64")).toThrow(/no tensor named "nope"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses bad input to the writer", () => {
    expect(() => writeSafetensors({ x: { shape: [3], data: new Float32Array(2) } })).toThrow(/holds 3 elements but data has 2/);
    expect(() => writeSafetensors({ x: { dtype: "F64", shape: [2], data: new Float32Array(2) } as never })).toThrow(/does not match/);
    expect(() => writeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow(/reserved/);
    expect(() => writeSafetensors({ x: { shape: [-1], data: new Float32Array(0) } })).toThrow(/non-negative integers/);
    expect(() => writeSafetensors({ x: { shape: [2], data: [1, 2] as never } })).toThrow(/data must be/);
    expect(() => writeSafetensors({}, { k: 1 as never })).toThrow(/metadata value for "k" is not a string/);
  });
});

describe("readSafetensors rejects malformed files, naming the file and the problem", () => {
  const good = { x: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
  const data = f32Bytes([1, 2]);
  const cases: [string, Uint8Array, RegExp][] = [
    ["shorter than the length field", new Uint8Array(5), /file truncated: 5 bytes, shorter than the 8-byte header length field/],
    [
      "header length beyond the file",
      (() => {
        const b = rawFile(good, data);
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      /header length 1000 runs beyond the end of the file/,
    ],
    [
      "a huge header length",
      (() => {
        const b = rawFile(good, data);
        new DataView(b.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
        return b;
      })(),
      /header length 18446744073709551615 runs beyond the end of the file/,
    ],
    ["malformed JSON", rawFile(null, data, '{"x": {"dtype": "F32",'), /malformed JSON header/],
    ["a header that is not an object", rawFile([1, 2]), /header is not a JSON object/],
    ["invalid UTF-8", rawFile(null, [], "{}").map((v, i) => (i === 9 ? 0xff : v)), /header is not valid UTF-8/],
    ["an unknown dtype", rawFile({ x: { dtype: "F33", shape: [2], data_offsets: [0, 8] } }, data), /tensor "x": unknown dtype "F33"/],
    ["an unsupported dtype", rawFile({ x: { dtype: "BF16", shape: [4], data_offsets: [0, 8] } }, data), /tensor "x": dtype BF16 is not supported/],
    ["a missing dtype", rawFile({ x: { shape: [2], data_offsets: [0, 8] } }, data), /dtype missing/],
    ["a bad shape", rawFile({ x: { dtype: "F32", shape: [2.5], data_offsets: [0, 8] } }, data), /shape must be an array of non-negative integers/],
    ["bad data_offsets", rawFile({ x: { dtype: "F32", shape: [2], data_offsets: [0] } }, data), /data_offsets must be \[begin, end\]/],
    ["data_offsets end before begin", rawFile({ x: { dtype: "F32", shape: [0], data_offsets: [8, 0] } }, data), /end before begin/],
    [
      "shape × dtype ≠ byte length",
      rawFile({ x: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, data),
      /shape \[3\] × F32 \(4 bytes\) = 12 bytes but data_offsets \[0, 8\] span 8 bytes/,
    ],
    ["data_offsets out of range", rawFile({ x: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, data), /run past the end of the data buffer \(8 bytes\)/],
    [
      "a truncated file",
      rawFile(good, data).subarray(0, rawFile(good, data).length - 1),
      /tensor "x": data_offsets \[0, 8\] run past the end of the data buffer \(7 bytes\): offsets out of range or file truncated/,
    ],
    [
      "overlapping offsets",
      rawFile(
        {
          x: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          y: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        },
        data,
      ),
      /tensor "y": data_offsets \[4, 8\] overlap tensor "x"/,
    ],
    ["a gap in the buffer", rawFile({ x: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, data), /bytes \[0, 4\) before tensor "x" belong to no tensor/],
    ["trailing bytes", rawFile(good, [...data, 0, 0, 0, 0]), /tensors end at byte 8 but the buffer holds 12 bytes \(4 trailing bytes\)/],
    ["non-string metadata", rawFile({ __metadata__: { seed: 42 }, ...good }, data), /__metadata__ value for "seed" is not a string/],
    ["a tensor entry that is not an object", rawFile({ x: [1, 2] }), /tensor "x": entry is not an object/],
  ];
  it.each(cases)("%s", (_label, bytes, message) => {
    let error: unknown;
    try {
      readSafetensors(bytes, "bad.safetensors");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toMatch(/^bad\.safetensors: invalid safetensors: /);
    expect((error as Error).message).toMatch(message);
  });

  it("accepts the good file those were made from", () => {
    expect(Array.from(requireTensor(readSafetensors(rawFile(good, data)), "x", "F32").data)).toEqual([1, 2]);
  });
});

describe("the PyTorch parity fixtures (bench/reference/make_fixtures.py)", () => {
  const DERIVED = /^(input|target|output|loss|grad|extra)\./;
  const cases = [
    { kind: "soft", parameters: 97_547, total: 8.78859, tensors: 67 },
    { kind: "crf", parameters: 97_748, total: 43.394555, tensors: 75 },
  ] as const;

  it.each(cases.map((c) => [c.kind, c] as const))(
    "%s.safetensors reads, has every parameter and gradient, and re-serializes byte for byte",
    (_name, { kind, parameters, total, tensors }) => {
      const path = join(FIXTURES, `${kind}.safetensors`);
      const bytes = new Uint8Array(readFileSync(path));
      const file = readSafetensors(bytes, path);
      expect(file.tensors.size).toBe(tensors);
      expect(file.metadata.loss_type).toBe(kind);
      expect(file.metadata.generator).toBe("bench/reference/make_fixtures.py");
      expect(file.metadata.parameter_count).toBe(String(parameters));

      const names = [...file.tensors.keys()].filter((n) => !DERIVED.test(n));
      const count = names.reduce((sum, n) => sum + file.tensors.get(n)!.data.length, 0);
      expect(count).toBe(parameters);
      for (const n of names) {
        expect(file.tensors.get(n)!.dtype).toBe("F32");
        expect(requireTensor(file, `grad.${n}`, "F32").shape).toEqual(file.tensors.get(n)!.shape);
      }
      expect(requireTensor(file, "lstm.weight_ih_l0", "F32", [384, 12])).toBeDefined();
      expect(requireTensor(file, "lstm.weight_hh_l0_reverse", "F32", [384, 96])).toBeDefined();
      expect(requireTensor(file, "log_sigma_ptr", "F32", []).data[0]).toBeCloseTo(-0.3, 7);

      expect(requireTensor(file, "input.features", "F32", [4, 105, 12]).data.every(Number.isFinite)).toBe(true);
      expect(Array.from(requireTensor(file, "input.span_start", "I32", [4]).data)).toEqual([0, 26, 57, 97]);
      expect(Array.from(requireTensor(file, "input.span_end", "I32", [4]).data)).toEqual([3, 78, 57, 104]);
      expect(Array.from(requireTensor(file, "input.label", "I32", [4]).data)).toEqual([0, 1, 1, 0]);
      const lossTotal = requireTensor(file, "loss.total", "F32", [1]).data[0];
      expect(Number.isFinite(lossTotal)).toBe(true);
      expect(lossTotal).toBeCloseTo(total, 4);
      expect(requireTensor(file, "output.lstm", "F32", [4, 105, 192])).toBeDefined();
      if (kind === "crf") {
        const viterbi = requireTensor(file, "output.viterbi", "I32", [4, 105]).data;
        expect(viterbi.every((v) => v === 0 || v === 1)).toBe(true);
        const marginals = requireTensor(file, "output.marginals", "F32", [4, 105]).data;
        expect(marginals.every((p) => p > 0 && p < 1)).toBe(true);
      } else {
        const p = requireTensor(file, "output.span_probability", "F32", [4, 105]).data;
        expect(p.every((v) => v > 0 && v < 1)).toBe(true);
      }

      // Python's writer and ours follow the same layout rules: the file re-serializes to identical bytes.
      expect(Buffer.compare(writeSafetensors(file.tensors, file.metadata), bytes)).toBe(0);
    },
  );
});
