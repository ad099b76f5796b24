#!/usr/bin/env python3
"""PyTorch float64 reference for bench/autodiff.js: time of loss + gradient + H v (double backward)
for the same MLP shapes, batch 32, softmax cross-entropy, ReLU.

Written the way a PyTorch user would write it: one leaf tensor per weight and bias, F.linear,
autograd.grad with create_graph for the gradient and a second grad of g·v for H v. Usage:

    torch_ref.py SHAPES_JSON THREADS

Prints one JSON object: {"blas": [shared objects mapped], "threads": N, "ms": {"8-8-4": ms, ...}}.
Which BLAS the process uses is read from /proc/self/maps after a float64 matmul, not assumed.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
threads = int(sys.argv[2])
torch.set_num_threads(threads)
shapes = json.loads(sys.argv[1])

# Touch BLAS once so the library is mapped, then name it.
torch.randn(64, 64) @ torch.randn(64, 64)
try:
    with open("/proc/self/maps") as maps:
        blas = sorted({l.split()[-1] for l in maps if "blas" in l.split()[-1].lower()})
except OSError:
    blas = []

ms = {}
for widths in shapes:
    g = torch.Generator().manual_seed(0)
    params = []
    for a, b in zip(widths[:-1], widths[1:]):
        params.append((torch.randn(b, a, generator=g) / a ** 0.5).requires_grad_(True))
        params.append(torch.zeros(b).requires_grad_(True))
    X = torch.randn(32, widths[0], generator=g)
    y = torch.randint(widths[-1], (32,), generator=g)
    vs = [torch.randn(p.shape, generator=g) for p in params]
    last = len(widths) - 2

    def loss():
        a = X
        for i in range(len(widths) - 1):
            a = F.linear(a, params[2 * i], params[2 * i + 1])
            if i < last:
                a = torch.relu(a)
        return F.cross_entropy(a, y)

    def step():
        L = loss()
        gs = torch.autograd.grad(L, params, create_graph=True)
        gv = sum((gi * vi).sum() for gi, vi in zip(gs, vs))
        hv = torch.autograd.grad(gv, params)
        return float(L), float(sum(h.sum() for h in hv))

    # a quarter of a second of warm-up steps (at least one), as noether's side
    w0 = time.perf_counter()
    step()
    while time.perf_counter() - w0 < 0.25:
        step()
    # the median step of those run in about a second (at least 3): a shared machine's stalls fall
    # in a few steps, which a mean would spread over all
    times, t0 = [], time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - t0 < 1.0 and len(times) < 200):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    ms["-".join(map(str, widths))] = statistics.median(times) * 1000
print(json.dumps({"blas": blas, "threads": threads, "ms": ms}))
