#!/usr/bin/env python3
"""Reference gradients and Hessian-vector products from PyTorch float64 (autograd, double backward).

Writes test/fixtures/torch-mlp.json: for every architecture kind (activation x normalisation x loss),
a small network's parameters (in noether's flat layout: W1, b1, gamma1, beta1, W2, ...), a batch, a
direction v, and PyTorch's loss, gradient and H v. Run with Debian's interpreter (python3-torch):
    /usr/bin/python3 scripts/make-fixtures.py
"""
import json
import pathlib

import torch

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(20261123)


def randn(*shape):
    return torch.randn(*shape, generator=gen)


ACTS = {
    "relu": ({"kind": "relu"}, torch.relu),
    "leaky": ({"kind": "leaky", "slope": 0.1}, lambda z: torch.nn.functional.leaky_relu(z, 0.1)),
    "linear": ({"kind": "linear"}, lambda z: z),
    "tanh": ({"kind": "tanh"}, torch.tanh),
    "poly2": ({"kind": "poly", "degree": 2}, lambda z: z ** 2),
    "poly3": ({"kind": "poly", "degree": 3}, lambda z: z ** 3),
}


def normalise(z, norm):
    dim = 0 if norm == "batch" else 1
    c = z - z.mean(dim=dim, keepdim=True)
    return c / torch.sqrt((c * c).mean(dim=dim, keepdim=True))  # eps = 0, biased variance


def case(act_name, norm, loss, affine, bias=True, widths=(3, 4, 4, 3), batch=5):
    act_spec, act = ACTS[act_name]
    blocks = []
    for l in range(1, len(widths)):
        blocks.append((f"W{l}", (widths[l], widths[l - 1])))
        if bias:
            blocks.append((f"b{l}", (widths[l],)))
        if l < len(widths) - 1 and norm != "none" and affine:
            blocks.append((f"gamma{l}", (widths[l],)))
            blocks.append((f"beta{l}", (widths[l],)))
    values = []
    for name, shape in blocks:
        t = randn(*shape) * (0.8 if name.startswith("W") else 0.3)
        if name.startswith("gamma"):
            t = 1 + 0.3 * randn(*shape)
        values.append(t)
    theta = torch.cat([t.reshape(-1) for t in values]).requires_grad_(True)
    X = randn(batch, widths[0])
    if loss == "ce":
        Y = torch.zeros(batch, widths[-1])
        Y[torch.arange(batch), torch.randint(widths[-1], (batch,), generator=gen)] = 1
    else:
        Y = randn(batch, widths[-1])
    v = randn(theta.numel())

    def forward(th):
        params, off = {}, 0
        for name, shape in blocks:
            n = 1
            for s in shape:
                n *= s
            params[name] = th[off:off + n].reshape(shape)
            off += n
        a = X
        L = len(widths) - 1
        for l in range(1, L + 1):
            z = a @ params[f"W{l}"].T
            if bias:
                z = z + params[f"b{l}"]
            if l == L:
                a = z
                break
            if norm != "none":
                z = normalise(z, norm)
                if affine:
                    z = params[f"gamma{l}"] * z + params[f"beta{l}"]
            a = act(z)
        if loss == "mse":
            return ((a - Y) ** 2).sum() / (2 * batch)
        return (torch.logsumexp(a, dim=1) - (Y * a).sum(dim=1)).mean()

    L = forward(theta)
    (g,) = torch.autograd.grad(L, theta, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, theta)
    return {
        "spec": {"widths": list(widths), "act": act_spec, "norm": norm, "affine": affine, "loss": loss, "bias": bias},
        "theta": theta.detach().tolist(),
        "X": X.tolist(),
        "Y": Y.tolist(),
        "v": v.tolist(),
        "loss": L.item(),
        "grad": g.detach().tolist(),
        "hv": hv.tolist(),
    }


cases = []
for act_name in ACTS:
    for norm in ("none", "batch", "layer"):
        for loss in ("mse", "ce"):
            cases.append(case(act_name, norm, loss, affine=(norm != "none" and loss == "ce")))
cases.append(case("relu", "none", "ce", affine=False, bias=False, widths=(4, 6, 3)))
# Layers whose products run on the WebAssembly kernels (at least 4096 multiply-adds per product).
cases.append(case("relu", "batch", "ce", affine=True, widths=(16, 32, 24, 4), batch=12))
cases.append(case("tanh", "layer", "mse", affine=False, widths=(24, 40, 3), batch=8))
out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "torch-mlp.json"
record = {"generator": "scripts/make-fixtures.py", "torch": torch.__version__, "cases": cases}
out.write_text(json.dumps(record, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out}")
