"""Checkpoint interoperability between spanlab and the PyTorch reference, both directions.

1. spanlab -> PyTorch (the default mode):

     /usr/bin/python3 bench/reference/check_checkpoint.py CHECKPOINT [--outputs FILE] [--inputs FIXTURE]

   Loads a spanlab checkpoint (safetensors) into the reference JadeCompact with
   `load_state_dict(strict=True)` — soft or CRF head and the dimensions chosen from the checkpoint's
   metadata — after checking every tensor is float32. Runs the forward pass (eval mode, dropout off) on
   `input.features` of the parity fixture (default test/fixtures/parity/<loss_type>.safetensors) and
   prints, per output, the largest |spanlab − PyTorch| against the outputs spanlab wrote for the same
   inputs (default: CHECKPOINT with `.safetensors` replaced by `.outputs.safetensors`). PyTorch runs
   twice: in float64 on the float32 weights (the exact maths, rounded once) and in float32. Exits 1 if
   any difference exceeds --tolerance (default 1e-4) relative to max(1, max|PyTorch value|) of the
   tensor, or if a CRF Viterbi path differs.

2. PyTorch -> spanlab (fixtures for spanlab's tests):

     /usr/bin/python3 bench/reference/check_checkpoint.py --write-state-dict {soft,crf} --out PATH [--seed N]

   Writes `model.state_dict()` of the reference model built with torch seed N (default 7), as plain
   safetensors with NO metadata (what `safetensors.torch.save_file(model.state_dict(), PATH)` gives),
   and next to it PATH's `.outputs.safetensors`: PyTorch's outputs for the parity inputs (float64 maths
   on the float32 weights, stored F32; Viterbi path I32). Deterministic: re-running gives identical bytes.

Output tensor names (both files): output.class_logits (B,3), output.pointers (B,2), output.countdown
(B,T); soft: output.span_logit, output.span_probability (B,T); crf: output.emissions (B,T,2),
output.marginals, output.emission_softmax (B,T), output.viterbi (B,T) I32.

Run with Debian's interpreter: /usr/bin/python3 (python3-torch, torch 1.13).
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
from typing import Dict, Tuple

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jade_compact import JadeCompact  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GENERATOR = "bench/reference/check_checkpoint.py"


def outputs_path_for(checkpoint: str) -> str:
    stem = checkpoint[: -len(".safetensors")] if checkpoint.endswith(".safetensors") else checkpoint
    return stem + ".outputs.safetensors"


def default_inputs(loss_type: str) -> str:
    return os.path.join(ROOT, "test", "fixtures", "parity", f"{loss_type}.safetensors")


def relative(path: str) -> str:
    """Path relative to the repository root when inside it (for stable metadata and messages)."""
    absolute = os.path.abspath(path)
    return os.path.relpath(absolute, ROOT) if absolute.startswith(ROOT + os.sep) else path


@torch.no_grad()
def reference_outputs(model: JadeCompact, features: np.ndarray, dtype: torch.dtype) -> Dict[str, np.ndarray]:
    """Forward in eval mode (dropout off) in `dtype`; every output as float32/int32 numpy arrays."""
    m = copy.deepcopy(model).to(dtype)
    m.eval()
    out = m(torch.from_numpy(features).to(dtype))
    result = {
        "output.class_logits": out["class_logits"],
        "output.pointers": out["pointers"],
        "output.countdown": out["countdown"],
    }
    if m.use_crf:
        assert m.crf is not None
        em = out["emissions"]
        result["output.emissions"] = em
        result["output.marginals"] = m.crf.marginals(em)[..., 1]
        result["output.emission_softmax"] = torch.softmax(em, dim=-1)[..., 1]
        result["output.viterbi"] = m.crf.viterbi(em)
    else:
        result["output.span_logit"] = out["span_logit"]
        result["output.span_probability"] = out["span_probability"]
    return {
        k: (v.to(torch.int32) if k == "output.viterbi" else v.to(torch.float32)).cpu().numpy()
        .astype("<i4" if k == "output.viterbi" else "<f4")
        for k, v in result.items()
    }


def build_model(tensors: Dict[str, np.ndarray], metadata: Dict[str, str], path: str) -> Tuple[JadeCompact, str]:
    """The reference model with `tensors` loaded strictly; soft/CRF and sizes from the metadata."""
    if metadata.get("format") == "spanlab-checkpoint":
        loss_type = metadata["loss_type"]
        n_features, hidden = int(metadata["features"]), int(metadata["hidden"])
        if int(metadata.get("projection", "64")) != 64 or int(metadata.get("classes", "3")) != 3:
            sys.exit(f"{path}: the reference model has a 64-wide projection and 3 classes; "
                     f"this checkpoint has {metadata.get('projection')} and {metadata.get('classes')}")
    else:  # a plain state dict: read the objective and sizes off the shapes, as spanlab does
        loss_type = "crf" if "crf.transitions" in tensors else "soft"
        n_features = int(tensors["lstm.weight_ih_l0"].shape[1])
        hidden = int(tensors["lstm.weight_hh_l0"].shape[1])
    if loss_type not in ("soft", "crf"):
        sys.exit(f"{path}: loss_type must be soft or crf, got {loss_type!r}")
    not_f32 = [f"{k} ({v.dtype})" for k, v in tensors.items() if v.dtype != np.float32]
    if not_f32:
        sys.exit(f"{path}: tensors that are not float32: {', '.join(not_f32)}")
    model = JadeCompact(n_features=n_features, hidden=hidden, use_crf=(loss_type == "crf"))
    # load_state_dict quietly accepts a 1-element [1] tensor for a 0-d parameter (a PyTorch 0.3
    # compatibility rule), so the shapes are compared exactly here first.
    wrong = [f"{k}: {list(v.shape)} in the file, {list(model.state_dict()[k].shape)} in the model"
             for k, v in tensors.items() if k in model.state_dict() and tuple(v.shape) != tuple(model.state_dict()[k].shape)]
    if wrong:
        sys.exit(f"{path}: shapes differ from the reference state dict:\n  " + "\n  ".join(wrong))
    # strict=True: exactly the key set of model.state_dict() (missing and unexpected keys are errors).
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    return model, loss_type


def check(args: argparse.Namespace) -> int:
    tensors, metadata = load_file(args.checkpoint)
    model, loss_type = build_model(tensors, metadata, args.checkpoint)
    n_params = sum(p.numel() for p in model.parameters())
    origin = (f"spanlab-checkpoint, spanlab {metadata.get('spanlab_version', '?')}"
              if metadata.get("format") == "spanlab-checkpoint" else "plain state dict")
    print(f"checkpoint {relative(args.checkpoint)}: {origin}, loss_type {loss_type}, {n_params} parameters")
    state = model.state_dict()
    print(f"load_state_dict(strict=True): ok — {len(tensors)} tensors, the key set, shapes and float32 dtype "
          f"of the reference state dict ({len(state)} entries; 0-d: "
          f"{', '.join(k for k, v in state.items() if v.dim() == 0)})")
    sigmas = [float(getattr(model, f"log_sigma_{task}")) for task in ("ptr", "type", "span", "countdown")]
    print("log sigma (ptr, type, span, countdown) = " + ", ".join(f"{v:.6g}" for v in sigmas))

    inputs_path = args.inputs or default_inputs(loss_type)
    inputs, _ = load_file(inputs_path)
    features = inputs["input.features"].astype(np.float32)
    outputs_path = args.outputs or outputs_path_for(args.checkpoint)
    expected, expected_meta = load_file(outputs_path)
    if "inputs" in expected_meta and os.path.abspath(os.path.join(ROOT, expected_meta["inputs"])) != os.path.abspath(inputs_path):
        print(f"warning: {relative(outputs_path)} says its inputs were {expected_meta['inputs']}, "
              f"checking against {relative(inputs_path)}")
    print(f"inputs {relative(inputs_path)} input.features {tuple(features.shape)}; "
          f"spanlab outputs {relative(outputs_path)}")

    torch64 = reference_outputs(model, features, torch.float64)
    torch32 = reference_outputs(model, features, torch.float32)
    names = [k for k in torch64 if k in expected]
    missing = [k for k in torch64 if k not in expected]
    if missing:
        print(f"note: {relative(outputs_path)} has no {', '.join(missing)}")
    if not names:
        print("FAIL: no outputs to compare")
        return 1
    failed = False
    worst = 0.0
    print(f"{'output':28} {'shape':>14} {'max|Δ| vs torch f64':>20} {'max|Δ| vs torch f32':>20}")
    for name in names:
        ours = expected[name]
        if ours.shape != torch64[name].shape:
            print(f"FAIL: {name} has shape {ours.shape}, PyTorch gives {torch64[name].shape}")
            failed = True
            continue
        if name == "output.viterbi":
            mismatches = int((ours != torch64[name]).sum())
            print(f"{name:28} {str(ours.shape):>14} {mismatches:>13} bars differ "
                  f"{int((ours != torch32[name]).sum()):>13} bars differ")
            failed |= mismatches != 0
            continue
        d64 = float(np.abs(ours.astype(np.float64) - torch64[name].astype(np.float64)).max())
        d32 = float(np.abs(ours.astype(np.float64) - torch32[name].astype(np.float64)).max())
        scale = max(1.0, float(np.abs(torch64[name]).max()))
        worst = max(worst, d64)
        print(f"{name:28} {str(ours.shape):>14} {d64:>20.3e} {d32:>20.3e}")
        if d64 / scale > args.tolerance:
            failed = True
    verdict = "FAIL" if failed else "OK"
    print(f"max abs difference {worst:.3e} (tolerance {args.tolerance:g} relative to max(1, |PyTorch|)): {verdict}")
    return 1 if failed else 0


def write_state_dict(args: argparse.Namespace) -> int:
    if not args.out:
        sys.exit("--write-state-dict needs --out PATH")
    torch.manual_seed(args.seed)
    model = JadeCompact(use_crf=(args.write_state_dict == "crf"))
    state = {k: v.detach().cpu().numpy().astype("<f4") for k, v in model.state_dict().items()}
    save_file(state, args.out)  # no metadata: a plain PyTorch state dict
    inputs_path = args.inputs or default_inputs(args.write_state_dict)
    inputs, _ = load_file(inputs_path)
    outputs = reference_outputs(model, inputs["input.features"].astype(np.float32), torch.float64)
    out_path = outputs_path_for(args.out)
    save_file(outputs, out_path, {
        "generator": GENERATOR,
        "torch_version": torch.__version__,
        "seed": str(args.seed),
        "loss_type": args.write_state_dict,
        "inputs": relative(inputs_path),
        "compute_dtype": "float64 on the float32 weights, stored F32 (viterbi I32); eval mode, dropout off",
    })
    back, meta = load_file(args.out)
    assert meta == {} and set(back) == set(state), "state dict did not read back"
    print(f"{relative(args.out)}: {os.path.getsize(args.out)} bytes, {len(state)} tensors, "
          f"{sum(v.size for v in state.values())} parameters (torch seed {args.seed}, no metadata)")
    print(f"{relative(out_path)}: {', '.join(f'{k} {tuple(v.shape)}' for k, v in outputs.items())}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", nargs="?", help="spanlab checkpoint (.safetensors) to check")
    parser.add_argument("--outputs", help="spanlab's outputs for the inputs (default: CHECKPOINT .outputs.safetensors)")
    parser.add_argument("--inputs", help="fixture holding input.features (default: the parity fixture of the loss type)")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--write-state-dict", choices=["soft", "crf"],
                        help="instead: write the seeded reference model's state dict to --out")
    parser.add_argument("--out", help="with --write-state-dict: where to write it")
    parser.add_argument("--seed", type=int, default=7, help="with --write-state-dict: torch seed (default 7)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if args.write_state_dict:
        return write_state_dict(args)
    if not args.checkpoint:
        parser.error("give a CHECKPOINT to check, or --write-state-dict")
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
