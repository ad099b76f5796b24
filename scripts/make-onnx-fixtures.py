#!/usr/bin/env python3
"""ONNX models of small MLPs, and what PyTorch float64 computes with them, for test/model/onnx.test.ts.

Writes test/fixtures/onnx/<name>.onnx for every model below and test/fixtures/onnx/reference.json:
for every model the reader accepts, the spec it should read, the names of its parameters (PyTorch's
named_parameters keys, in noether's block order W1, b1, gamma1, beta1, W2, ...), the ones stored
transposed, the tensors by those names (PyTorch's state_dict values: a Linear weight out x in), a
float64 batch X and the network's outputs on it. The outputs are noether's semantics:
normalisations with eps = 0 and BatchNorm on batch statistics (training mode), and for a model ending
in Softmax/LogSoftmax the logits before it (noether's loss applies the softmax). The failure models
come with the words their error message must contain.

Norm parameters are perturbed away from their initial 1 / 0, except in `layernorm-dedup`,
`batchnorm-dedup` and `nobias-layernorm-softmax`, which keep them so that the exporter deduplicates
the equal initializers (the second norm's become Identity nodes on the first's); `nobias-matmul` and the Linear layers
of `nobias-layernorm-softmax` and `matmul-dedup` are MatMuls on initializers the exporter names
'onnx::MatMul_<n>' (the folded transposes of the weights), and `matmul-dedup` has two equal weights.
`nested-nobias` has its Linear layers (without bias) in nested modules.

Exported by TorchScript's exporter (torch.onnx.export) from nn.Sequential models in float64, except
`matmul-float32`, written with onnx.helper: MatMul + Add with the weight stored in x out as float32
raw_data, Gemm with transB = 0, a weight from a Constant node, float_data and double_data. Run with
Debian's interpreter (python3-torch, python3-onnx):
    /usr/bin/python3 scripts/make-onnx-fixtures.py
"""
import copy
import inspect
import io
import json
import pathlib

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

torch.set_default_dtype(torch.float64)
OUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "onnx"
SEED = 20261124
BATCH = 5


def perturb_norms(model):
    """Norm parameters and running statistics away from their initial 1 / 0 (the exporter would
    otherwise deduplicate equal initializers), from the seeded generator."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.LayerNorm)):
            if getattr(m, "weight", None) is not None:
                with torch.no_grad():
                    m.weight.copy_(1 + 0.3 * torch.randn_like(m.weight))
                    m.bias.copy_(0.3 * torch.randn_like(m.bias))
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.copy_(0.1 * torch.randn_like(m.running_mean))
                m.running_var.copy_(1 + 0.1 * torch.rand_like(m.running_var))


def reference_outputs(model, X, head):
    """noether's network outputs: eps = 0, BatchNorm on batch statistics, logits before a softmax head."""
    m = copy.deepcopy(model)
    for mod in m.modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.LayerNorm)):
            mod.eps = 0.0
    m.train()
    body = m[:-1] if head else m
    with torch.no_grad():
        return body(X)


def export(model, name, in_shape, opset=17, **kw):
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kw["dynamo"] = False  # the TorchScript exporter (newer torch defaults to the dynamo one)
    model.eval()
    f = io.BytesIO()
    torch.onnx.export(
        model,
        torch.randn(BATCH, *in_shape),
        f,
        opset_version=opset,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
        **kw,
    )
    (OUT / f"{name}.onnx").write_bytes(f.getvalue())


def good(name, make, spec, in_shape=(4,), head=False, transposed=(), perturb=True, **kw):
    torch.manual_seed(SEED)
    model = make()
    if perturb:
        perturb_norms(model)
    export(model, name, in_shape, **kw)
    X = torch.randn(BATCH, *in_shape)
    Y = reference_outputs(model, X, head)
    return {
        "name": name,
        "spec": spec,
        "parameters": [k for k, _ in model.named_parameters()],
        "transposed": list(transposed),
        "tensors": {k: v.tolist() for k, v in model.named_parameters()},
        "X": X.reshape(BATCH, -1).tolist(),
        "outputs": Y.tolist(),
    }


def bad(name, make, expect, in_shape=(4,), **kw):
    torch.manual_seed(SEED)
    export(make(), name, in_shape, **kw)
    return {"name": name, "expect": expect}


def spec(widths, act, norm="none", affine=False, loss="mse", bias=True):
    return {"widths": widths, "act": act, "norm": norm, "affine": affine, "loss": loss, "bias": bias}


RELU, TANH, LINEAR = {"kind": "relu"}, {"kind": "tanh"}, {"kind": "linear"}
LEAKY = {"kind": "leaky", "slope": 0.1}


def hand_written(cast):
    """MatMul + Add (weight in x out, float32 raw_data; bias float_data), Relu, Gemm with transB = 0
    (weight from a Constant node, double_data; bias raw float64), opset 13. With `cast`, a float32
    input cast to float64 first (Cast is not supported: a failure fixture)."""
    rng = np.random.default_rng(SEED)
    W1 = rng.standard_normal((6, 4)).astype(np.float32)  # out x in
    b1 = rng.standard_normal(6).astype(np.float32)
    W2 = rng.standard_normal((3, 6))
    b2 = rng.standard_normal(3)
    w1t = numpy_helper.from_array(np.ascontiguousarray(W1.T), "fc1.weight_t")  # raw_data float32
    bias1 = helper.make_tensor("fc1.bias", TensorProto.FLOAT, [6], b1.tolist())  # float_data
    w2t = helper.make_tensor("fc2.weight_t", TensorProto.DOUBLE, [6, 3], W2.T.reshape(-1).tolist())
    bias2 = numpy_helper.from_array(b2, "fc2.bias")  # raw_data float64
    cast_node = helper.make_node("Cast", ["x"], ["x64"], name="cast", to=TensorProto.DOUBLE)
    nodes = [cast_node] if cast else []
    nodes += [
        helper.make_node("MatMul", ["x64" if cast else "x", "fc1.weight_t"], ["h"], name="fc1/MatMul"),
        helper.make_node("Add", ["h", "fc1.bias"], ["z"], name="fc1/Add"),
        helper.make_node("Relu", ["z"], ["a"], name="relu"),
        helper.make_node("Constant", [], ["fc2.weight_t"], name="fc2/Constant", value=w2t),
        helper.make_node("Gemm", ["a", "fc2.weight_t", "fc2.bias"], ["y"], name="fc2/Gemm", transB=0),
    ]
    x_type = TensorProto.FLOAT if cast else TensorProto.DOUBLE
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", x_type, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["batch", 3])],
        [w1t, bias1, bias2],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="noether")
    onnx.checker.check_model(model)
    return model, (W1.astype(np.float64), b1.astype(np.float64), W2, b2)


def matmul_float32():
    model, (W1, b1, W2, b2) = hand_written(cast=False)
    (OUT / "matmul-float32.onnx").write_bytes(model.SerializeToString())
    X = np.random.default_rng(SEED + 1).standard_normal((BATCH, 4))
    return {
        "name": "matmul-float32",
        "spec": spec([4, 6, 3], RELU),
        "parameters": ["fc1.weight_t", "fc1.bias", "fc2.weight_t", "fc2.bias"],
        "transposed": ["fc1.weight_t", "fc2.weight_t"],
        "tensors": {
            "fc1.weight_t": W1.T.tolist(),
            "fc1.bias": b1.tolist(),
            "fc2.weight_t": W2.T.tolist(),
            "fc2.bias": b2.tolist(),
        },
        "X": X.tolist(),
        "outputs": (np.maximum(X @ W1.T + b1, 0) @ W2.T + b2).tolist(),
    }


def equal_weights(model, i, j):
    """Module j's weight set to module i's: the exporter keeps one initializer, and an Identity for j."""
    with torch.no_grad():
        model[j].weight.copy_(model[i].weight)
    return model


class Nested(nn.Module):
    """Layers in nested modules: node names /features/features.0/features.0.0/MatMul, ..., /head/MatMul."""

    def __init__(self):
        super().__init__()
        inner = nn.Sequential(nn.Linear(4, 5, bias=False), nn.Tanh())
        self.features = nn.Sequential(inner, nn.Linear(5, 6, bias=False))
        self.head = nn.Linear(6, 3, bias=False)

    def forward(self, x):
        return self.head(torch.tanh(self.features(x)))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 3)

    def forward(self, x):
        return self.b(x + torch.relu(self.a(x)))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    L, S = nn.Linear, nn.Sequential
    cases = [
        good("relu", lambda: S(L(4, 8), nn.ReLU(), L(8, 3)), spec([4, 8, 3], RELU)),
        good(
            "deep-leaky",
            lambda: S(
                nn.Flatten(),  # of a [batch, 2, 2] input
                *(m for a, b in [(4, 6), (6, 6), (6, 5)] for m in (L(a, b), nn.LeakyReLU(0.1))),
                L(5, 2),
            ),
            spec([4, 6, 6, 5, 2], LEAKY),
            in_shape=(2, 2),
        ),
        good(
            "tanh-batchnorm",
            lambda: S(L(4, 6), nn.BatchNorm1d(6), nn.Tanh(), L(6, 3)),
            spec([4, 6, 3], TANH, "batch", True),
        ),
        good(
            "batchnorm-training",
            lambda: S(L(4, 6), nn.BatchNorm1d(6), nn.ReLU(), L(6, 5), nn.BatchNorm1d(5), nn.ReLU(), L(5, 2)),
            spec([4, 6, 5, 2], RELU, "batch", True),
            training=torch.onnx.TrainingMode.TRAINING,  # BatchNormalization with its extra outputs
        ),
        good(
            "batchnorm-fixed",
            lambda: S(L(4, 6), nn.BatchNorm1d(6, affine=False), nn.ReLU(), L(6, 3)),
            spec([4, 6, 3], RELU, "batch", False),
        ),
        good(
            "layernorm-relu",
            lambda: S(L(4, 6), nn.LayerNorm(6), nn.ReLU(), L(6, 3)),
            spec([4, 6, 3], RELU, "layer", True),
        ),
        good("linear", lambda: S(L(4, 5), L(5, 3)), spec([4, 5, 3], LINEAR)),
        good(
            "softmax",
            lambda: S(L(4, 6), nn.Tanh(), L(6, 3), nn.Softmax(dim=1)),
            spec([4, 6, 3], TANH, loss="ce"),
            head=True,
        ),
        good(
            "nobias",
            lambda: S(nn.Flatten(), L(4, 6, bias=False), nn.LeakyReLU(0.1), L(6, 3, bias=False), nn.LogSoftmax(dim=1)),
            spec([4, 6, 3], LEAKY, loss="ce", bias=False),
            head=True,
            do_constant_folding=False,  # Transpose nodes on the state_dict weights, not folded copies
        ),
        good(
            "initializers-as-inputs",
            lambda: S(L(4, 5), nn.Tanh(), L(5, 2)),
            spec([4, 5, 2], TANH),
            opset=9,
            keep_initializers_as_inputs=True,
        ),
        good(
            "nobias-matmul",
            lambda: S(L(4, 6, bias=False), nn.ReLU(), L(6, 3, bias=False)),
            spec([4, 6, 3], RELU, bias=False),
        ),
        good(
            "layernorm-dedup",
            lambda: S(L(4, 6), nn.LayerNorm(6), nn.Tanh(), L(6, 6), nn.LayerNorm(6), nn.Tanh(), L(6, 3)),
            spec([4, 6, 6, 3], TANH, "layer", True),
            perturb=False,
        ),
        good(
            "batchnorm-dedup",  # gamma and running_var are all ones, beta and running_mean all zeros
            lambda: S(L(4, 5), nn.BatchNorm1d(5), nn.ReLU(), L(5, 5), nn.BatchNorm1d(5), nn.ReLU(), L(5, 2)),
            spec([4, 5, 5, 2], RELU, "batch", True),
            perturb=False,
        ),
        good("nested-nobias", Nested, spec([4, 5, 6, 3], TANH, bias=False)),
        good(
            "nobias-layernorm-softmax",
            lambda: S(
                L(4, 6, bias=False),
                nn.LayerNorm(6),
                nn.ReLU(),
                L(6, 6, bias=False),
                nn.LayerNorm(6),
                nn.ReLU(),
                L(6, 3, bias=False),
                nn.Softmax(dim=1),
            ),
            spec([4, 6, 6, 3], RELU, "layer", True, loss="ce", bias=False),
            head=True,
            perturb=False,
        ),
        good(
            "matmul-dedup",
            lambda: equal_weights(
                S(*(m for a, b in [(4, 5), (5, 5), (5, 5)] for m in (L(a, b, bias=False), nn.Tanh())), L(5, 2, False)),
                2,
                4,
            ),
            spec([4, 5, 5, 5, 2], TANH, bias=False),
        ),
        matmul_float32(),
    ]
    failures = [
        bad("sigmoid", lambda: S(L(4, 6), nn.Sigmoid(), L(6, 3)), ["'/1/Sigmoid' (Sigmoid)", "not supported"]),
        bad(
            "mixed-activations",
            lambda: S(L(4, 6), nn.ReLU(), L(6, 5), nn.Tanh(), L(5, 3)),
            ["'/3/Tanh'", "Tanh", "Relu"],
        ),
        bad(
            "mixed-norms",
            lambda: S(L(4, 6), nn.BatchNorm1d(6), nn.ReLU(), L(6, 5), nn.LayerNorm(5), nn.ReLU(), L(5, 3)),
            ["'/4/LayerNormalization'", "BatchNormalization"],
        ),
        bad("leaky-slope", lambda: S(L(4, 6), nn.LeakyReLU(0.2), L(6, 3)), ["'/1/LeakyRelu'", "0.1"]),
        bad("mixed-bias", lambda: S(L(4, 6), nn.ReLU(), L(6, 3, bias=False)), ["bias"]),
        bad("output-activation", lambda: S(L(4, 6), nn.ReLU(), L(6, 3), nn.ReLU()), ["'/3/Relu'", "last"]),
        bad("residual", Residual, ["chain"]),
        bad(
            "layernorm-opset14",  # below opset 17, LayerNorm is split into ReduceMean, Sub, Pow, ...
            lambda: S(L(4, 6), nn.LayerNorm(6), nn.ReLU(), L(6, 3)),
            ["(ReduceMean)", "opset 17"],
            opset=14,
        ),
    ]
    (OUT / "cast.onnx").write_bytes(hand_written(cast=True)[0].SerializeToString())
    failures.append({"name": "cast", "expect": ["'cast' (Cast)", "not supported"]})
    reference = {
        "generator": "scripts/make-onnx-fixtures.py",
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "models": cases,
        "failures": failures,
    }
    (OUT / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")


if __name__ == "__main__":
    main()
