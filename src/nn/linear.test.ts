/**
 * Linear layer: wasm against the float64 reference on shapes covering every tile edge (and the model's
 * heads: 192→1, 192→2, 192→64, 64→3), with and without bias, accumulation of gradients onto existing values,
 * and the reference backward against float64 central differences.
 */
import { describe, expect, it } from "vitest";
import { expectGradient, weightedSum } from "../../test/helpers/gradients.js";
import { expectClose } from "../../test/helpers/tensors.js";
import { Rng } from "../util/rng.js";
import { linearBackward, linearBackwardReference, linearForward, linearForwardReference } from "./linear.js";
import { Arena } from "./wasm.js";

function randomArray(rng: Rng, n: number, bound = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-bound, bound));
}

// [rows, in, out]: model heads (B·T = 3360 rows cut to 105 to stay quick) and odd edges.
const SHAPES: [number, number, number][] = [
  [105, 192, 1],
  [105, 192, 2],
  [32, 192, 64],
  [32, 64, 3],
  [32, 64, 2],
  [1, 1, 1],
  [5, 3, 7],
  [9, 13, 5],
  [4, 8, 8],
  [7, 17, 33],
];

describe("linear wasm kernels", () => {
  for (const [rows, inF, outF] of SHAPES) {
    for (const withBias of [true, false]) {
      it(`equal the float64 reference, forward and accumulating backward (${rows}×${inF}→${outF}, bias ${withBias})`, () => {
        const rng = new Rng(rows * 7919 + inF * 31 + outF);
        const arena = new Arena(4 * (rows * (inF + outF) * 2 + outF * (inF + 2)) + 1024);
        const put = (src: Float64Array) => {
          const v = arena.alloc(src.length);
          v.set(src);
          return v;
        };
        const x = put(randomArray(rng, rows * inF));
        const weight = put(randomArray(rng, outF * inF, 1 / Math.sqrt(inF)));
        const bias = withBias ? put(randomArray(rng, outF)) : null;
        const out = arena.alloc(rows * outF);
        linearForward(out, x, weight, bias, rows, inF, outF);
        const out64 = new Float64Array(rows * outF);
        linearForwardReference(out64, Float64Array.from(x), Float64Array.from(weight), bias && Float64Array.from(bias), rows, inF, outF);
        expectClose(out, out64, { rel: 2e-6, abs: 1e-7, what: "out" });

        const dout = put(randomArray(rng, rows * outF));
        const dx = put(randomArray(rng, rows * inF));
        const dWeight = put(randomArray(rng, outF * inF));
        const dBias = withBias ? put(randomArray(rng, outF)) : null;
        const dx64 = Float64Array.from(dx);
        const dWeight64 = Float64Array.from(dWeight);
        const dBias64 = dBias && Float64Array.from(dBias);
        linearBackward(dx, dWeight, dBias, dout, x, weight, rows, inF, outF);
        linearBackwardReference(dx64, dWeight64, dBias64, Float64Array.from(dout), Float64Array.from(x), Float64Array.from(weight), rows, inF, outF);
        expectClose(dx, dx64, { rel: 1e-5, abs: 1e-6, what: "dx" });
        expectClose(dWeight, dWeight64, { rel: 1e-5, abs: 1e-6, what: "dWeight" });
        if (dBias !== null && dBias64 !== null) expectClose(dBias, dBias64, { rel: 1e-5, abs: 1e-6, what: "dBias" });
      });
    }
  }

  it("skips dx when it is null and still accumulates the parameter gradients", () => {
    const arena = new Arena(4096);
    const x = arena.alloc(6);
    const weight = arena.alloc(6);
    const dWeight = arena.alloc(6);
    const dBias = arena.alloc(3);
    const dout = arena.alloc(6);
    x.set([1, 2, 3, 4]);
    dout.set([1, 0, 2, 0, 1, 0]);
    linearBackward(null, dWeight, dBias, dout, x, weight, 2, 2, 3);
    // dW = doutᵀ·x: rows (1·[1,2] + 0·[3,4]), (0 + 1·[3,4]), (2·[1,2] + 0)
    expect(Array.from(dWeight)).toEqual([1, 2, 3, 4, 2, 4]);
    expect(Array.from(dBias)).toEqual([1, 1, 2]);
  });
});

describe("linear reference gradients (float64 central differences, L = Σ w ⊙ y)", () => {
  it("dx, dWeight and dBias", () => {
    const rng = new Rng(8);
    const [rows, inF, outF] = [4, 5, 3];
    const x = randomArray(rng, rows * inF);
    const weight = randomArray(rng, outF * inF);
    const bias = randomArray(rng, outF);
    const w = randomArray(rng, rows * outF);
    const y = new Float64Array(rows * outF);
    const loss = () => {
      linearForwardReference(y, x, weight, bias, rows, inF, outF);
      return weightedSum(y, w);
    };
    const dx = new Float64Array(rows * inF);
    const dWeight = new Float64Array(outF * inF);
    const dBias = new Float64Array(outF);
    linearBackwardReference(dx, dWeight, dBias, w, x, weight, rows, inF, outF);
    for (const [param, analytic, what] of [
      [x, dx, "dx"],
      [weight, dWeight, "dWeight"],
      [bias, dBias, "dBias"],
    ] as const) {
      // L is linear in each parameter: the difference quotient is exact up to rounding (~1e-10).
      expectGradient(param, analytic, loss, { digits: 8, h: 1e-6, what });
    }
  });
});
