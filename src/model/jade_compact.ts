/**
 * JadeCompact (docs/spec.md §3–4): input dropout → BiLSTM → a pooled branch (class and pointer heads) and per-bar
 * heads (span: soft or CRF; countdown), trained with Kendall uncertainty weighting of four task losses.
 *
 * This module owns the model's forward pass, its losses and its backward pass, written as in llm.c: every
 * activation and gradient buffer is allocated once, up front, in one kernel arena (sized for `maxBatch`);
 * a step only reuses them. Parameters and gradients are the two contiguous buffers of a ParameterSet in
 * the same arena, so the WebAssembly kernels address everything directly.
 */
import { createBiLstmCache, biLstmCacheFloats, bilstmBackward, bilstmForward, type BiLstmCache, type BiLstmWeights } from "../nn/lstm.js";
import { linearBackward, linearForward } from "../nn/linear.js";
import { reluBackward, reluForward, sigmoidBackward, sigmoidForward } from "../nn/activations.js";
import { meanPoolBackward, meanPoolForward } from "../nn/pool.js";
import { drawDropoutMask, dropoutBackward, dropoutForward } from "../nn/dropout.js";
import { checkPosWeight, crossEntropy, huberLoss, kendallTaskWeights, kendallWeightedLoss, REFERENCE_POS_WEIGHT, spanTargetsBatch } from "../nn/losses.js";
import { Arena } from "../nn/wasm.js";
import { WINDOW_BARS } from "../data/window.js";
import type { Rng } from "../util/rng.js";
import { DEFAULT_DIMENSIONS, ParameterSet, parameterSpecs, type ModelDimensions } from "./parameters.js";
import type { SpanHead, SpanHeadContext } from "./span_head.js";

/** Dropout rates of docs/spec.md §3: on the input features, and before every head. */
export const DROPOUT = { input: 0.3, head: 0.6 } as const;

/** Huber δ of the pointer and countdown losses (docs/spec.md §4). */
export const HUBER_DELTA = { pointer: 0.08, countdown: 1.0 } as const;

/** The four tasks in the order of their log σ parameters (docs/spec.md §3) and of every per-task array here. */
export const TASKS = ["pointer", "type", "span", "countdown"] as const;
export type Task = (typeof TASKS)[number];
const LOG_SIGMA_NAMES = ["log_sigma_ptr", "log_sigma_type", "log_sigma_span", "log_sigma_countdown"] as const;

/** The ways the four task losses can be combined (docs/spec.md §4). */
export const TASK_WEIGHTINGS = ["kendall", "equal"] as const;
export type TaskWeighting = (typeof TASK_WEIGHTINGS)[number];

export interface JadeCompactOptions {
  /** The span objective: what the per-bar span branch emits, its loss, probabilities and decoders. */
  head: SpanHead;
  dims?: ModelDimensions;
  /** Bars per window (105). */
  bars?: number;
  /** Largest batch a step will see; buffers are sized for it. */
  maxBatch?: number;
  /** Weight of in-span bars in the soft span loss (1.0 in the reference comparison). */
  /**
   * How the four task losses combine (docs/spec.md §4): `kendall` (the reference's uncertainty weighting,
   * Σ Lₖ/(2σₖ²) + ln σₖ with learned σ's) or `equal` (Σ Lₖ: every task weight 1, σ's unused).
   */
  weighting?: TaskWeighting;
  posWeight?: number;
}

/** What the model predicts for a batch. Views into the model's buffers: valid until the next forward. */
export interface ModelOutputs {
  batch: number;
  /** (B, 3) class logits. */
  classLogits: Float32Array;
  /** (B, 2) sigmoid(center, length) pointers. */
  pointers: Float32Array;
  /** (B, T, head.width) per-bar span scores: the soft head's logit, the CRF head's two emissions (tag 0 out, tag 1 in). */
  spanScores: Float32Array;
  /** (B, T) countdown regression. */
  countdown: Float32Array;
}

/** The training targets of a batch, by window. */
export interface BatchTargets {
  spanStart: ArrayLike<number>;
  spanEnd: ArrayLike<number>;
  /** (B, T) marks of every annotated bar (docs/spec.md §4); absent: the primary span's bars only. */
  inSpan?: Uint8Array;
  /** Class ids (consolidation 0, retracement 1). */
  label: ArrayLike<number>;
}

/** Every loss of one batch. */
export interface LossBreakdown {
  type: number;
  pointer: number;
  span: number;
  countdown: number;
  /** The Kendall-weighted training objective Σ Lₖ/(2σₖ²) + ln σₖ. */
  weighted: number;
  /** The reference's validation loss: the unweighted sum L_type + L_ptr + L_span + L_cd. */
  unweighted: number;
}

/** Per-window buffers, sized for maxBatch. */
interface Buffers {
  input: Float32Array;
  inputMask: Float32Array;
  inputDropped: Float32Array;
  lstm: Float32Array;
  pooled: Float32Array;
  projectionPre: Float32Array;
  projection: Float32Array;
  classMask: Float32Array;
  classIn: Float32Array;
  classLogits: Float32Array;
  pointerMask: Float32Array;
  pointerIn: Float32Array;
  pointerLogits: Float32Array;
  pointers: Float32Array;
  spanMask: Float32Array;
  spanIn: Float32Array;
  spanScores: Float32Array;
  countdownMask: Float32Array;
  countdownIn: Float32Array;
  countdown: Float32Array;
  // gradients
  dLstm: Float32Array;
  dHeadIn: Float32Array;
  dPooled: Float32Array;
  dProjectionPre: Float32Array;
  dProjection: Float32Array;
  dPooledHeadIn: Float32Array;
  dClassLogits: Float32Array;
  dPointers: Float32Array;
  dPointerLogits: Float32Array;
  dSpanScores: Float32Array;
  dCountdown: Float32Array;
}

function bufferSizes(maxBatch: number, bars: number, dims: ModelDimensions, spanWidth: number): Record<keyof Buffers, number> {
  const rows = maxBatch * bars;
  const sequence = 2 * dims.hidden;
  return {
    input: rows * dims.features,
    inputMask: rows * dims.features,
    inputDropped: rows * dims.features,
    lstm: rows * sequence,
    pooled: maxBatch * sequence,
    projectionPre: maxBatch * dims.projection,
    projection: maxBatch * dims.projection,
    classMask: maxBatch * dims.projection,
    classIn: maxBatch * dims.projection,
    classLogits: maxBatch * dims.classes,
    pointerMask: maxBatch * dims.projection,
    pointerIn: maxBatch * dims.projection,
    pointerLogits: maxBatch * 2,
    pointers: maxBatch * 2,
    spanMask: rows * sequence,
    spanIn: rows * sequence,
    spanScores: rows * spanWidth,
    countdownMask: rows * sequence,
    countdownIn: rows * sequence,
    countdown: rows,
    dLstm: rows * sequence,
    dHeadIn: rows * sequence,
    dPooled: maxBatch * sequence,
    dProjectionPre: maxBatch * dims.projection,
    dProjection: maxBatch * dims.projection,
    dPooledHeadIn: maxBatch * dims.projection,
    dClassLogits: maxBatch * dims.classes,
    dPointers: maxBatch * 2,
    dPointerLogits: maxBatch * 2,
    dSpanScores: rows * spanWidth,
    dCountdown: rows,
  };
}

/** Floats of arena an allocation of `length` may take, alignment padding included. */
function alignedFloats(length: number): number {
  return Math.ceil(length / 4) * 4 + 4;
}

/** The state a backward needs from its forward. */
interface ForwardState {
  batch: number;
  training: boolean;
  /** The tensors each layer actually read (the dropout output in training, its input at evaluation). */
  lstmInput: Float32Array;
  classIn: Float32Array;
  pointerIn: Float32Array;
  spanIn: Float32Array;
  countdownIn: Float32Array;
}

export class JadeCompact {
  readonly head: SpanHead;
  readonly dims: ModelDimensions;
  readonly bars: number;
  readonly maxBatch: number;
  readonly posWeight: number;
  readonly weighting: TaskWeighting;
  readonly arena: Arena;
  readonly parameters: ParameterSet;
  private readonly buffers: Buffers;
  private readonly lstmCache: BiLstmCache<Float32Array>;
  private readonly lstmWeights: BiLstmWeights<Float32Array>;
  private readonly lstmGradients: BiLstmWeights<Float32Array>;
  private state: ForwardState | undefined;
  /** Whether the last loss call left output gradients for a backward. */
  private gradientsReady = false;

  constructor(options: JadeCompactOptions) {
    this.head = options.head;
    this.dims = options.dims ?? DEFAULT_DIMENSIONS;
    this.bars = options.bars ?? WINDOW_BARS;
    this.maxBatch = options.maxBatch ?? 32;
    this.posWeight = options.posWeight ?? REFERENCE_POS_WEIGHT;
    this.weighting = options.weighting ?? "kendall";
    if (!TASK_WEIGHTINGS.includes(this.weighting))
      throw new Error(`JadeCompact: weighting must be one of ${TASK_WEIGHTINGS.join(", ")}, got ${this.weighting}`);
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${this.maxBatch}`);
    checkPosWeight("JadeCompact", this.posWeight);

    const specs = parameterSpecs(this.head, this.dims);
    const sizes = bufferSizes(this.maxBatch, this.bars, this.dims, this.spanWidth);
    const parameterFloats = specs.reduce((sum, spec) => sum + Math.ceil(spec.shape.reduce((a, b) => a * b, 1) / 4) * 4, 0);
    const capacity =
      2 * alignedFloats(parameterFloats) +
      Object.values(sizes).reduce((sum, n) => sum + alignedFloats(n), 0) +
      biLstmCacheFloats(this.maxBatch, this.bars, this.dims.features, this.dims.hidden);
    this.arena = new Arena(capacity);
    this.parameters = new ParameterSet(specs, (n) => this.arena.alloc(n));
    this.buffers = Object.fromEntries(Object.entries(sizes).map(([name, n]) => [name, this.arena.alloc(n)])) as unknown as Buffers;
    this.lstmCache = createBiLstmCache(this.arena, this.maxBatch, this.bars, this.dims.features, this.dims.hidden);
    const direction = (set: (name: string) => Float32Array, suffix: string) => ({
      weightIh: set(`lstm.weight_ih_l0${suffix}`),
      weightHh: set(`lstm.weight_hh_l0${suffix}`),
      biasIh: set(`lstm.bias_ih_l0${suffix}`),
      biasHh: set(`lstm.bias_hh_l0${suffix}`),
    });
    const value = (name: string) => this.parameters.value(name);
    const gradient = (name: string) => this.parameters.gradient(name);
    this.lstmWeights = { forward: direction(value, ""), reverse: direction(value, "_reverse") };
    this.lstmGradients = { forward: direction(gradient, ""), reverse: direction(gradient, "_reverse") };
  }

  /** The span objective's registry name (a checkpoint's `loss_type`). */
  get loss(): string {
    return this.head.name;
  }

  /** Outputs per bar of the span projection, as the head declares. */
  get spanWidth(): number {
    return this.head.width;
  }

  /** PyTorch's default initialisation from `rng`. */
  initialise(rng: Rng): void {
    this.parameters.initialise(rng);
  }

  /** What the span head needs to read outputs of `batch` windows: sizes and the parameter views. */
  headContext(batch: number): SpanHeadContext {
    return { batch, bars: this.bars, parameters: this.parameters, posWeight: this.posWeight };
  }

  /** Current log σ of the four tasks, in {@link TASKS} order. */
  logSigmas(): number[] {
    return LOG_SIGMA_NAMES.map((name) => this.parameters.value(name)[0]!);
  }

  /** Current task weight shares (summing to 1), in {@link TASKS} order: Kendall's, or ¼ each when equal. */
  taskWeights(): number[] {
    return this.weighting === "equal" ? [0.25, 0.25, 0.25, 0.25] : kendallTaskWeights(this.logSigmas());
  }

  /** The multiplier of each task loss in the training objective: 1/(2σₖ²), or 1 when equal. */
  effectiveWeights(): number[] {
    return this.weighting === "equal" ? [1, 1, 1, 1] : this.logSigmas().map((s) => 0.5 * Math.exp(-2 * s));
  }

  /**
   * Runs the model on `batch` windows of features (B, T, F), row-major. With `training`, dropout masks are
   * drawn from `rng` (which must then be given); at evaluation dropout is the identity.
   */
  forward(features: Float32Array, batch: number, mode: { training: boolean; rng?: Rng }): ModelOutputs {
    const { dims, bars, buffers: buf } = this;
    if (!Number.isInteger(batch) || batch < 1 || batch > this.maxBatch) {
      throw new Error(`batch must be an integer in [1, ${this.maxBatch}], got ${batch}`);
    }
    const rows = batch * bars;
    const sequence = 2 * dims.hidden;
    if (features.length !== rows * dims.features) {
      throw new Error(`features: expected ${batch}×${bars}×${dims.features} = ${rows * dims.features} values, got ${features.length}`);
    }
    if (mode.training && mode.rng === undefined) throw new Error("a training forward needs an Rng for its dropout masks");
    const rng = mode.rng;
    const dropout = (mask: Float32Array, out: Float32Array, x: Float32Array, n: number, p: number): Float32Array => {
      if (!mode.training) return x.subarray(0, n);
      drawDropoutMask(mask, n, p, rng!);
      dropoutForward(out, x, mask, n);
      return out.subarray(0, n);
    };

    buf.input.set(features);
    const lstmInput = dropout(buf.inputMask, buf.inputDropped, buf.input, rows * dims.features, DROPOUT.input);
    bilstmForward(buf.lstm, lstmInput, batch, bars, dims.features, dims.hidden, this.lstmWeights, this.lstmCache);

    // Pooled branch: mean over bars → Linear → ReLU → class and pointer heads.
    meanPoolForward(buf.pooled, buf.lstm, batch, bars, sequence);
    linearForward(buf.projectionPre, buf.pooled, this.value("projection.0.weight"), this.value("projection.0.bias"), batch, sequence, dims.projection);
    reluForward(buf.projection, buf.projectionPre, batch * dims.projection);
    const classIn = dropout(buf.classMask, buf.classIn, buf.projection, batch * dims.projection, DROPOUT.head);
    linearForward(buf.classLogits, classIn, this.value("classifier.1.weight"), this.value("classifier.1.bias"), batch, dims.projection, dims.classes);
    const pointerIn = dropout(buf.pointerMask, buf.pointerIn, buf.projection, batch * dims.projection, DROPOUT.head);
    linearForward(buf.pointerLogits, pointerIn, this.value("pointer_head.1.weight"), this.value("pointer_head.1.bias"), batch, dims.projection, 2);
    sigmoidForward(buf.pointers, buf.pointerLogits, batch * 2);

    // Per-bar branch on the LSTM output: span head and countdown head.
    const spanIn = dropout(buf.spanMask, buf.spanIn, buf.lstm, rows * sequence, DROPOUT.head);
    linearForward(
      buf.spanScores,
      spanIn,
      this.value("expansion_span_emission.1.weight"),
      this.value("expansion_span_emission.1.bias"),
      rows,
      sequence,
      this.spanWidth,
    );
    const countdownIn = dropout(buf.countdownMask, buf.countdownIn, buf.lstm, rows * sequence, DROPOUT.head);
    linearForward(
      buf.countdown,
      countdownIn,
      this.value("expansion_countdown_head.1.weight"),
      this.value("expansion_countdown_head.1.bias"),
      rows,
      sequence,
      1,
    );

    this.state = { batch, training: mode.training, lstmInput, classIn, pointerIn, spanIn, countdownIn };
    this.gradientsReady = false;
    return this.outputs(batch);
  }

  /** Views of the last forward's outputs. */
  private outputs(batch: number): ModelOutputs {
    const rows = batch * this.bars;
    const buf = this.buffers;
    return {
      batch,
      classLogits: buf.classLogits.subarray(0, batch * this.dims.classes),
      pointers: buf.pointers.subarray(0, batch * 2),
      spanScores: buf.spanScores.subarray(0, rows * this.spanWidth),
      countdown: buf.countdown.subarray(0, rows),
    };
  }

  /** Per-bar p(in span) of `outputs`, as the span head defines it (docs/spec.md §6). */
  spanProbabilities(outputs: ModelOutputs): Float32Array {
    return this.head.probabilities(outputs.spanScores, this.headContext(outputs.batch));
  }

  /**
   * The four task losses of the last forward against `targets`, their Kendall-weighted total and the
   * unweighted sum. With `gradients`, also leaves ∂(weighted total)/∂(outputs) for {@link backward} and
   * adds ∂/∂ log σ into the parameter gradients.
   */
  computeLoss(targets: BatchTargets, options: { gradients: boolean }): LossBreakdown {
    const state = this.state;
    if (!state) throw new Error("computeLoss needs a forward first");
    const { batch } = state;
    const { bars, dims, buffers: buf } = this;
    const rows = batch * bars;
    if (targets.spanStart.length !== batch || targets.spanEnd.length !== batch || targets.label.length !== batch) {
      throw new Error(`targets must hold ${batch} windows`);
    }
    const target = spanTargetsBatch(targets.spanStart, targets.spanEnd, bars, targets.inSpan);
    const outputs = this.outputs(batch);
    const want = options.gradients;
    const dClass = buf.dClassLogits.subarray(0, batch * dims.classes);
    const dPointers = buf.dPointers.subarray(0, batch * 2);
    const dSpan = buf.dSpanScores.subarray(0, rows * this.spanWidth);
    const dCountdown = buf.dCountdown.subarray(0, rows);
    if (want) for (const d of [dClass, dPointers, dSpan, dCountdown]) d.fill(0);

    const pointer = huberLoss(outputs.pointers, target.pointers, HUBER_DELTA.pointer, want ? dPointers : undefined);
    const type = crossEntropy(outputs.classLogits, Array.from(targets.label), batch, dims.classes, want ? dClass : undefined);
    const spanLoss = this.head.loss(outputs.spanScores, target, this.headContext(batch), want ? dSpan : undefined);
    const span = spanLoss.value;
    const countdown = huberLoss(outputs.countdown, target.countdown, HUBER_DELTA.countdown, want ? dCountdown : undefined);

    const losses = [pointer, type, span, countdown];
    const lossWeights = [0, 0, 0, 0];
    const logSigmaGradients = [0, 0, 0, 0];
    // Equal weighting: Σ Lₖ, every weight 1, no gradient into the σ's.
    const weighted =
      this.weighting === "equal"
        ? losses.reduce((sum, loss, k) => {
            lossWeights[k] = 1;
            return sum + loss;
          }, 0)
        : kendallWeightedLoss(losses, this.logSigmas(), { losses: lossWeights, logSigmas: logSigmaGradients });
    if (want) {
      const [wPointer, wType, wSpan, wCountdown] = lossWeights as [number, number, number, number];
      scale(dPointers, wPointer);
      scale(dClass, wType);
      scale(dSpan, wSpan);
      scale(dCountdown, wCountdown);
      // The head's own parameters (the CRF's transitions) get the span task's weight too.
      spanLoss.addParameterGradients?.(wSpan);
      LOG_SIGMA_NAMES.forEach((name, k) => {
        this.parameters.gradient(name)[0]! += logSigmaGradients[k]!;
      });
      this.gradientsReady = true;
    }
    return { type, pointer, span, countdown, weighted, unweighted: type + pointer + span + countdown };
  }

  /** Backpropagates the gradients {@link computeLoss} left, ADDING into the parameter gradients. */
  backward(): void {
    const state = this.state;
    if (!state || !this.gradientsReady) throw new Error("backward needs a forward and a computeLoss with gradients first");
    const { batch } = state;
    const { bars, dims, buffers: buf } = this;
    const rows = batch * bars;
    const sequence = 2 * dims.hidden;
    const grad = (name: string) => this.parameters.gradient(name);
    const dLstm = buf.dLstm.subarray(0, rows * sequence);
    const dHeadIn = buf.dHeadIn.subarray(0, rows * sequence);
    dLstm.fill(0);

    // A per-bar head: Linear backward into its (dropped-out) input, then through the dropout into dLstm.
    const perBarHead = (prefix: string, dOut: Float32Array, input: Float32Array, mask: Float32Array, width: number) => {
      dHeadIn.fill(0);
      linearBackward(dHeadIn, grad(`${prefix}.weight`), grad(`${prefix}.bias`), dOut, input, this.value(`${prefix}.weight`), rows, sequence, width);
      this.dropoutInto(dLstm, dHeadIn, mask, rows * sequence, state.training);
    };
    perBarHead("expansion_countdown_head.1", buf.dCountdown.subarray(0, rows), state.countdownIn, buf.countdownMask, 1);
    perBarHead("expansion_span_emission.1", buf.dSpanScores.subarray(0, rows * this.spanWidth), state.spanIn, buf.spanMask, this.spanWidth);

    // Pooled heads back into the projection.
    const width = batch * dims.projection;
    const dProjection = buf.dProjection.subarray(0, width);
    const dPooledHeadIn = buf.dPooledHeadIn.subarray(0, width);
    dProjection.fill(0);
    dPooledHeadIn.fill(0);
    linearBackward(
      dPooledHeadIn,
      grad("classifier.1.weight"),
      grad("classifier.1.bias"),
      buf.dClassLogits.subarray(0, batch * dims.classes),
      state.classIn,
      this.value("classifier.1.weight"),
      batch,
      dims.projection,
      dims.classes,
    );
    this.dropoutInto(dProjection, dPooledHeadIn, buf.classMask, width, state.training);
    const dPointerLogits = buf.dPointerLogits.subarray(0, batch * 2);
    dPointerLogits.fill(0);
    sigmoidBackward(dPointerLogits, buf.dPointers, buf.pointers, batch * 2);
    dPooledHeadIn.fill(0);
    linearBackward(
      dPooledHeadIn,
      grad("pointer_head.1.weight"),
      grad("pointer_head.1.bias"),
      dPointerLogits,
      state.pointerIn,
      this.value("pointer_head.1.weight"),
      batch,
      dims.projection,
      2,
    );
    this.dropoutInto(dProjection, dPooledHeadIn, buf.pointerMask, width, state.training);

    const dProjectionPre = buf.dProjectionPre.subarray(0, width);
    dProjectionPre.fill(0);
    reluBackward(dProjectionPre, dProjection, buf.projection, width);
    const dPooled = buf.dPooled.subarray(0, batch * sequence);
    dPooled.fill(0);
    linearBackward(
      dPooled,
      grad("projection.0.weight"),
      grad("projection.0.bias"),
      dProjectionPre,
      buf.pooled,
      this.value("projection.0.weight"),
      batch,
      sequence,
      dims.projection,
    );
    meanPoolBackward(dLstm, dPooled, batch, bars, sequence);

    // The input features need no gradient.
    bilstmBackward(null, this.lstmGradients, dLstm, batch, bars, dims.features, dims.hidden, this.lstmWeights, this.lstmCache);
    this.gradientsReady = false;
  }

  /** One training step's gradients: zero, forward with dropout, losses, backward. Returns the losses. */
  trainStepGradients(features: Float32Array, targets: BatchTargets, batch: number, rng: Rng): LossBreakdown {
    this.parameters.zeroGradients();
    this.forward(features, batch, { training: true, rng });
    const losses = this.computeLoss(targets, { gradients: true });
    this.backward();
    return losses;
  }

  private value(name: string): Float32Array {
    return this.parameters.value(name);
  }

  /** dx += dropout backward of dout, or dx += dout when the forward ran without dropout. */
  private dropoutInto(dx: Float32Array, dout: Float32Array, mask: Float32Array, n: number, training: boolean): void {
    dropoutBackward(dx, dout, training ? mask : null, n);
  }
}

function scale(values: Float32Array, factor: number): void {
  for (let i = 0; i < values.length; i++) values[i]! *= factor;
}
