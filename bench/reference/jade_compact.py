"""JadeCompact — the PyTorch reference model that spanlab re-implements (docs/spec.md §3–4).

A 1-layer BiLSTM (hidden 96 per direction) over 12 features per bar, with
  * a pooled branch (mean over time -> Linear 192->64 -> ReLU) feeding a 3-way class head and a
    2-output pointer head (sigmoid -> center, length), and
  * a per-bar branch on the 192-d LSTM output feeding the span head (soft: 1 logit -> sigmoid;
    crf: 2 emissions + a linear-chain CRF; segment_crf: 4 scores per bar (out, in, start boundary, end
    boundary) + a segment-level (semi-Markov) CRF with one score per span length, docs/spec.md §13) and a
    countdown regression head.
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

PARAMETER_COUNT = {"soft": 97_547, "crf": 97_748, "segment_crf": 98_231}
SEGMENT_MAX_LENGTH = WINDOW  # L: the longest in-span segment (docs/spec.md §13)


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


class SegmentCRF(nn.Module):
    """Segment-level (semi-Markov) CRF over out-of-span bars and in-span segments of 1..L bars (docs/spec.md §13).

    scores (B,T,4) per bar: [out emission, in emission, start boundary, end boundary]. An out bar t scores
    out_t; an in-span segment [s,e] scores sum_{t=s..e} in_t + start_s + end_e + length_scores[e-s]. Two
    segments are never adjacent, so segmentations are exactly the 0/1 tag paths. Written for clarity, not
    speed: every segment's score is built as a (B, T, T) matrix.
    """

    def __init__(self, max_length: int = SEGMENT_MAX_LENGTH) -> None:
        super().__init__()
        self.max_length = max_length
        # Zeros: no length preferred before training (spanlab initialises the same).
        self.length_scores = nn.Parameter(torch.zeros(max_length))

    def segment_scores(self, scores: torch.Tensor) -> torch.Tensor:
        """(B,T,T): [b, s, e] = score of the in-span segment [s,e]; -inf when e < s or e - s + 1 > L."""
        batch, length, _ = scores.shape
        inside = scores[..., 1]
        prefix = torch.cat([torch.zeros(batch, 1, dtype=scores.dtype), torch.cumsum(inside, dim=1)], dim=1)
        s = torch.arange(length).view(-1, 1)
        e = torch.arange(length).view(1, -1)
        span = e - s
        valid = (span >= 0) & (span < self.max_length)
        lengths = self.length_scores[span.clamp(0, self.max_length - 1)]
        seg = prefix[:, None, 1:] - prefix[:, :-1, None] + scores[..., 2][:, :, None] + scores[..., 3][:, None, :] + lengths
        return seg.masked_fill(~valid, float("-inf"))

    def log_partition(self, scores: torch.Tensor) -> torch.Tensor:
        """log Z per window by the semi-Markov forward recursion (docs/spec.md §13). -> (B,)."""
        length = scores.shape[1]
        seg = self.segment_scores(scores)
        # open_[s]: prefixes 0..s-1 after which a segment may start; closed[e]: prefixes ending with a segment at e.
        open_ = [torch.zeros(scores.shape[0], dtype=scores.dtype)]
        closed = []
        for e in range(length):
            closed.append(torch.logsumexp(torch.stack(open_, dim=1) + seg[:, : e + 1, e], dim=1))
            free = open_[e] if e == 0 else torch.logaddexp(open_[e], closed[e - 1])
            open_.append(scores[:, e, 0] + free)
        return torch.logaddexp(open_[length], closed[length - 1])

    def gold_score(self, scores: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        """Score of the given 0/1 tag paths (every run at most L bars). -> (B,)."""
        tags = tags.to(scores.dtype)
        batch, length, _ = scores.shape
        total = (scores[..., 0] * (1 - tags) + scores[..., 1] * tags).sum(dim=1)
        previous = torch.cat([torch.zeros(batch, 1, dtype=scores.dtype), tags[:, :-1]], dim=1)
        following = torch.cat([tags[:, 1:], torch.zeros(batch, 1, dtype=scores.dtype)], dim=1)
        starts = tags * (1 - previous)
        ends = tags * (1 - following)
        total = total + (scores[..., 2] * starts + scores[..., 3] * ends).sum(dim=1)
        run = torch.zeros(batch, dtype=torch.long)
        for t in range(length):
            run = (run + 1) * tags[:, t].long()
            assert int(run.max()) <= self.max_length, "a gold run is longer than L"
            total = total + ends[:, t] * self.length_scores[(run - 1).clamp(min=0)]
        return total

    def neg_log_likelihood(self, scores: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        """NLL = log Z - gold score, mean over the batch (as the CRF's reduction="mean")."""
        return (self.log_partition(scores) - self.gold_score(scores, tags)).mean()

    def marginals(self, scores: torch.Tensor) -> torch.Tensor:
        """Posterior p(bar in span) (B,T): d log Z / d in-emission (the expected in-span indicator)."""
        with torch.enable_grad():
            leaf = scores.detach().clone().requires_grad_(True)
            (grad,) = torch.autograd.grad(self.log_partition(leaf).sum(), leaf)
        return grad[..., 1]

    @torch.no_grad()
    def viterbi(self, scores: torch.Tensor) -> torch.Tensor:
        """Best segmentation per window as 0/1 tags (B,T) int64. Ties: out before in; the latest start."""
        batch, length, _ = scores.shape
        seg = self.segment_scores(scores)
        paths = torch.zeros(batch, length, dtype=torch.long)
        for b in range(batch):
            open_ = [0.0]
            closed, start_of, after_segment = [], [], [False]
            for e in range(length):
                candidates = [(open_[s] + float(seg[b, s, e]), s) for s in range(e, -1, -1)]
                best, best_start = candidates[0]
                for value, s in candidates[1:]:
                    if value > best:
                        best, best_start = value, s
                closed.append(best)
                start_of.append(best_start)
                from_segment = e > 0 and closed[e - 1] > open_[e]
                after_segment.append(from_segment)
                open_.append(float(scores[b, e, 0]) + (closed[e - 1] if from_segment else open_[e]))
            in_segment = closed[length - 1] > open_[length]
            t = length - 1
            while t >= 0:
                if in_segment:
                    s = start_of[t]
                    paths[b, s: t + 1] = 1
                    t, in_segment = s - 1, False
                else:
                    in_segment = after_segment[t + 1]
                    t -= 1
        return paths

    def single_span_scores(self, scores: torch.Tensor) -> torch.Tensor:
        """(B,T,T): score of the path whose only in-span segment is [s,e] (-inf where impossible)."""
        outside = scores[..., 0]
        prefix = torch.cat([torch.zeros(scores.shape[0], 1, dtype=scores.dtype), torch.cumsum(outside, dim=1)], dim=1)
        out_inside = prefix[:, None, 1:] - prefix[:, :-1, None]
        return self.segment_scores(scores) + (prefix[:, -1:, None] - out_inside)

    def span_log_posterior(self, scores: torch.Tensor) -> torch.Tensor:
        """log p([s,e] | exactly one span) (B, T(T+1)/2), start-major (spanIndex order, docs/spec.md §12)."""
        length = scores.shape[1]
        rows, cols = torch.triu_indices(length, length)  # row-major: s ascending, then e ascending
        flat = self.single_span_scores(scores)[:, rows, cols]
        return torch.log_softmax(flat, dim=1)

    def single_span(self, scores: torch.Tensor):
        """Best single-span path per window: ((B,2) [start, end] int64, (B,) score). Ties: earliest end, latest start."""
        length = scores.shape[1]
        table = self.single_span_scores(scores)
        spans, values = [], []
        for b in range(scores.shape[0]):
            best, best_span = float("-inf"), (0, 0)
            for e in range(length):
                for s in range(e, -1, -1):
                    value = float(table[b, s, e])
                    if value > best:
                        best, best_span = value, (s, e)
            spans.append(best_span)
            values.append(best)
        return torch.tensor(spans, dtype=torch.long), torch.tensor(values, dtype=scores.dtype)


class JadeCompact(nn.Module):
    def __init__(self, n_features: int = N_FEATURES, hidden: int = HIDDEN, use_crf: bool = False,
                 use_segment_crf: bool = False) -> None:
        super().__init__()
        assert not (use_crf and use_segment_crf), "one span head"
        self.use_crf = use_crf
        self.use_segment_crf = use_segment_crf
        self.input_dropout = nn.Dropout(0.3)
        self.lstm = nn.LSTM(n_features, hidden, num_layers=1, batch_first=True, bidirectional=True)
        self.projection = nn.Sequential(nn.Linear(2 * hidden, 64), nn.ReLU())
        self.classifier = nn.Sequential(nn.Dropout(0.6), nn.Linear(64, N_CLASSES))
        self.pointer_head = nn.Sequential(nn.Dropout(0.6), nn.Linear(64, 2))
        self.expansion_span_emission = nn.Sequential(nn.Dropout(0.6), nn.Linear(2 * hidden, 4 if use_segment_crf else 2 if use_crf else 1))
        self.expansion_countdown_head = nn.Sequential(nn.Dropout(0.6), nn.Linear(2 * hidden, 1))
        self.crf: Optional[LinearChainCRF] = LinearChainCRF(2) if use_crf else None
        self.segment_crf: Optional[SegmentCRF] = SegmentCRF() if use_segment_crf else None
        self.log_sigma_ptr = nn.Parameter(torch.tensor(-0.30))
        self.log_sigma_type = nn.Parameter(torch.tensor(0.0))
        self.log_sigma_span = nn.Parameter(torch.tensor(0.0))
        self.log_sigma_countdown = nn.Parameter(torch.tensor(0.0))

        n = sum(p.numel() for p in self.parameters())
        expected = PARAMETER_COUNT["segment_crf" if use_segment_crf else "crf" if use_crf else "soft"]
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
        if self.use_segment_crf:
            out["span_scores"] = emission  # (B,T,4) out, in, start boundary, end boundary
        elif self.use_crf:
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
    if model.use_segment_crf:
        assert model.segment_crf is not None
        l_span = model.segment_crf.neg_log_likelihood(out["span_scores"], tg.mask.long())
    elif model.use_crf:
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
    for use_crf, use_segment_crf in ((False, False), (True, False), (False, True)):
        m = JadeCompact(use_crf=use_crf, use_segment_crf=use_segment_crf)
        print("segment_crf" if use_segment_crf else "crf" if use_crf else "soft", sum(p.numel() for p in m.parameters()))
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
    _segment_self_check()
    print("self-check ok")


def _segment_self_check() -> None:
    """The segment CRF against all 2^T tag paths (T <= 8), for several L and scores up to +-1e3."""
    import itertools
    gen = torch.Generator().manual_seed(1)
    for length, max_length, scale in ((1, 1, 1.0), (5, 2, 1.0), (7, 7, 3.0), (8, 3, 1e3), (8, 10, 2.0)):
        seg = SegmentCRF(max_length).double()
        with torch.no_grad():
            seg.length_scores.copy_((torch.rand(max_length, generator=gen, dtype=torch.float64) * 2 - 1) * scale)
        scores = (torch.rand(2, length, 4, generator=gen, dtype=torch.float64) * 2 - 1) * scale
        paths = torch.tensor(list(itertools.product([0, 1], repeat=length)))

        def longest_run(path: torch.Tensor) -> int:
            best = run = 0
            for y in path.tolist():
                run = run + 1 if y else 0
                best = max(best, run)
            return best

        paths = paths[torch.tensor([longest_run(p) <= max_length for p in paths])]
        log_z = seg.log_partition(scores)
        marginals = seg.marginals(scores)
        viterbi = seg.viterbi(scores)
        posterior = seg.span_log_posterior(scores)
        single, single_score = seg.single_span(scores)
        for b in range(2):
            path_scores = torch.stack([seg.gold_score(scores[b:b + 1], p.view(1, -1))[0] for p in paths]).detach()
            brute_z = torch.logsumexp(path_scores, 0)
            assert abs(float(brute_z - log_z[b])) < 1e-9 * max(1.0, abs(float(brute_z))), "segment log Z"
            weights = torch.exp(path_scores - brute_z)
            assert torch.allclose((weights[:, None] * paths).sum(0), marginals[b], atol=1e-9), "segment marginals"
            assert torch.equal(paths[path_scores.argmax()], viterbi[b]), "semi-Markov Viterbi"
            # exactly one run: the paths with one block of ones, start-major
            singles = [(s, e) for s in range(length) for e in range(s, length)]
            one = torch.stack([seg.gold_score(scores[b:b + 1], torch.tensor([[1 if s <= t <= e else 0 for t in range(length)]]))[0]
                               if e - s + 1 <= max_length else torch.tensor(float("-inf"), dtype=torch.float64)
                               for s, e in singles]).detach()
            assert torch.allclose(torch.log_softmax(one, 0), posterior[b], atol=1e-9 * scale), "span log posterior"
            assert singles[int(one.argmax())] == tuple(single[b].tolist()), "single span"
            assert abs(float(one.max() - single_score[b])) < 1e-9 * scale, "single span score"
        # the NLL's autograd gradient w.r.t. the length scores = expected - gold segment counts
        tags = viterbi
        seg.zero_grad()
        seg.neg_log_likelihood(scores, tags).backward()
        assert seg.length_scores.grad is not None and torch.isfinite(seg.length_scores.grad).all()


if __name__ == "__main__":
    _self_check()
