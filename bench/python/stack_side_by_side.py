#!/usr/bin/env python3
"""The Python reference for `stack-N`: the same model, optimizer and batch in PyTorch, timed in
the three modes the harness times, modes interleaved round by round, so that its ratios can be
set beside `./revnet profile --model stack-N` on the same machine.

  stored      ordinary autograd
  reversible  one torch.autograd.Function over the stack: forward without a graph, backward
              walks the blocks in reverse, reconstructing each block's input (Algorithm 1 of
              Gomez et al.), with BatchNorm's running statistics frozen while it recomputes
  checkpoint  torch.utils.checkpoint around every block

The model is the harness's stack-N: a bias-free 3x3 stem to 32 channels, N reversible blocks
whose F and G are pre-activation basic functions (BN, ReLU, 3x3 conv, twice) on 16 channels,
then BN, ReLU, global average pooling and a linear classifier; SGD lr 0.1, momentum 0.9, weight
decay 1e-4; cross-entropy on a fixed random batch.

Usage: stack_side_by_side.py [--blocks 16] [--batch 32] [--rounds 15] [--warmup 2] [--threads 2] [--check]
--check first compares the three modes' float64 gradients (so the reference is known to compute
what the harness computes, not less). Prints one JSON object: per-mode step medians (ms) and per-round ratios to stored with the
median and its 95% order-statistics interval (the same statistic as the harness's).
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as functional
from torch.utils.checkpoint import checkpoint


def basic_function(channels):
    return nn.Sequential(
        nn.BatchNorm2d(channels), nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels), nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1, bias=False))


class ReversibleBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.f = basic_function(channels // 2)
        self.g = basic_function(channels // 2)

    def forward(self, x):
        x1, x2 = x.chunk(2, dim=1)
        y1 = x1 + self.f(x2)
        y2 = x2 + self.g(y1)
        return torch.cat([y1, y2], dim=1)

    def backward_pass(self, y, dy):
        """Algorithm 1: from the block's output and its gradient, the input and its gradient;
        accumulates the parameters' gradients."""
        y1, y2 = y.chunk(2, dim=1)
        dy1, dy2 = dy.chunk(2, dim=1)
        with torch.enable_grad():
            z1 = y1.detach().requires_grad_()
            g = self.g(z1)
        with torch.no_grad():
            x2 = y2 - g
        with torch.enable_grad():
            x2 = x2.detach().requires_grad_()
            f = self.f(x2)
        torch.autograd.backward(g, dy2)
        with torch.no_grad():
            dz1 = dy1 + z1.grad
        torch.autograd.backward(f, dz1)
        with torch.no_grad():
            x1 = y1 - f
            dx2 = dy2 + x2.grad
            return torch.cat([x1, x2.detach()], dim=1), torch.cat([dz1, dx2], dim=1)


def frozen_statistics(blocks, frozen):
    for block in blocks:
        for m in block.modules():
            if isinstance(m, nn.BatchNorm2d):
                if frozen:
                    m.saved_momentum, m.momentum = m.momentum, 0.0
                else:
                    m.momentum = m.saved_momentum


class ReversibleStackFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, blocks, *params):
        with torch.no_grad():
            for block in blocks:
                x = block(x)
        ctx.blocks = blocks
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, dy):
        y, = ctx.saved_tensors
        frozen_statistics(ctx.blocks, True)
        for block in reversed(ctx.blocks):
            y, dy = block.backward_pass(y, dy)
        frozen_statistics(ctx.blocks, False)
        return (dy, None) + (None,) * sum(1 for b in ctx.blocks for _ in b.parameters())


class Stack(nn.Module):
    def __init__(self, blocks, width=32, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.blocks = nn.ModuleList(ReversibleBlock(width) for _ in range(blocks))
        self.norm = nn.BatchNorm2d(width)
        self.classifier = nn.Linear(width, classes)

    def forward(self, x, mode):
        x = self.stem(x)
        if mode == "stored":
            for block in self.blocks:
                x = block(x)
        elif mode == "checkpoint":
            for block in self.blocks:
                x = checkpoint(block, x)
        else:
            x = ReversibleStackFunction.apply(x, list(self.blocks), *self.blocks.parameters())
        x = functional.relu(self.norm(x))
        return self.classifier(functional.adaptive_avg_pool2d(x, 1).flatten(1))


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def median_interval(values, confidence=0.95):
    """Distribution-free interval for the median from order statistics: the widest symmetric pair
    of ranks (l, n + 1 - l) whose binomial(n, 1/2) coverage is at least the confidence."""
    s = sorted(values)
    n = len(s)
    cdf = lambda k: sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    low = None
    for lower in range(n // 2, 0, -1):
        if 1 - 2 * cdf(lower - 1) >= confidence:
            low = lower
            break
    if low is None:
        return None
    return [s[low - 1], s[n - low]]


def check_gradients(blocks):
    """The largest relative difference between stored mode's parameter gradients and each other
    mode's, in float64, for a fresh stack-`blocks` on a batch of 4."""
    torch.manual_seed(1)
    model = Stack(blocks).double()
    images = torch.randn(4, 3, 32, 32, dtype=torch.float64)
    labels = torch.randint(0, 10, (4,))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    grads = {}
    for mode in ["stored", "reversible", "checkpoint"]:
        model.load_state_dict(state)
        model.zero_grad(set_to_none=True)
        functional.cross_entropy(model(images, mode), labels).backward()
        grads[mode] = [p.grad.clone() for p in model.parameters()]
    return {mode: max(((a - b).norm() / b.norm()).item() for a, b in zip(grads[mode], grads["stored"]))
            for mode in ["reversible", "checkpoint"]}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--blocks", type=int, default=16)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--check", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    check = None
    if a.check:
        check = check_gradients(min(a.blocks, 4))
        print(f"float64 gradients against stored mode: {check}", file=sys.stderr)
        if max(check.values()) > 1e-10:
            sys.exit(f"the reference's gradients differ from stored mode's: {check}")
    torch.manual_seed(1)
    model = Stack(a.blocks)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    torch.manual_seed(2)
    images = torch.randn(a.batch, 3, 32, 32)
    labels = torch.randint(0, 10, (a.batch,))
    modes = ["stored", "reversible", "checkpoint"]

    def step(mode):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = functional.cross_entropy(model(images, mode), labels)
        loss.backward()
        optimizer.step()
        loss.item()
        return (time.perf_counter() - start) * 1000

    times = {m: [] for m in modes}
    for r in range(a.warmup + a.rounds):
        # The harness's rotation: round r starts at mode (r + r / M) % M.
        first = (r + r // len(modes)) % len(modes)
        for i in range(len(modes)):
            mode = modes[(first + i) % len(modes)]
            ms = step(mode)
            if r >= a.warmup:
                times[mode].append(ms)
        print(f"round {r + 1}/{a.warmup + a.rounds}" + (" (warm-up)" if r < a.warmup else ""), file=sys.stderr)
    out = {"torch": torch.__version__, "threads": a.threads, "blocks": a.blocks, "batch": a.batch, "rounds": a.rounds,
           "step_ms": {m: median(times[m]) for m in modes}, "gradient_check": check}
    for m in modes[1:]:
        ratios = [t / s for t, s in zip(times[m], times["stored"])]
        out[m + "_ratio"] = {"median": median(ratios), "interval95": median_interval(ratios)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
