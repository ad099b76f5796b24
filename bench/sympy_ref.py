#!/usr/bin/env python3
"""SymPy reference for bench/derive.js: the work `noether derive` does on a concrete declaration,
done the way a SymPy user would do it, for a whole corpus in one process.

For each declaration and each group parameter a (the other group parameters at 0):

    invariance   L(psi_a(theta)) - L(theta)
    generator    xi = d psi / d a at a = 0
    gradient     grad L . xi
    Hessian      H xi + (d xi)^T grad L, componentwise
    charge       for an affine generator xi = A theta + b with symmetric A: Q = 1/2 theta^T A theta + b.theta
                 and dQ/dt = -grad Q . grad L; for A not symmetric, no charge ("none"); for a
                 non-affine gradient field, Q = int_0^1 xi(t theta) . theta dt.

Each residual is decided by `simplify(residual) == 0` (holds); otherwise it is evaluated at random
points (math-module lambdify): a residual above 1e-8 times the size of its terms refutes it (fails),
else it stays undecided (numerically zero but not proved, or simplify timed out). As in noether,
nothing beyond the invariance is derived from an action that is not a symmetry.

Usage:

    sympy_ref.py CORPUS_JSON [SIMPLIFY_TIMEOUT_S]

CORPUS_JSON is the list bench/derive-corpus.js writes (name, parameters, data, constants, group,
loss, action). Prints one JSON object: per declaration the verdict of each law and its time, and
the total time (import included and not).
"""
import json
import math
import random
import signal
import sys
import time

T_START = time.perf_counter()
import sympy as sp  # noqa: E402
from sympy.parsing.sympy_parser import (  # noqa: E402
    convert_xor,
    parse_expr,
    standard_transformations,
)

T_IMPORTED = time.perf_counter()
TRANSFORMS = standard_transformations + (convert_xor,)
POINTS = 48
TIMEOUT_S = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0


class SimplifyTimeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise SimplifyTimeout()


signal.signal(signal.SIGALRM, _alarm)


def simplify_zero(expr):
    """True when simplify reduces expr to 0, False when it does not, None on timeout."""
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT_S)
    try:
        return sp.simplify(expr) == 0
    except SimplifyTimeout:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def sample(variables, group, rng):
    """A random point: parameters, data and constants in [-2, 2], group parameters in [-1, 1]."""
    return [rng.uniform(-1, 1) if v.name in group else rng.uniform(-2, 2) for v in variables]


def decide(terms, variables, group, rng):
    """Verdict on sum(terms) == 0 for all values of variables."""
    terms = [t for t in terms if t != 0]
    if not terms:
        return {"verdict": "holds", "method": "trivial"}
    z = simplify_zero(sp.Add(*terms))
    if z:
        return {"verdict": "holds", "method": "simplify"}
    f = sp.lambdify(variables, terms, modules="math")
    evaluated = 0
    for _ in range(POINTS):
        pt = sample(variables, group, rng)
        try:
            vals = f(*pt)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        r = sum(vals)
        size = sum(abs(v) for v in vals)
        if not (math.isfinite(r) and math.isfinite(size)):
            continue
        evaluated += 1
        if abs(r) > 1e-8 * max(1.0, size):
            return {
                "verdict": "fails",
                "method": "numeric",
                "residual": r,
                "point": {v.name: x for v, x in zip(variables, pt)},
            }
    why = "simplify timed out" if z is None else "simplify did not reach 0"
    return {
        "verdict": "undecided",
        "method": "numeric",
        "reason": f"{why}; numerically zero at {evaluated}/{POINTS} points",
    }


def weakest(vs):
    for k in ("fails", "undecided"):
        for v in vs:
            if v["verdict"] == k:
                return v
    proved = [v for v in vs if v.get("method") != "trivial"]
    return (proved or vs or [{"verdict": "holds", "method": "trivial"}])[0]


def noether_text(e):
    """An expression in the syntax noether parses (^ for powers)."""
    return sp.sstr(e).replace("**", "^")


def derive(decl, rng):
    names = decl["parameters"] + decl["data"] + decl["constants"] + decl["group"]
    syms = {n: sp.Symbol(n, real=True) for n in names}
    local = dict(syms)
    local["sigmoid"] = lambda z: 1 / (1 + sp.exp(-z))
    local["softplus"] = lambda z: sp.log(1 + sp.exp(z))

    def parse(s):
        return parse_expr(s, local_dict=local, transformations=TRANSFORMS)

    theta = [syms[p] for p in decl["parameters"]]
    variables = [syms[n] for n in names]
    group = set(decl["group"])
    loss = parse(decl["loss"])
    action = {p: parse(s) for p, s in decl["action"].items()}
    grad = [sp.diff(loss, p) for p in theta]
    out = {}
    for gname in decl["group"]:
        a = syms[gname]
        others = {syms[h]: 0 for h in decl["group"] if h != gname}
        psi = {p: action[p.name].subs(others) if p.name in action else p for p in theta}
        moved = loss.subs(psi, simultaneous=True)
        law = {"invariance": decide([moved, -loss], variables, group, rng)}
        xi = [sp.expand(sp.diff(psi[p], a).subs(a, 0)) for p in theta]
        law["generator"] = {p.name: noether_text(x) for p, x in zip(theta, xi)}
        out[gname] = law
        if law["invariance"]["verdict"] == "fails":
            continue
        law["gradient"] = decide([x * g for x, g in zip(xi, grad)], variables, group, rng)
        comps = []
        for i, pi in enumerate(theta):
            terms = [sp.diff(grad[i], pj) * xi[j] for j, pj in enumerate(theta)]
            terms += [sp.diff(xi[j], pi) * grad[j] for j in range(len(theta))]
            comps.append(decide(terms, variables, group, rng))
        law["hessian"] = dict(weakest(comps), components=[c["verdict"] for c in comps])
        law["charge"] = charge(theta, xi, grad, variables, group, rng)
    return out


def charge(theta, xi, grad, variables, group, rng):
    n = len(theta)
    jac = [[sp.diff(xi[i], theta[j]) for j in range(n)] for i in range(n)]
    affine = all(sp.diff(jac[i][j], p) == 0 for i in range(n) for j in range(n) for p in theta)
    curl = [jac[i][j] - jac[j][i] for i in range(n) for j in range(i + 1, n)]
    integrable = weakest([decide([c], variables, group, rng) for c in curl])
    if integrable["verdict"] == "fails":
        return {"kind": "none", "reason": "J_xi is not symmetric" + (" (antisymmetric part)" if affine else "")}
    if integrable["verdict"] == "undecided":
        return {"kind": "charge", "verdict": "undecided", "reason": "symmetry of J_xi undecided"}
    if affine:
        zero = {p: 0 for p in theta}
        b = [x.subs(zero) for x in xi]
        q = sp.Rational(1, 2) * sum(theta[i] * jac[i][j] * theta[j] for i in range(n) for j in range(n))
        q = sp.expand(q + sum(bi * p for bi, p in zip(b, theta)))
    else:
        t = sp.Symbol("__t", real=True)
        integrand = sum(x.subs({p: t * p for p in theta}, simultaneous=True) * p for x, p in zip(xi, theta))
        q = sp.integrate(integrand, (t, 0, 1))
        if q.has(sp.Integral):
            return {"kind": "charge", "Q": noether_text(q), "verdict": "undecided", "reason": "no closed form"}
    v = decide([sp.diff(q, p) * g for p, g in zip(theta, grad)], variables, group, rng)
    return dict(v, kind="charge", Q=noether_text(q))


def main():
    with open(sys.argv[1], encoding="utf8") as fh:
        corpus = json.load(fh)
    t0 = time.perf_counter()
    results = []
    for decl in corpus:
        rng = random.Random(1)
        t = time.perf_counter()
        laws = derive(decl, rng)
        results.append({"name": decl["name"], "seconds": time.perf_counter() - t, "laws": laws})
    t1 = time.perf_counter()
    print(
        json.dumps(
            {
                "sympy": sp.__version__,
                "python": sys.version.split()[0],
                "simplify_timeout_s": TIMEOUT_S,
                "import_seconds": T_IMPORTED - T_START,
                "work_seconds": t1 - t0,
                "total_seconds": t1 - T_START,
                "declarations": results,
            }
        )
    )


if __name__ == "__main__":
    main()
