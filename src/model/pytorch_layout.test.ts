import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SPAN_OBJECTIVES, spanHead } from "./heads/registry.js";
import { parameterSpecs } from "./parameters.js";
import { PYTORCH_STATE_DICT_LAYOUT } from "./pytorch_layout.js";
import { readSafetensorsFile } from "./safetensors.js";

/** Tensors of a parity fixture that are parameters (the rest are inputs, outputs, losses and gradients). */
function fixtureLayout(objective: string): Record<string, number[]> {
  const file = readSafetensorsFile(join(import.meta.dirname, "..", "..", "test", "fixtures", "parity", `${objective}.safetensors`));
  const layout: Record<string, number[]> = {};
  for (const [name, tensor] of file.tensors) if (!/^(output|extra|grad|input|target|loss)\./.test(name)) layout[name] = tensor.shape;
  return layout;
}

describe("the PyTorch state-dict layout table", () => {
  it.each(SPAN_OBJECTIVES)("is what PyTorch wrote for the %s model, and what spanlab builds", (objective) => {
    expect(PYTORCH_STATE_DICT_LAYOUT[objective]).toEqual(fixtureLayout(objective));
    const built = Object.fromEntries(parameterSpecs(spanHead(objective)).map((spec) => [spec.name, spec.shape]));
    expect(built).toEqual(PYTORCH_STATE_DICT_LAYOUT[objective]);
  });
});
