/** The kernel loader and arena: alignment, zeroing on reuse, capacity, isolation between arenas. */
import { describe, expect, it } from "vitest";
import { Arena, inKernelMemory, kernelPath, kernelsFor, requireKernels } from "./wasm.js";

describe("Arena", () => {
  it("hands out 16-byte aligned views above the kernels' static data, all in its one memory", () => {
    const arena = new Arena(1000);
    const heapBase = arena.kernels.heapBase();
    // The kernels keep their exp constants in static data: the arena must start above it.
    expect(heapBase).toBeGreaterThan(0);
    const views = [1, 3, 5, 0, 7].map((n) => arena.alloc(n));
    for (const view of views) {
      expect(view.byteOffset % 16).toBe(0);
      expect(view.byteOffset).toBeGreaterThanOrEqual(heapBase);
      expect(view.buffer).toBe(arena.memory.buffer);
      expect(inKernelMemory(view)).toBe(true);
    }
    expect(arena.used).toBe(4 + 4 + 8 + 0 + 7);
  });

  it("never grows after construction, so earlier views stay attached", () => {
    const arena = new Arena(300_000); // > 1 page: the constructor's single grow
    const first = arena.alloc(10);
    first.fill(3);
    const buffer = arena.memory.buffer;
    for (let i = 0; i < 100; i++) arena.alloc(2_900);
    expect(arena.memory.buffer).toBe(buffer);
    expect(first.length).toBe(10);
    expect(first[9]).toBe(3);
  });

  it("zeroes reused memory after reset, and refuses to exceed its capacity", () => {
    const arena = new Arena(64);
    const mark = arena.mark();
    arena.alloc(40).fill(7);
    arena.reset(mark);
    const again = arena.alloc(48);
    expect(again.every((v) => v === 0)).toBe(true);
    expect(() => arena.alloc(17)).toThrow(/out of memory/);
    expect(() => arena.reset(mark - 16)).toThrow(/not a live mark/);
  });

  it("keeps arenas apart: views of two arenas never share kernels", () => {
    const a = new Arena(16);
    const b = new Arena(16);
    const x = a.alloc(4);
    const y = b.alloc(4);
    expect(kernelsFor(x)).toBe(a.kernels);
    expect(kernelsFor(x, y)).toBeUndefined();
    expect(kernelsFor(new Float32Array(4))).toBeUndefined();
    expect(() => requireKernels("model", x, y)).toThrow(/one kernel Arena/);
    expect(requireKernels("model", x)).toBe(a.kernels);
  });

  it("finds build/kernels.wasm from the source tree", () => {
    expect(kernelPath()).toMatch(/build[/\\]kernels\.wasm$/);
  });
});
