/**
 * The PyTorch reference's state-dict layout (parameter names and shapes) per span objective, as PyTorch
 * 1.13 wrote it into the golden fixtures (test/fixtures/parity/*.safetensors, made by
 * bench/reference/make_fixtures.py). A compare bundle checks every model it trains against it at run
 * time (docs/spec.md §3); src/model/pytorch_layout.test.ts checks this table against the fixtures, so it
 * cannot drift from what PyTorch wrote.
 */

/**
 * The trunk every head shares (BiLSTM, projection, class, pointer and countdown heads, log σ), with the
 * span projection's `emissions` outputs per bar: PyTorch's shapes at F 12, hidden 96, projection 64.
 */
function trunk(emissions: number): Record<string, readonly number[]> {
  return {
    "classifier.1.bias": [3],
    "classifier.1.weight": [3, 64],
    "expansion_countdown_head.1.bias": [1],
    "expansion_countdown_head.1.weight": [1, 192],
    "expansion_span_emission.1.bias": [emissions],
    "expansion_span_emission.1.weight": [emissions, 192],
    log_sigma_countdown: [],
    log_sigma_ptr: [],
    log_sigma_span: [],
    log_sigma_type: [],
    "lstm.bias_hh_l0": [384],
    "lstm.bias_hh_l0_reverse": [384],
    "lstm.bias_ih_l0": [384],
    "lstm.bias_ih_l0_reverse": [384],
    "lstm.weight_hh_l0": [384, 96],
    "lstm.weight_hh_l0_reverse": [384, 96],
    "lstm.weight_ih_l0": [384, 12],
    "lstm.weight_ih_l0_reverse": [384, 12],
    "pointer_head.1.bias": [2],
    "pointer_head.1.weight": [2, 64],
    "projection.0.bias": [64],
    "projection.0.weight": [64, 192],
  };
}

/** Parameter name → shape, keyed by the checkpoint format's `loss_type` (in sorted name order, as PyTorch's dumps list them). */
export const PYTORCH_STATE_DICT_LAYOUT: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>> = {
  soft: trunk(1),
  crf: sortedByName({ ...trunk(2), "crf.end_transitions": [2], "crf.start_transitions": [2], "crf.transitions": [2, 2] }),
  segment_crf: sortedByName({ ...trunk(4), "segment_crf.length_scores": [105] }),
};

function sortedByName(layout: Record<string, readonly number[]>): Record<string, readonly number[]> {
  return Object.fromEntries(Object.entries(layout).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
