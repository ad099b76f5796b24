#!/usr/bin/env python3
"""The charges of a PyTorch model measured while it trains, against the toolkit's predictions.

Builds a 4-16-16-3 ReLU nn.Sequential, exports it to ONNX, asks noether for the rescale charges of
its hidden units as a PyTorch module (noether export rescale --model … --to pytorch), attaches the
module's monitor to an SGD optimizer with weight decay, trains on minibatches of a synthetic
classification task, and prints how far the charges moved, how closely SGD's exact recursion
followed them, and how far the gradient-flow prediction e^{-2λt}Q₀ is off.

Run from the repository root after `npm run build`:
    /usr/bin/python3 examples/monitor_demo.py [steps] [out_dir]
"""
import csv
import importlib.util
import os
import subprocess
import sys
import tempfile

import torch

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
out = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="noether-demo-")
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

model = torch.nn.Sequential(
    torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
)
onnx_path = os.path.join(out, "model.onnx")
torch.onnx.export(model, torch.randn(2, 4), onnx_path, input_names=["x"], output_names=["logits"])

module_path = os.path.join(out, "charges.py")
noether = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dist", "src", "bin.js")
subprocess.run(
    ["node", noether, "export", "rescale", "--model", onnx_path, "--loss", "ce", "--to", "pytorch", "-o", module_path],
    check=True,
)
spec = importlib.util.spec_from_file_location("charges", module_path)
charges = importlib.util.module_from_spec(spec)
spec.loader.exec_module(charges)

opt = torch.optim.SGD(model.parameters(), lr=0.05, weight_decay=5e-3)
csv_path = os.path.join(out, "charges.csv")
monitor = charges.attach(model, opt, csv_path, every=50)
g = torch.Generator().manual_seed(1)
X = torch.randn(512, 4, generator=g)
y = (X[:, 0] + X[:, 1] ** 2 > 0.5).long() + (X[:, 2] > 1).long()
for k in range(steps):
    i = torch.randint(0, 512, (32,), generator=g)
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(X[i]), y[i]).backward()
    opt.step()
monitor.close()

rows = list(csv.DictReader(open(csv_path)))
last = max(int(r["step"]) for r in rows)
first = {r["site"]: float(r["charge"]) for r in rows if r["step"] == "0"}
final = {r["site"]: r for r in rows if int(r["step"]) == last}
moved = max(abs(float(final[s]["charge"]) - q) / abs(q) for s, q in first.items())
flow = max(abs(float(r["predicted_flow"]) - float(r["charge"])) / abs(float(r["charge"])) for r in final.values())
print(f"{len(first)} charges, {steps} SGD steps (lr 0.05, weight decay 5e-3, minibatch 32); CSV: {csv_path}")
print(f"largest relative change of a charge: {moved:.3g}")
print(f"worst relative gap to SGD's exact recursion (every 50 steps): {monitor.worst:.3g}")
print(f"worst relative gap to gradient flow's e^(-2 wd t) Q0 at the end: {flow:.3g}")
