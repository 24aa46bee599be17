import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";

describe("Rng", () => {
  it("gives the same stream for the same seed and different streams for different seeds", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    const sc = Array.from({ length: 8 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it("restores its exact position from a saved state", () => {
    const a = new Rng(7);
    for (let i = 0; i < 100; i++) a.next();
    const saved = a.state();
    const expected = Array.from({ length: 5 }, () => a.next());
    const b = Rng.fromState(saved);
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(expected);
  });

  it("has uniform and normal moments close to theory", () => {
    const rng = new Rng(1);
    const n = 200_000;
    let sumU = 0;
    let sumN = 0;
    let sumN2 = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outOfRange++;
      sumU += u;
      const z = rng.normal();
      sumN += z;
      sumN2 += z * z;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sumU / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sumN / n)).toBeLessThan(0.01);
    expect(Math.abs(sumN2 / n - 1)).toBeLessThan(0.02);
  });

  it("draws integers without bias over a small range", () => {
    const rng = new Rng(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.int(3)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it("shuffles into a permutation", () => {
    const p = new Rng(5).permutation(50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("forks independent children whatever the parent's state", () => {
    const parent = new Rng(12);
    const children = Array.from({ length: 64 }, () => parent.fork());
    const firsts = new Set(children.map((child) => child.nextUint32()));
    expect(firsts.size).toBe(64);
    for (const child of children) for (const word of child.state()) expect(word).toBeGreaterThanOrEqual(0);
  });

  it("rejects non-integer seeds and malformed states", () => {
    expect(() => new Rng(1.5)).toThrow(/integer/);
    expect(() => Rng.fromState([1, 2, 3] as unknown as [number, number, number, number])).toThrow(/four/);
  });
});
