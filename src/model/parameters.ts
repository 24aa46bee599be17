/**
 * The JadeCompact parameter layout: every tensor's PyTorch name, shape and default initialisation, packed
 * into ONE contiguous Float32Array (and one for gradients) with a view per tensor — one allocation, one
 * optimizer loop, one write per checkpoint (the llm.c layout).
 */
import type { Rng } from "../util/rng.js";
import type { SpanHead } from "./span_head.js";

export interface ModelDimensions {
  /** Per-bar input features (12, or 13 with the position feature). */
  features: number;
  /** LSTM hidden units per direction. */
  hidden: number;
  /** Width of the pooled projection. */
  projection: number;
  /** Class logits (3: consolidation, retracement, and an unused third, as the reference). */
  classes: number;
}

export const DEFAULT_DIMENSIONS: ModelDimensions = { features: 12, hidden: 96, projection: 64, classes: 3 };

/** How a tensor is initialised, mirroring PyTorch's defaults for its module. */
export type Initialiser = { kind: "uniform"; bound: number } | { kind: "constant"; value: number };

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: Initialiser;
}

/** Kendall uncertainty parameters (log σ) and their initial values (docs/spec.md §3). */
export const LOG_SIGMA_INIT = {
  log_sigma_ptr: -0.3,
  log_sigma_type: 0,
  log_sigma_span: 0,
  log_sigma_countdown: 0,
} as const;

function linear(prefix: string, inputs: number, outputs: number): ParameterSpec[] {
  // nn.Linear: kaiming_uniform(a=√5) on the weight reduces to U(±1/√fan_in); the bias uses the same bound.
  const bound = 1 / Math.sqrt(inputs);
  return [
    { name: `${prefix}.weight`, shape: [outputs, inputs], init: { kind: "uniform", bound } },
    { name: `${prefix}.bias`, shape: [outputs], init: { kind: "uniform", bound } },
  ];
}

function lstmDirection(suffix: string, inputs: number, hidden: number): ParameterSpec[] {
  // nn.LSTM initialises every weight and bias U(±1/√hidden).
  const init: Initialiser = { kind: "uniform", bound: 1 / Math.sqrt(hidden) };
  return [
    { name: `lstm.weight_ih_l0${suffix}`, shape: [4 * hidden, inputs], init },
    { name: `lstm.weight_hh_l0${suffix}`, shape: [4 * hidden, hidden], init },
    { name: `lstm.bias_ih_l0${suffix}`, shape: [4 * hidden], init },
    { name: `lstm.bias_hh_l0${suffix}`, shape: [4 * hidden], init },
  ];
}

/** Every parameter of JadeCompact in PyTorch's `named_parameters()` naming, for the given span head. */
export function parameterSpecs(head: SpanHead, dims: ModelDimensions = DEFAULT_DIMENSIONS): ParameterSpec[] {
  const sequence = 2 * dims.hidden;
  const specs: ParameterSpec[] = [
    ...lstmDirection("", dims.features, dims.hidden),
    ...lstmDirection("_reverse", dims.features, dims.hidden),
    ...linear("projection.0", sequence, dims.projection),
    ...linear("classifier.1", dims.projection, dims.classes),
    ...linear("pointer_head.1", dims.projection, 2),
    ...linear("expansion_span_emission.1", sequence, head.width),
    ...linear("expansion_countdown_head.1", sequence, 1),
    ...head.parameterSpecs(),
  ];
  for (const [name, value] of Object.entries(LOG_SIGMA_INIT)) {
    // PyTorch stores these as 0-d tensors: nn.Parameter(torch.tensor(value)).
    specs.push({ name, shape: [], init: { kind: "constant", value } });
  }
  return specs;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

export interface ParameterEntry extends ParameterSpec {
  /** Offset, in floats, of this tensor in the contiguous buffer. */
  offset: number;
  size: number;
}

/**
 * All parameters and their gradients in two contiguous buffers, with a named view of each tensor.
 * Offsets are 4-float aligned so every tensor starts on a 16-byte boundary for the SIMD kernels.
 */
export class ParameterSet {
  readonly entries: readonly ParameterEntry[];
  readonly values: Float32Array;
  readonly gradients: Float32Array;
  private readonly valueViews = new Map<string, Float32Array>();
  private readonly gradientViews = new Map<string, Float32Array>();
  private readonly byName = new Map<string, ParameterEntry>();

  /**
   * @param specs the tensors, in order
   * @param allocate returns a zeroed Float32Array of the requested length (e.g. from the kernel arena)
   */
  constructor(specs: readonly ParameterSpec[], allocate: (length: number) => Float32Array = (n) => new Float32Array(n)) {
    let offset = 0;
    const entries: ParameterEntry[] = [];
    for (const spec of specs) {
      const size = elementCount(spec.shape);
      entries.push({ ...spec, offset, size });
      offset += Math.ceil(size / 4) * 4;
    }
    this.entries = entries;
    this.values = allocate(offset);
    this.gradients = allocate(offset);
    for (const entry of entries) {
      this.byName.set(entry.name, entry);
      this.valueViews.set(entry.name, this.values.subarray(entry.offset, entry.offset + entry.size));
      this.gradientViews.set(entry.name, this.gradients.subarray(entry.offset, entry.offset + entry.size));
    }
  }

  /** Number of trainable scalars (padding excluded). */
  get count(): number {
    return this.entries.reduce((sum, entry) => sum + entry.size, 0);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  entry(name: string): ParameterEntry {
    const entry = this.byName.get(name);
    if (!entry) throw new Error(`no parameter named ${name}`);
    return entry;
  }

  value(name: string): Float32Array {
    const view = this.valueViews.get(name);
    if (!view) throw new Error(`no parameter named ${name}`);
    return view;
  }

  gradient(name: string): Float32Array {
    const view = this.gradientViews.get(name);
    if (!view) throw new Error(`no parameter named ${name}`);
    return view;
  }

  zeroGradients(): void {
    this.gradients.fill(0);
  }

  /** PyTorch's default initialisation, drawn from `rng` in layout order. */
  initialise(rng: Rng): void {
    for (const entry of this.entries) {
      const view = this.value(entry.name);
      const init = entry.init;
      if (init.kind === "constant") view.fill(init.value);
      else for (let i = 0; i < view.length; i++) view[i] = rng.uniform(-init.bound, init.bound);
    }
  }
}
