#!/usr/bin/env python3
"""ONNX models of small CNNs and transformer blocks, and PyTorch's float64 loss and gradient with them,
for test/model/onnxGraph.test.ts.

Writes test/fixtures/onnx/<name>.onnx for every model below and test/fixtures/onnx/graph-reference.json:
for every model, the spec noether should read, a float64 batch (inputs X, targets Y), and PyTorch's
loss and gradient at the model's weights (by state_dict key), with noether's semantics: BatchNorm and
LayerNorm with eps = 0, BatchNorm on the batch's statistics (training mode), the loss ½-mean squared
error summed over outputs (mse) or softmax cross-entropy of the logits before the Softmax/LogSoftmax
head (ce), both averaged over the batch.

The CNNs are exported in training mode (in eval mode the exporter folds BatchNorm into the convs). The
transformer blocks are hand-written modules of noether's block shape (numeric/graph/models.ts): Linear
Q, K, V projections, heads by reshape and transpose, scores divided by sqrt(d_head), an additive causal
mask buffer (0 on and below the diagonal, -inf above), softmax, output projection with residual,
optional LayerNorm, an MLP with residual, the mean over tokens and a Linear head. Run with Debian's
interpreter (python3-torch):
    /usr/bin/python3 scripts/make-onnx-graph-fixtures.py
"""
import inspect
import io
import json
import math
import pathlib

import torch
from torch import nn

torch.set_default_dtype(torch.float64)
OUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "onnx"
SEED = 20261201


class Cnn(nn.Module):
    """Conv (+ bias) -> [BatchNorm2d, eps 0] -> activation -> [AvgPool k], repeated; global average
    pool (GlobalAveragePool + Flatten, or a mean over H, W); Linear; [LogSoftmax]."""

    def __init__(self, channels, convs, act, pool, bn, classes, head, mean_pool):
        super().__init__()
        layers = []
        for c, k, s, p in convs:
            layers.append(nn.Conv2d(channels, c, k, stride=s, padding=p))
            if bn:
                layers.append(nn.BatchNorm2d(c, eps=0.0))
            layers.append(act())
            if pool > 1:
                layers.append(nn.AvgPool2d(pool))
            channels = c
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(channels, classes)
        self.head = head
        self.mean_pool = mean_pool

    def forward(self, x):
        x = self.features(x)
        x = x.mean((2, 3)) if self.mean_pool else nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        x = self.fc(x)
        return torch.log_softmax(x, -1) if self.head else x

    def logits(self, x):
        x = self.features(x)
        return self.fc(x.mean((2, 3)))


class Block(nn.Module):
    """noether's transformer block (numeric/graph/models.ts transformerGraph) on [N, T, d]."""

    def __init__(self, d, heads, dh, hidden, outputs, tokens, causal, layer_norm, act, head):
        super().__init__()
        self.h, self.dh = heads, dh
        self.q, self.k, self.v = (nn.Linear(d, heads * dh) for _ in range(3))
        self.o = nn.Linear(heads * dh, d)
        self.norm = nn.LayerNorm(d, eps=0.0) if layer_norm else None
        self.fc1, self.fc2 = nn.Linear(d, hidden), nn.Linear(hidden, d)
        self.out = nn.Linear(d, outputs)
        self.act = act
        self.head = head
        if causal:
            self.register_buffer("mask", torch.triu(torch.full((tokens, tokens), float("-inf")), 1))
        else:
            self.mask = None

    def logits(self, x):
        N, T, _ = x.shape

        def split(y):
            return y.reshape(N, T, self.h, self.dh).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        a = q @ k.transpose(-2, -1) / math.sqrt(self.dh)
        if self.mask is not None:
            a = a + self.mask
        z = (torch.softmax(a, -1) @ v).transpose(1, 2).reshape(N, T, self.h * self.dh)
        h = x + self.o(z)
        if self.norm is not None:
            h = self.norm(h)
        h = h + self.fc2(self.act(self.fc1(h)))
        return self.out(h.mean(1))

    def forward(self, x):
        f = self.logits(x)
        return torch.softmax(f, -1) if self.head else f


def perturb(model):
    """Norm parameters away from their initial 1 / 0 (so that a misread one shows)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)) and m.weight is not None:
                m.weight.copy_(1 + 0.3 * torch.randn_like(m.weight))
                m.bias.copy_(0.3 * torch.randn_like(m.bias))


def export(model, name, x, training):
    kw = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    if training:
        kw["training"] = torch.onnx.TrainingMode.TRAINING
        model.train()
    else:
        model.eval()
    f = io.BytesIO()
    torch.onnx.export(model, x, f, opset_version=17, input_names=["x"], output_names=["y"], **kw)
    (OUT / f"{name}.onnx").write_bytes(f.getvalue())


def reference(name, model, x_shape, spec, loss, training=False):
    torch.manual_seed(SEED)
    perturb(model)
    X = torch.randn(*x_shape)
    export(model, name, X, training)
    B = x_shape[0]
    outputs = model.out.out_features if isinstance(model, Block) else model.fc.out_features
    if loss == "ce":
        Y = nn.functional.one_hot(torch.randint(outputs, (B,)), outputs).double()
    else:
        Y = torch.randn(B, outputs)
    model.train()
    model.zero_grad()
    F = model.logits(X)
    if loss == "ce":
        L = -(Y * torch.log_softmax(F, -1)).sum() / B
    else:
        L = ((F - Y) ** 2).sum() / (2 * B)
    L.backward()
    return {
        "name": name,
        "spec": spec,
        "parameters": [k for k, _ in model.named_parameters()],
        "tensors": {k: v.detach().tolist() for k, v in model.named_parameters()},
        "X": X.reshape(-1).tolist(),
        "Y": Y.reshape(-1).tolist(),
        "loss": L.item(),
        "grad": {k: v.grad.tolist() for k, v in model.named_parameters()},
    }


RELU, TANH = {"kind": "relu"}, {"kind": "tanh"}
LEAKY = {"kind": "leaky", "slope": 0.1}


def cnn_spec(input, convs, act, pool, bn, classes, loss):
    s = {
        "input": input,
        "convs": [{"channels": c, "k": k, "stride": st, "pad": p} for c, k, st, p in convs],
        "batchNorm": bn,
        "act": act,
        "pool": pool,
        "classes": classes,
        "loss": loss,
    }
    if bn:
        s["affine"] = True
    return s


def tf_spec(**kw):
    return {
        "batch": kw["batch"],
        "tokens": kw["tokens"],
        "dim": kw["dim"],
        "heads": kw["heads"],
        "headDim": kw["dh"],
        "hidden": kw["hidden"],
        "causal": kw["causal"],
        "layerNorm": kw["layer_norm"],
        "act": kw["act"],
        "outputs": kw["outputs"],
        "loss": kw["loss"],
    }


def cnn(name, input, convs, act, act_spec, pool, bn, classes, loss, mean_pool):
    torch.manual_seed(SEED)
    model = Cnn(input[1], convs, act, pool, bn, classes, loss == "ce", mean_pool)
    spec = cnn_spec(input, convs, act_spec, pool, bn, classes, loss)
    return reference(name, model, input, spec, loss, training=bn)


def block(name, **kw):
    torch.manual_seed(SEED)
    act = {"relu": torch.relu, "tanh": torch.tanh}[kw["act"]["kind"]]
    model = Block(
        kw["dim"], kw["heads"], kw["dh"], kw["hidden"], kw["outputs"], kw["tokens"], kw["causal"],
        kw["layer_norm"], act, kw["loss"] == "ce",
    )
    return reference(name, model, (kw["batch"], kw["tokens"], kw["dim"]), tf_spec(**kw), kw["loss"])


def main():
    models = [
        cnn("cnn-batchnorm", [3, 2, 6, 6], [(3, 3, 1, 1), (2, 2, 1, 0)], nn.ReLU, RELU, 2, True, 3, "ce", False),
        cnn("cnn-plain", [2, 1, 5, 5], [(2, 3, 2, 1), (3, 3, 1, 1)], lambda: nn.LeakyReLU(0.1), LEAKY, 1,
            False, 2, "mse", True),
        block("transformer-causal", batch=2, tokens=4, dim=4, heads=2, dh=3, hidden=5, outputs=3, causal=True,
              layer_norm=True, act=RELU, loss="ce"),
        block("transformer", batch=2, tokens=3, dim=4, heads=2, dh=2, hidden=3, outputs=2, causal=False,
              layer_norm=False, act=TANH, loss="mse"),
    ]
    doc = {"generator": "scripts/make-onnx-graph-fixtures.py", "torch": torch.__version__, "models": models}
    (OUT / "graph-reference.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
