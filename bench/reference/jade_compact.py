"""JadeCompact — the PyTorch reference model that spanlab re-implements (docs/spec.md §3–4).

A 1-layer BiLSTM (hidden 96 per direction) over 12 features per bar, with
  * a pooled branch (mean over time -> Linear 192->64 -> ReLU) feeding a 3-way class head and a
    2-output pointer head (sigmoid -> center, length), and
  * a per-bar branch on the 192-d LSTM output feeding the span head (soft: 1 logit -> sigmoid;
    crf: 2 emissions + a linear-chain CRF) and a countdown regression head.
Training objective: Kendall uncertainty weighting of four losses (type, pointer, span, countdown).

Parameter names follow PyTorch module paths so that checkpoints interoperate with spanlab.
The CRF is written here in plain torch with pytorch-crf semantics (batch_first, every sequence full
length, reduction "mean" over the batch, Viterbi decoding), because pytorch-crf is not packaged.

Run with Debian's interpreter: /usr/bin/python3 (python3-torch, torch 1.13).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

N_FEATURES = 12
HIDDEN = 96
WINDOW = 105  # bars per window; also the pointer normaliser (docs/spec.md §4: /105)
N_CLASSES = 3
COUNTDOWN_CLIP = 20.0
HUBER_DELTA_POINTER = 0.08
HUBER_DELTA_COUNTDOWN = 1.0
PROB_CLAMP = 1e-7

PARAMETER_COUNT = {"soft": 97_547, "crf": 97_748}


class LinearChainCRF(nn.Module):
    """Linear-chain CRF over `num_tags` tags, pytorch-crf semantics (batch_first=True, no mask).

    transitions[i, j] is the score of moving from tag i (previous) to tag j (current).
    """

    def __init__(self, num_tags: int = 2) -> None:
        super().__init__()
        self.num_tags = num_tags
        self.start_transitions = nn.Parameter(torch.empty(num_tags))
        self.end_transitions = nn.Parameter(torch.empty(num_tags))
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # Same order and distribution as pytorch-crf's CRF.reset_parameters.
        nn.init.uniform_(self.start_transitions, -0.1, 0.1)
        nn.init.uniform_(self.end_transitions, -0.1, 0.1)
        nn.init.uniform_(self.transitions, -0.1, 0.1)

    def log_partition(self, emissions: torch.Tensor) -> torch.Tensor:
        """log Z per sequence by the forward algorithm (log-sum-exp). emissions (B,T,K) -> (B,)."""
        score = self.start_transitions.unsqueeze(0) + emissions[:, 0]  # (B,K)
        for t in range(1, emissions.shape[1]):
            # (B,K_prev,1) + (K_prev,K_cur) + (B,1,K_cur) -> logsumexp over K_prev
            score = torch.logsumexp(
                score.unsqueeze(2) + self.transitions.unsqueeze(0) + emissions[:, t].unsqueeze(1), dim=1
            )
        score = score + self.end_transitions.unsqueeze(0)
        return torch.logsumexp(score, dim=1)

    def gold_score(self, emissions: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        """Score of the given tag path: start[y0] + sum emit + sum trans + end[y_{T-1}]. -> (B,)."""
        batch, length, _ = emissions.shape
        tags = tags.long()
        rows = torch.arange(batch)
        score = self.start_transitions[tags[:, 0]] + emissions[rows, 0, tags[:, 0]]
        for t in range(1, length):
            score = score + self.transitions[tags[:, t - 1], tags[:, t]] + emissions[rows, t, tags[:, t]]
        return score + self.end_transitions[tags[:, length - 1]]

    def neg_log_likelihood(self, emissions: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        """NLL = logZ − gold score, mean over the batch (pytorch-crf: -crf(emissions, tags, reduction="mean"))."""
        return (self.log_partition(emissions) - self.gold_score(emissions, tags)).mean()

    @torch.no_grad()
    def viterbi(self, emissions: torch.Tensor) -> torch.Tensor:
        """Most likely tag path per sequence (pytorch-crf _viterbi_decode). emissions (B,T,K) -> (B,T) int64."""
        batch, length, _ = emissions.shape
        score = self.start_transitions.unsqueeze(0) + emissions[:, 0]
        history = []
        for t in range(1, length):
            next_score = score.unsqueeze(2) + self.transitions.unsqueeze(0) + emissions[:, t].unsqueeze(1)
            next_score, indices = next_score.max(dim=1)
            score = next_score
            history.append(indices)
        score = score + self.end_transitions.unsqueeze(0)
        _, best_last = score.max(dim=1)
        path = [best_last]
        for indices in reversed(history):
            best_last = indices.gather(1, best_last.unsqueeze(1)).squeeze(1)
            path.append(best_last)
        path.reverse()
        return torch.stack(path, dim=1)

    def marginals(self, emissions: torch.Tensor) -> torch.Tensor:
        """Posterior p(y_t = k | x) by explicit forward-backward in log space. (B,T,K)."""
        batch, length, k = emissions.shape
        trans = self.transitions.unsqueeze(0)
        alpha = [self.start_transitions.unsqueeze(0) + emissions[:, 0]]
        for t in range(1, length):
            alpha.append(torch.logsumexp(alpha[-1].unsqueeze(2) + trans + emissions[:, t].unsqueeze(1), dim=1))
        beta = [self.end_transitions.unsqueeze(0).expand(batch, k)]
        for t in range(length - 2, -1, -1):
            # beta_t(i) = logsumexp_j trans[i,j] + emit[t+1,j] + beta_{t+1}(j)
            beta.append(torch.logsumexp(trans + (emissions[:, t + 1] + beta[-1]).unsqueeze(1), dim=2))
        beta.reverse()
        log_z = torch.logsumexp(alpha[-1] + beta[-1], dim=1)
        a = torch.stack(alpha, dim=1)
        b = torch.stack(beta, dim=1)
        return torch.exp(a + b - log_z.view(batch, 1, 1))


class JadeCompact(nn.Module):
    def __init__(self, n_features: int = N_FEATURES, hidden: int = HIDDEN, use_crf: bool = False) -> None:
        super().__init__()
        self.use_crf = use_crf
        self.input_dropout = nn.Dropout(0.3)
        self.lstm = nn.LSTM(n_features, hidden, num_layers=1, batch_first=True, bidirectional=True)
        self.projection = nn.Sequential(nn.Linear(2 * hidden, 64), nn.ReLU())
        self.classifier = nn.Sequential(nn.Dropout(0.6), nn.Linear(64, N_CLASSES))
        self.pointer_head = nn.Sequential(nn.Dropout(0.6), nn.Linear(64, 2))
        self.expansion_span_emission = nn.Sequential(nn.Dropout(0.6), nn.Linear(2 * hidden, 2 if use_crf else 1))
        self.expansion_countdown_head = nn.Sequential(nn.Dropout(0.6), nn.Linear(2 * hidden, 1))
        self.crf: Optional[LinearChainCRF] = LinearChainCRF(2) if use_crf else None
        self.log_sigma_ptr = nn.Parameter(torch.tensor(-0.30))
        self.log_sigma_type = nn.Parameter(torch.tensor(0.0))
        self.log_sigma_span = nn.Parameter(torch.tensor(0.0))
        self.log_sigma_countdown = nn.Parameter(torch.tensor(0.0))

        n = sum(p.numel() for p in self.parameters())
        expected = PARAMETER_COUNT["crf" if use_crf else "soft"]
        if n_features == N_FEATURES and hidden == HIDDEN:
            assert n == expected, f"JadeCompact parameter count {n} != {expected}"

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        """x (B,T,F) -> dict of outputs (see module docstring)."""
        h, _ = self.lstm(self.input_dropout(x))  # (B,T,192), zero initial state
        pooled = h.mean(dim=1)  # (B,192)
        projected = self.projection(pooled)  # (B,64)
        out = {
            "lstm": h,
            "pooled": pooled,
            "projected": projected,
            "class_logits": self.classifier(projected),  # (B,3)
            "pointers": torch.sigmoid(self.pointer_head(projected)),  # (B,2) (center, length)
            "countdown": self.expansion_countdown_head(h).squeeze(-1),  # (B,T)
        }
        emission = self.expansion_span_emission(h)
        if self.use_crf:
            out["emissions"] = emission  # (B,T,2)
        else:
            out["span_logit"] = emission.squeeze(-1)
            out["span_probability"] = torch.sigmoid(emission.squeeze(-1))  # (B,T)
        return out


@dataclass
class Targets:
    label: torch.Tensor  # (B,) int64
    mask: torch.Tensor  # (B,T) float, 1 inside [s,e]
    countdown: torch.Tensor  # (B,T) float, clip(s - t, -20, 20)
    pointers: torch.Tensor  # (B,2) float, (center, length)


def make_targets(span_start: torch.Tensor, span_end: torch.Tensor, label: torch.Tensor, length: int = WINDOW,
                 dtype: torch.dtype = torch.float32) -> Targets:
    s = span_start.long().view(-1, 1)
    e = span_end.long().view(-1, 1)
    t = torch.arange(length).view(1, -1)
    mask = ((t >= s) & (t <= e)).to(dtype)
    countdown = (s - t).to(dtype).clamp(-COUNTDOWN_CLIP, COUNTDOWN_CLIP)
    center = (s + e).to(dtype) / 2.0 / WINDOW
    span_len = (e - s).to(dtype) / WINDOW
    return Targets(label=label.long(), mask=mask, countdown=countdown, pointers=torch.cat([center, span_len], dim=1))


def huber(pred: torch.Tensor, target: torch.Tensor, delta: float) -> torch.Tensor:
    """Elementwise Huber: ½d² if |d| < δ else δ(|d| − ½δ) (== F.huber_loss, reduction none)."""
    d = (pred - target).abs()
    return torch.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


def soft_span_loss(p: torch.Tensor, mask: torch.Tensor, pos_weight: float = 1.0) -> torch.Tensor:
    p = p.clamp(PROB_CLAMP, 1.0 - PROB_CLAMP)
    return -(pos_weight * mask * torch.log(p) + (1.0 - mask) * torch.log(1.0 - p)).mean()


def kendall(loss: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
    """L/(2σ²) + ln σ with σ = exp(log σ)."""
    return loss * 0.5 * torch.exp(-2.0 * log_sigma) + log_sigma


def compute_losses(model: JadeCompact, out: Dict[str, torch.Tensor], tg: Targets,
                   pos_weight: float = 1.0) -> Dict[str, torch.Tensor]:
    l_type = F.cross_entropy(out["class_logits"], tg.label)
    l_ptr = huber(out["pointers"], tg.pointers, HUBER_DELTA_POINTER).mean()
    l_cd = huber(out["countdown"], tg.countdown, HUBER_DELTA_COUNTDOWN).mean()
    if model.use_crf:
        assert model.crf is not None
        l_span = model.crf.neg_log_likelihood(out["emissions"], tg.mask.long())
    else:
        l_span = soft_span_loss(out["span_probability"], tg.mask, pos_weight)
    total = (kendall(l_ptr, model.log_sigma_ptr) + kendall(l_type, model.log_sigma_type)
             + kendall(l_span, model.log_sigma_span) + kendall(l_cd, model.log_sigma_countdown))
    return {"type": l_type, "pointer": l_ptr, "span": l_span, "countdown": l_cd, "total": total,
            # what the reference logs as val_loss: the unweighted sum (docs/spec.md §4)
            "unweighted": l_type + l_ptr + l_span + l_cd}


def _self_check() -> None:
    torch.manual_seed(0)
    d = torch.randn(1000) * 0.3
    for delta in (0.08, 1.0):
        a = huber(d, torch.zeros_like(d), delta)
        b = F.huber_loss(d, torch.zeros_like(d), reduction="none", delta=delta)
        assert torch.allclose(a, b, atol=1e-7), "huber mismatch"
    for use_crf in (False, True):
        m = JadeCompact(use_crf=use_crf)
        print("crf" if use_crf else "soft", sum(p.numel() for p in m.parameters()))
    crf = LinearChainCRF(2).double()
    em = torch.randn(3, 7, 2, dtype=torch.float64, requires_grad=True)
    log_z = crf.log_partition(em)
    (g,) = torch.autograd.grad(log_z.sum(), em)
    assert torch.allclose(g, crf.marginals(em), atol=1e-10), "forward-backward != d logZ / d emissions"
    # brute-force logZ and Viterbi on a short chain
    import itertools
    paths = torch.tensor(list(itertools.product([0, 1], repeat=7)))
    for b in range(3):
        scores = torch.stack([crf.gold_score(em[b:b + 1].detach(), p.view(1, -1))[0] for p in paths])
        assert abs(torch.logsumexp(scores, 0).item() - log_z[b].item()) < 1e-10
        assert torch.equal(paths[scores.argmax()], crf.viterbi(em[b:b + 1].detach())[0])
    print("self-check ok")


if __name__ == "__main__":
    _self_check()
