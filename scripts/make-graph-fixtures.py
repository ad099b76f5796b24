#!/usr/bin/env python3
"""Reference loss, gradient and Hessian-vector product from PyTorch float64 for the graph layer's models.

Writes test/fixtures/torch-graph.json: for each model (a CNN with BatchNorm, a CNN with GELU and average
pooling, a residual MLP, a transformer block, a causal one) its spec as numeric/graph/models.ts takes it,
parameters in the graph's flat layout (the builder's order), data, a direction v, and PyTorch's loss,
gradient and H v (autograd, double backward). The models are written here with torch.nn.functional, op by
op, independently of the TypeScript. Run with Debian's interpreter (python3-torch):
    /usr/bin/python3 scripts/make-graph-fixtures.py
"""
import json
import math
import pathlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(20261201)


def randn(*shape):
    return torch.randn(*shape, generator=gen)


def act_fn(act):
    return {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "gelu": lambda z: F.gelu(z, approximate="tanh"),
        "linear": lambda z: z,
    }[act["kind"]]


def loss_fn(kind, f, y):
    if kind == "mse":
        return ((f - y) ** 2).sum() / (2 * f.shape[0])
    return -(y * torch.log_softmax(f, dim=-1)).sum() / f.shape[0]


def standardise(z, dims):
    c = z - z.mean(dim=dims, keepdim=True)
    return c / torch.sqrt((c * c).mean(dim=dims, keepdim=True))  # eps = 0


class Params:
    """Slices of the flat parameter vector, in the order the model asks for them (the builder's)."""

    def __init__(self, theta):
        self.theta, self.at = theta, 0

    def take(self, *shape):
        n = math.prod(shape)
        p = self.theta[self.at : self.at + n].reshape(*shape)
        self.at += n
        return p


def count(spec, kind):
    """Number of parameters, by running the model on a long enough zero vector."""
    p = Params(torch.zeros(10**6))
    try:
        MODELS[kind](spec, p, None)
    except Exception:  # noqa: BLE001 - only the shapes matter here
        pass
    return p.at


def cnn(s, p, x):
    sizes = []
    channels = s["input"][1]
    for c in s["convs"]:
        sizes.append((p.take(c["channels"], channels, c["k"], c["k"]), p.take(c["channels"]), c))
        channels = c["channels"]
    W, b = p.take(s["classes"], channels), p.take(s["classes"])
    if x is None:
        return None
    for K, cb, c in sizes:
        x = F.conv2d(x, K, stride=c["stride"], padding=c["pad"]) + cb.reshape(1, -1, 1, 1)
        if s["batchNorm"]:
            x = standardise(x, (0, 2, 3))
        x = act_fn(s["act"])(x)
        if s["pool"] > 1:
            x = F.avg_pool2d(x, s["pool"])
    return x.mean(dim=(2, 3)) @ W.T + b


def residual(s, p, x):
    W_in, b_in = p.take(s["width"], s["inputs"]), p.take(s["width"])
    blocks = [
        (p.take(s["hidden"], s["width"]), p.take(s["hidden"]), p.take(s["width"], s["hidden"]), p.take(s["width"]))
        for _ in range(s["blocks"])
    ]
    W, b = p.take(s["outputs"], s["width"]), p.take(s["outputs"])
    if x is None:
        return None
    h = x @ W_in.T + b_in
    for Wa, ba, Wb, bb in blocks:
        h = h + act_fn(s["act"])(h @ Wa.T + ba) @ Wb.T + bb
    return h @ W.T + b


def transformer(s, p, x):
    N, T, d, H, dh = s["batch"], s["tokens"], s["dim"], s["heads"], s["headDim"]
    qkv = [(p.take(H * dh, d), p.take(H * dh)) for _ in range(3)]
    W_O, b_O = p.take(d, H * dh), p.take(d)
    ln = (p.take(d), p.take(d)) if s["layerNorm"] else None
    W_1, b_1, W_2, b_2 = p.take(s["hidden"], d), p.take(s["hidden"]), p.take(d, s["hidden"]), p.take(d)
    W, b = p.take(s["outputs"], d), p.take(s["outputs"])
    if x is None:
        return None
    X = x.reshape(N * T, d)
    Q, K, V = [(X @ Wm.T + bm).reshape(N, T, H, dh).permute(0, 2, 1, 3) for Wm, bm in qkv]
    S = Q @ K.transpose(-1, -2) / math.sqrt(dh)
    if s["causal"]:
        S = S.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1), float("-inf"))
    O = (torch.softmax(S, dim=-1) @ V).permute(0, 2, 1, 3).reshape(N * T, H * dh)
    h = X + O @ W_O.T + b_O
    if ln is not None:
        h = standardise(h, (1,)) * ln[0] + ln[1]
    h = h + act_fn(s["act"])(h @ W_1.T + b_1) @ W_2.T + b_2
    return h.reshape(N, T, d).mean(dim=1) @ W.T + b


MODELS = {"cnn": cnn, "residual": residual, "transformer": transformer}


def shapes(kind, s):
    if kind == "cnn":
        return list(s["input"]), [s["input"][0], s["classes"]]
    if kind == "residual":
        return [s["batch"], s["inputs"]], [s["batch"], s["outputs"]]
    return [s["batch"], s["tokens"], s["dim"]], [s["batch"], s["outputs"]]


def fixture(name, kind, spec):
    n = count(spec, kind)
    theta = randn(n) * 0.5
    xs, ys = shapes(kind, spec)
    x = randn(*xs)
    if spec["loss"] == "ce":
        y = F.one_hot(torch.randint(0, ys[1], (ys[0],), generator=gen), ys[1]).to(torch.float64)
    else:
        y = randn(*ys)
    v = randn(n)
    t = theta.clone().requires_grad_(True)
    loss = loss_fn(spec["loss"], MODELS[kind](spec, Params(t), x), y)
    (g,) = torch.autograd.grad(loss, t, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, t)
    flat = lambda a: a.detach().reshape(-1).tolist()  # noqa: E731
    return {
        "name": name,
        "kind": kind,
        "spec": spec,
        "theta": flat(theta),
        "x": flat(x),
        "y": flat(y),
        "v": flat(v),
        "loss": loss.item(),
        "grad": flat(g),
        "hv": flat(hv),
    }


def main():
    tf = dict(batch=2, tokens=4, dim=6, heads=2, headDim=3, hidden=5, outputs=3, loss="ce")
    cases = [
        fixture(
            "CNN, BatchNorm, tanh",
            "cnn",
            dict(
                input=[3, 2, 6, 6],
                convs=[dict(channels=3, k=3, stride=1, pad=1), dict(channels=4, k=2, stride=2, pad=0)],
                batchNorm=True,
                act={"kind": "tanh"},
                pool=1,
                classes=3,
                loss="ce",
            ),
        ),
        fixture(
            "CNN, GELU, average pooling, squared loss",
            "cnn",
            dict(
                input=[2, 1, 8, 8],
                convs=[dict(channels=2, k=3, stride=1, pad=0)],
                batchNorm=False,
                act={"kind": "gelu"},
                pool=2,
                classes=2,
                loss="mse",
            ),
        ),
        fixture(
            "residual MLP, ReLU",
            "residual",
            dict(batch=4, inputs=3, width=4, hidden=5, blocks=2, outputs=2, act={"kind": "relu"}, loss="mse"),
        ),
        fixture(
            "transformer block, LayerNorm",
            "transformer",
            dict(tf, causal=False, layerNorm=True, act={"kind": "gelu"}),
        ),
        fixture(
            "causal transformer block",
            "transformer",
            dict(tf, causal=True, layerNorm=False, act={"kind": "relu"}),
        ),
    ]
    out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "torch-graph.json"
    out.write_text(json.dumps({"torch": torch.__version__, "cases": cases}) + "\n")
    print(f"wrote {out} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
