"""Golden parity fixtures for spanlab: test/fixtures/parity/{soft,crf,segment_crf}.safetensors.

For each span objective: build JadeCompact with a fixed torch seed (float32 PyTorch init), a batch of
B=4 windows (T=105, F=12) with spans and labels, run the forward pass with dropout OFF (eval mode),
compute the full training objective (Kendall-weighted sum of the four losses) and backpropagate.

The forward/backward is evaluated in float64 on the float32 parameters (model.double()), then every
tensor is stored as float32: the stored values are the exact math rounded once, so a float32 or float64
re-implementation is compared against the truth, not against one float32 evaluation order. A float32
PyTorch run is made too; its largest deviation from the float64 run is recorded in the metadata
(`f32_dev.*`) as a guide to what tolerance "matches PyTorch" means.

Usage (from the repository root):  /usr/bin/python3 bench/reference/make_fixtures.py [--out DIR] [--seed N]
Re-running gives byte-identical files (single thread, fixed seeds).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Dict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jade_compact import (JadeCompact, make_targets, compute_losses, PARAMETER_COUNT, WINDOW,  # noqa: E402
                          N_FEATURES, soft_span_loss)
from safetensors_io import save_file, load_file  # noqa: E402

GENERATOR = "bench/reference/make_fixtures.py"
B = 4
# (start, end) inclusive, chosen to exercise edges: span at bar 0, a long centred span (pointer Huber
# in its quadratic branch), a one-bar span, a span that ends on the last bar; countdown clipping at ±20.
SPANS = [(0, 3), (26, 78), (57, 57), (97, 104)]
LABELS = [0, 1, 1, 0]
POS_WEIGHT = 1.0
EXTRA_POS_WEIGHT = 13.1
# The segment CRF's length scores start at zero; the fixture draws them U(-0.5, 0.5) from a generator seeded
# `seed + 2` so that a length score read at the wrong index shows in every output and gradient.
LENGTH_SCORE_BOUND = 0.5
KINDS = ("soft", "crf", "segment_crf")
INTEGER_OUTPUTS = ("viterbi", "single_span")
# Feature ranges (docs/spec.md §2), sampled uniformly: open_norm, close_norm, body_pct, upper_wick, lower_wick,
# range_z, dist_to_swing_high, dist_to_swing_low, bars_since_SH, bars_since_SL, expansion_proxy, consol_proxy.
FEATURE_RANGES = [(0, 1), (0, 1), (-1, 1), (0, 1), (0, 1), (0, 3), (-3, 3), (-3, 3), (0, 1), (0, 1), (-2, 2), (0, 1)]


def make_inputs(seed: int) -> Dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed + 1)
    lo = torch.tensor([r[0] for r in FEATURE_RANGES], dtype=torch.float32)
    hi = torch.tensor([r[1] for r in FEATURE_RANGES], dtype=torch.float32)
    u = torch.rand(B, WINDOW, N_FEATURES, generator=g, dtype=torch.float32)
    features = lo + (hi - lo) * u
    return {
        "features": features,
        "span_start": torch.tensor([s for s, _ in SPANS], dtype=torch.int32),
        "span_end": torch.tensor([e for _, e in SPANS], dtype=torch.int32),
        "label": torch.tensor(LABELS, dtype=torch.int32),
    }


def run(model: JadeCompact, inputs: Dict[str, torch.Tensor], dtype: torch.dtype):
    """Forward (dropout off) + full objective + backward. Returns (outputs, losses, grads) as tensors of `dtype`."""
    model = model.to(dtype)
    model.eval()
    model.zero_grad(set_to_none=True)
    x = inputs["features"].to(dtype)
    tg = make_targets(inputs["span_start"], inputs["span_end"], inputs["label"], dtype=dtype)
    out = model(x)
    losses = compute_losses(model, out, tg, POS_WEIGHT)
    losses["total"].backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
    extra = {}
    with torch.no_grad():
        if model.use_segment_crf:
            scores = out["span_scores"].detach()
            assert model.segment_crf is not None
            seg = model.segment_crf
            out["viterbi"] = seg.viterbi(scores)
            out["marginals"] = seg.marginals(scores)
            out["log_partition"] = seg.log_partition(scores)
            out["gold_score"] = seg.gold_score(scores, tg.mask.long())
            out["single_span"], out["single_span_score"] = seg.single_span(scores)
            out["span_log_posterior"] = seg.span_log_posterior(scores)
        elif model.use_crf:
            em = out["emissions"].detach()
            assert model.crf is not None
            out["viterbi"] = model.crf.viterbi(em)
            out["marginals"] = model.crf.marginals(em)[..., 1]
            with torch.enable_grad():  # cross-check: posterior marginals = d logZ / d emissions
                em_leaf = em.clone().requires_grad_(True)
                (d_log_z,) = torch.autograd.grad(model.crf.log_partition(em_leaf).sum(), em_leaf)
            tol = 1e-12 if dtype == torch.float64 else 1e-4
            diff = float((d_log_z[..., 1] - out["marginals"]).abs().max())
            assert diff < tol, f"forward-backward != autograd ({diff:.3e}, {dtype})"
            out["log_partition"] = model.crf.log_partition(em)
            out["gold_score"] = model.crf.gold_score(em, tg.mask.long())
            out["emission_softmax"] = torch.softmax(em, dim=-1)[..., 1]
        else:
            extra["loss_span_at_pos_weight"] = soft_span_loss(out["span_probability"].detach(), tg.mask,
                                                              EXTRA_POS_WEIGHT)
    outputs = {k: v.detach() for k, v in out.items()}
    return outputs, {k: v.detach() for k, v in losses.items()}, grads, tg, extra


def f32(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float32).cpu().numpy().astype("<f4")


def i32(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.int32).cpu().numpy().astype("<i4")


def build(kind: str, seed: int, out_dir: str) -> str:
    torch.manual_seed(seed)
    model = JadeCompact(use_crf=(kind == "crf"), use_segment_crf=(kind == "segment_crf"))
    if model.segment_crf is not None:
        g = torch.Generator().manual_seed(seed + 2)
        with torch.no_grad():
            length_scores = model.segment_crf.length_scores
            length_scores.copy_((torch.rand(length_scores.shape, generator=g) * 2 - 1) * LENGTH_SCORE_BOUND)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == PARAMETER_COUNT[kind]
    params32 = {name: p.detach().clone() for name, p in model.named_parameters()}
    inputs = make_inputs(seed)

    o32, l32, g32, _, _ = run(model, inputs, torch.float32)
    o64, l64, g64, tg, extra = run(model, inputs, torch.float64)
    # parameters are unchanged by .double() (float32 values are exact in float64)
    for name, p in model.named_parameters():
        assert torch.equal(p.detach().to(torch.float32), params32[name])

    def dev(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor], keys) -> float:
        return max(float((a[k].double() - b[k].double()).abs().max()) for k in keys)

    out_keys = [k for k in o64 if k not in INTEGER_OUTPUTS]
    for k in INTEGER_OUTPUTS:
        if k in o64:
            assert torch.equal(o32[k], o64[k]), f"{k} differs between float32 and float64"

    tensors: Dict[str, np.ndarray] = {
        "input.features": f32(inputs["features"]),
        "input.span_start": i32(inputs["span_start"]),
        "input.span_end": i32(inputs["span_end"]),
        "input.label": i32(inputs["label"]),
        "target.mask": f32(tg.mask),
        "target.countdown": f32(tg.countdown),
        "target.pointers": f32(tg.pointers),
    }
    for name, p in params32.items():
        tensors[name] = f32(p)
    for name, g in g64.items():
        tensors[f"grad.{name}"] = f32(g)
    for k, v in o64.items():
        tensors[f"output.{k}"] = i32(v) if k in INTEGER_OUTPUTS else f32(v)
    for k, v in l64.items():
        tensors[f"loss.{k}"] = f32(v.reshape(1))
    if kind == "soft":
        tensors["extra.pos_weight"] = np.array([EXTRA_POS_WEIGHT], dtype="<f4")
        tensors["extra.loss_span_at_pos_weight"] = f32(extra["loss_span_at_pos_weight"].reshape(1))

    metadata = {
        "generator": GENERATOR,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "seed": str(seed),
        "input_seed": str(seed + 1),
        "loss_type": kind,
        "pos_weight": repr(POS_WEIGHT),
        "parameter_count": str(n_params),
        "batch": str(B),
        "window": str(WINDOW),
        "features": str(N_FEATURES),
        "mode": "dropout off (eval); full training objective (Kendall) backpropagated from loss.total",
        "compute_dtype": "float64 on the float32 parameters, every tensor stored as F32 (rounded once)",
        "integer_dtype": "I32 (input.span_start, input.span_end, input.label, output.viterbi"
                         + (", output.single_span)" if kind == "segment_crf" else ")"),
        "f32_dev.output_max_abs": f"{dev(o32, o64, out_keys):.3e}",
        "f32_dev.loss_max_abs": f"{dev(l32, l64, l64.keys()):.3e}",
        "f32_dev.grad_max_abs": f"{dev(g32, g64, g64.keys()):.3e}",
        "f32_dev.grad_max_rel": f"{max(float((g32[k].double() - g64[k]).abs().max() / g64[k].abs().max().clamp_min(1e-30)) for k in g64):.3e}",
    }

    if kind == "segment_crf":
        metadata["length_scores_seed"] = str(seed + 2)
        metadata["length_scores_init"] = f"U(-{LENGTH_SCORE_BOUND}, {LENGTH_SCORE_BOUND}) (spanlab and the model initialise zeros)"

    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{kind}.safetensors")
    save_file(tensors, path, metadata)

    # verify what was written
    back, meta = load_file(path)
    assert meta == metadata and set(back) == set(tensors)
    for k, v in tensors.items():
        assert back[k].dtype == v.dtype and np.array_equal(back[k], v), k
    shape_params = sum(int(np.prod(back[n].shape)) for n in params32)
    assert shape_params == PARAMETER_COUNT[kind]
    print(f"{path}: {os.path.getsize(path)} bytes, {len(tensors)} tensors, losses "
          + ", ".join(f"{k}={float(v):.6f}" for k, v in l64.items()))
    for k in ("f32_dev.output_max_abs", "f32_dev.loss_max_abs", "f32_dev.grad_max_abs", "f32_dev.grad_max_rel"):
        print(f"  {k} = {metadata[k]}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    parser.add_argument("--out", default=os.path.join(root, "test", "fixtures", "parity"))
    parser.add_argument("--seed", type=int, default=20251026)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for kind in KINDS:
        build(kind, args.seed, args.out)


if __name__ == "__main__":
    main()
