/**
 * AdamW (Loshchilov & Hutter) with PyTorch's update order: decoupled weight decay first, then the
 * bias-corrected Adam step. One loop over the model's contiguous parameter and gradient buffers.
 */

export interface AdamWOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** torch.optim.AdamW's defaults with spanlab's weight decay of 0.01 (docs/spec.md §5). */
export const DEFAULT_ADAMW: AdamWOptions = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 };

/** The optimizer's whole state: two moment buffers and the step count, so a run can be resumed exactly. */
export interface AdamWState {
  step: number;
  firstMoment: Float32Array;
  secondMoment: Float32Array;
}

export function createAdamWState(size: number): AdamWState {
  return { step: 0, firstMoment: new Float32Array(size), secondMoment: new Float32Array(size) };
}

/**
 * One AdamW step over every parameter: p ← p − lr·wd·p, then p ← p − lr·m̂/(√v̂ + ε), exactly as
 * torch.optim.AdamW computes it (step size lr/(1−β₁ᵗ), denominator √v/√(1−β₂ᵗ) + ε).
 */
export function adamWStep(values: Float32Array, gradients: Float32Array, state: AdamWState, options: AdamWOptions = DEFAULT_ADAMW): void {
  const n = values.length;
  if (gradients.length !== n || state.firstMoment.length !== n || state.secondMoment.length !== n) {
    throw new Error(
      `adamWStep: parameters (${n}), gradients (${gradients.length}) and moments (${state.firstMoment.length}, ${state.secondMoment.length}) differ in length`,
    );
  }
  const { learningRate: lr, beta1, beta2, epsilon, weightDecay } = options;
  state.step += 1;
  const biasCorrection1 = 1 - beta1 ** state.step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** state.step);
  const stepSize = lr / biasCorrection1;
  const decay = 1 - lr * weightDecay;
  const m = state.firstMoment;
  const v = state.secondMoment;
  for (let i = 0; i < n; i++) {
    const g = gradients[i]!;
    // The float64 moments feed the update; the stored float32 copies feed the next step (as before).
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    values[i] = values[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) / biasCorrection2Sqrt + epsilon);
  }
}

/** Scales gradients so their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_); returns the norm before clipping. */
export function clipGradientNorm(gradients: Float32Array, maxNorm: number): number {
  let sumSquares = 0;
  for (let i = 0; i < gradients.length; i++) sumSquares += gradients[i]! * gradients[i]!;
  const norm = Math.sqrt(sumSquares);
  // PyTorch adds 1e-6 to the norm in the clip coefficient and clamps it at 1.
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient < 1) for (let i = 0; i < gradients.length; i++) gradients[i]! *= coefficient;
  return norm;
}
