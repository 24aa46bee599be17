"""PyTorch side of `npm run bench`: JadeCompact timings at the reference shapes (docs/spec.md §5).

B = 32, T = 105, F = 12, hidden 96, train mode (dropout on), AdamW(lr 1e-3, weight decay 0.01).
Per objective (soft, crf), the median over --iters iterations after --warmup of:
  forward_ms       forward pass in train mode with autograd recording (what a train step pays)
  forward_eval_ms  forward pass in eval mode under torch.no_grad() (inference)
  train_step_ms    zero_grad + forward + full Kendall loss + backward + AdamW step
  epoch_s          one epoch: 168 training windows in batches of 32 (shuffled; 5 of 32 + 1 of 8) then a
                   validation forward + loss over 42 windows (eval, no_grad); median of --epochs epochs,
                   or run50_s / 50 when --epochs-run is given
  run50_s          (--epochs-run only) a full 50-epoch run, wall time
  train_step_cpu_ms  median process CPU time of a train step (threads summed) — with --threads 1 this is
                   what the step costs on an idle core, a check on timings from a busy machine
The 1-minute load average at start and end is reported: above the core count, the timings are inflated.
Prints one JSON object on stdout. Inputs are synthetic (random features, random spans): timing only.

Usage: /usr/bin/python3 bench/reference/bench_torch.py [--threads N] [--iters 20] [--warmup 3] [--epochs-run]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jade_compact import JadeCompact, make_targets, compute_losses, WINDOW, N_FEATURES  # noqa: E402

BATCH = 32
N_TRAIN = 168
N_VAL = 42


def synthetic(n: int, g: torch.Generator):
    x = torch.rand(n, WINDOW, N_FEATURES, generator=g) * 2 - 1
    start = torch.randint(0, WINDOW - 10, (n,), generator=g)
    length = torch.randint(0, 10, (n,), generator=g)
    end = (start + length).clamp(max=WINDOW - 1)
    label = torch.randint(0, 2, (n,), generator=g)
    return x, start, end, label


CPU_MS = {}  # label -> median process CPU time (ms): all threads summed; with 1 thread ≈ wall time on an idle machine


def median_ms(fn, warmup: int, iters: int, label: str = "") -> float:
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    for _ in range(iters):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    if label:
        CPU_MS[label] = statistics.median(cpu)
    return statistics.median(times)


def bench(kind: str, args) -> dict:
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    model = JadeCompact(use_crf=(kind == "crf"))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    x, s, e, y = synthetic(BATCH, g)
    tg = make_targets(s, e, y)

    def forward_train():
        model.train()
        out = model(x)
        return out

    @torch.no_grad()
    def forward_eval():
        model.eval()
        return model(x)

    def step(xb=x, tgb=tg):
        model.train()
        opt.zero_grad(set_to_none=True)
        out = model(xb)
        loss = compute_losses(model, out, tgb)["total"]
        loss.backward()
        opt.step()
        return loss

    result = {
        "forward_ms": median_ms(forward_train, args.warmup, args.iters, "forward"),
        "forward_eval_ms": median_ms(forward_eval, args.warmup, args.iters, "forward_eval"),
        "train_step_ms": median_ms(step, args.warmup, args.iters, "train_step"),
    }
    result["train_step_cpu_ms"] = CPU_MS["train_step"]

    xt, st, et, yt = synthetic(N_TRAIN, g)
    xv, sv, ev, yv = synthetic(N_VAL, g)

    def epoch():
        perm = torch.randperm(N_TRAIN, generator=g)
        for i in range(0, N_TRAIN, BATCH):
            idx = perm[i:i + BATCH]
            step(xt[idx], make_targets(st[idx], et[idx], yt[idx]))
        model.eval()
        with torch.no_grad():
            total = 0.0
            for i in range(0, N_VAL, BATCH):
                sl = slice(i, i + BATCH)
                out = model(xv[sl])
                total += float(compute_losses(model, out, make_targets(sv[sl], ev[sl], yv[sl]))["unweighted"])
        return total

    if args.epochs_run:
        t0 = time.perf_counter()
        for _ in range(50):
            epoch()
        run50 = time.perf_counter() - t0
        result["run50_s"] = run50
        result["epoch_s"] = run50 / 50
    else:
        result["epoch_s"] = median_ms(epoch, 1, args.epochs) / 1e3
        result["run50_s"] = None
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description="PyTorch JadeCompact timings (JSON on stdout)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3, help="epochs timed for epoch_s without --epochs-run")
    parser.add_argument("--epochs-run", action="store_true", help="also time a full 50-epoch run")
    parser.add_argument("--objective", choices=["soft", "crf", "both"], default="both")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    report = {"torch_version": torch.__version__, "threads": torch.get_num_threads(), "batch": BATCH,
              "window": WINDOW, "features": N_FEATURES, "hidden": 96, "iters": args.iters, "warmup": args.warmup}
    report["loadavg_start"] = round(os.getloadavg()[0], 2)  # > cores means a contended machine: timings inflated
    for kind in (["soft", "crf"] if args.objective == "both" else [args.objective]):
        report[kind] = bench(kind, args)
    report["loadavg_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
