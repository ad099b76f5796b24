#!/usr/bin/env python3
"""PyTorch float64 reference for bench/autodiff.js: time of loss + gradient + H v (double backward)
for the same MLP shapes, batch 32, softmax cross-entropy, ReLU. Prints one JSON object."""
import json
import sys
import time

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
shapes = json.loads(sys.argv[1])
out = {}
for widths in shapes:
    g = torch.Generator().manual_seed(0)
    params = []
    for a, b in zip(widths[:-1], widths[1:]):
        params += [torch.randn(b, a, generator=g) / a ** 0.5, torch.zeros(b)]
    theta = torch.cat([p.reshape(-1) for p in params]).requires_grad_(True)
    X = torch.randn(32, widths[0], generator=g)
    y = torch.randint(widths[-1], (32,), generator=g)
    v = torch.randn(theta.numel(), generator=g)

    def loss(th):
        off, a = 0, X
        for i, (m, n) in enumerate(zip(widths[:-1], widths[1:])):
            W = th[off:off + m * n].reshape(n, m); off += m * n
            b = th[off:off + n]; off += n
            a = a @ W.T + b
            if i < len(widths) - 2:
                a = torch.relu(a)
        return torch.nn.functional.cross_entropy(a, y)

    def step():
        L = loss(theta)
        (gr,) = torch.autograd.grad(L, theta, create_graph=True)
        (hv,) = torch.autograd.grad(gr @ v, theta)
        return float(L), float(hv.sum())

    step()
    reps, t0 = 0, time.perf_counter()
    while reps < 3 or (time.perf_counter() - t0 < 1.0 and reps < 200):
        step()
        reps += 1
    out["-".join(map(str, widths))] = (time.perf_counter() - t0) / reps * 1000
print(json.dumps(out))
