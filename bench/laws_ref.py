#!/usr/bin/env python3
"""SymPy reference for bench/laws.js: the conservation laws of gradient flow on a small MLP, found
the way of Marcotte, Gribonval and Peyré ("Abide by the law and follow the flow", NeurIPS 2023).

The model f(theta, x) factors through polynomials phi_k(theta); the generating fields are their
gradients, V0 = {grad phi_k}:

    linear  d0-d1-...-dL, no biases: phi = the entries of W_L ... W_1 (W_l is d_l x d_{l-1});
    relu    d0-r-d2, no biases:      phi = for each hidden unit k the entries of W2[:,k] W1[k,:].
    attention  d-H-dh, no biases:  phi = per head h the entries of Q_h^T K_h and O_h V_h (d x d), with
                                   Q_h, K_h, V_h the head's dh rows of W_Q, W_K, W_V ([H dh, d]) and
                                   O_h its dh columns of W_O ([d, H dh]): one self-attention layer
                                   (Marcotte, Gribonval, Peyre 2025) through its reparametrisation.

Parameters: W_1 row-major, then W_2, ...; D = sum d_l d_{l-1} (attention: W_Q, W_K, W_V, W_O; 4 H dh d).

1. Lie algebra rank at a random integer point theta0, modulo the prime P = 2^61 - 1: keep the
   fields whose values at theta0 raise the rank; each round brackets every X of V0 with every Y
   kept in the round before, [X, Y]_a = sum_b X_b dY_a/db - Y_b dX_a/db, and keeps a bracket when
   it raises the rank. Stops when a round keeps nothing or the rank is D.
   lieDimension = rank, upperBound = D - rank.
2. Quadratic laws: h = sum_{a<=b} c_ab theta_a theta_b + sum_a c_a theta_a with <grad h, X> = 0
   identically for each X in V0: one linear equation in the c's per (X, monomial). The solution
   space is reduced to the functionally independent laws: the rank mod P of the grad h_i(theta0).
3. complete = (independent laws == D - lieDimension).

Polynomials are SymPy sparse polynomials (sympy.polys.rings.ring over ZZ): diff, products and
sums there, fields as {component: polynomial}. A bracket is first evaluated at theta0 from the
Jacobians of X and Y there (DY X - DX Y), and formed as a polynomial field only when it is kept
(the next round needs it); --symbolic-brackets forms every bracket first (same ranks; 28 s instead
of 1 s on 2-3-3-3-2). Ranks and the nullspace of step 2 are my own sparse Gaussian elimination
mod P (dict rows, pivot = smallest column), not Matrix.nullspace: the exact rational nullspace
(--exact: DomainMatrix over QQ, kept as a cross-check) is ~10x slower already at D = 32-50, for
D(D+3)/2 unknowns. A rank mod P equals the rank over Q unless P divides the minors: the chance is
negligible at P ~ 2.3e18, and --seed changes theta0.

Usage:

    laws_ref.py linear|relu|attention WIDTHS [--repeat N] [--seed S] [--exact] [--show] [--symbolic-brackets]

Prints one JSON line {family, widths, D, lieDimension, upperBound, laws, complete, seconds, ...};
seconds is the median over the N repeats of the whole per-network computation (fields, Lie rank,
law search), Python start-up and the SymPy import excluded. --show adds the laws (coefficients as
symmetric residues mod P: the small integers they are here).
"""
import argparse
import heapq
import json
import random
import statistics
import sys
import time

T_START = time.perf_counter()
import sympy as sp  # noqa: E402
from sympy.polys.rings import ring  # noqa: E402

T_IMPORTED = time.perf_counter()
P = (1 << 61) - 1


# ---- linear algebra mod P ------------------------------------------------------------------------


class Echelon:
    """Row echelon basis mod P: rows {column: value}, each with a 1 at its pivot, its smallest
    column; at most one row per pivot."""

    def __init__(self):
        self.rows = {}  # pivot -> row

    @property
    def rank(self):
        return len(self.rows)

    @property
    def pivots(self):
        return self.rows.keys()

    def add(self, v):
        """Reduce v (a dict) by the rows, smallest column first; keep it and return True when its
        smallest remaining column is not a pivot (it is then independent of the rows)."""
        v = {k: x % P for k, x in v.items() if x % P}
        heap = list(v)
        heapq.heapify(heap)
        while heap:
            k = heapq.heappop(heap)
            x = v.get(k)
            if not x:
                continue
            row = self.rows.get(k)
            if row is None:
                inv = pow(x, P - 2, P)
                self.rows[k] = {j: y * inv % P for j, y in v.items()}
                return True
            for j, y in row.items():
                z = (v.get(j, 0) - x * y) % P
                if z:
                    if j not in v:
                        heapq.heappush(heap, j)
                    v[j] = z
                else:
                    v.pop(j, None)
        return False

    def nullspace(self, n):
        """A basis of {c in F_P^n : row . c = 0 for every row}: back-substitution, largest pivot
        first, to the reduced echelon form, then one vector per free column."""
        reduced = {}
        for piv in sorted(self.rows, reverse=True):
            row = dict(self.rows[piv])
            for q in [k for k in row if k != piv and k in reduced]:
                x = row.pop(q)
                for k, y in reduced[q].items():
                    if k == q:
                        continue
                    z = (row.get(k, 0) - x * y) % P
                    if z:
                        row[k] = z
                    else:
                        row.pop(k, None)
            reduced[piv] = row
        basis = []
        for f in range(n):
            if f in reduced:
                continue
            c = {f: 1}
            for piv, row in reduced.items():
                x = row.get(f)
                if x:
                    c[piv] = (-x) % P
            basis.append(c)
        return basis


# ---- the network's fields ------------------------------------------------------------------------


def network(family, widths):
    """The parameter names and V0 (fields as {component: polynomial} over a SymPy ring)."""
    if family == "relu" and len(widths) != 3:
        raise ValueError("relu: two layers only, widths d0-r-d2")
    if family == "attention":
        return attention(widths)
    shapes = [(widths[l + 1], widths[l]) for l in range(len(widths) - 1)]
    names = [f"W{l + 1}_{i}_{j}" for l, (r, c) in enumerate(shapes) for i in range(r) for j in range(c)]
    R, *x = ring(names, sp.ZZ)
    mats, k = [], 0
    for r, c in shapes:
        mats.append([[x[k + i * c + j] for j in range(c)] for i in range(r)])
        k += r * c
    if family == "linear":
        prod = mats[0]
        for W in mats[1:]:
            prod = [
                [sum((W[i][t] * prod[t][j] for t in range(len(prod))), R.zero) for j in range(len(prod[0]))]
                for i in range(len(W))
            ]
        phis = [p for row in prod for p in row]
    elif family == "relu":
        W1, W2 = mats
        r, n, m = widths[1], widths[2], widths[0]
        phis = [W2[i][u] * W1[u][j] for u in range(r) for i in range(n) for j in range(m)]
    else:
        raise ValueError(f"unknown family {family}")
    fields = [gradient(phi) for phi in phis]
    return names, [f for f in fields if f]


def attention(sizes):
    """One self-attention layer d-H-dh without biases: names and V0 (see the module docstring)."""
    if len(sizes) != 3:
        raise ValueError("attention: sizes d-H-dh")
    d, H, dh = sizes
    rows = H * dh
    shapes = [("W_Q", rows, d), ("W_K", rows, d), ("W_V", rows, d), ("W_O", d, rows)]
    names = [f"{n}_{i}_{j}" for n, r, c in shapes for i in range(r) for j in range(c)]
    R, *x = ring(names, sp.ZZ)
    mats, k = {}, 0
    for n, r, c in shapes:
        mats[n] = [[x[k + i * c + j] for j in range(c)] for i in range(r)]
        k += r * c
    Q, K, V, O = mats["W_Q"], mats["W_K"], mats["W_V"], mats["W_O"]
    phis = []
    for h in range(H):
        head = range(h * dh, (h + 1) * dh)
        phis += [sum((Q[a][i] * K[a][j] for a in head), R.zero) for i in range(d) for j in range(d)]
        phis += [sum((O[o][a] * V[a][j] for a in head), R.zero) for o in range(d) for j in range(d)]
    fields = [gradient(phi) for phi in phis]
    return names, [f for f in fields if f]


def gradient(poly):
    """{a: d poly / d theta_a} over the variables poly has (diff by generator index: by generator,
    the ring looks it up with D polynomial comparisons)."""
    g = {}
    for a in sorted({i for monom in poly.itermonoms() for i, e in enumerate(monom) if e}):
        g[a] = poly.diff(a)
    return g


def bracket(X, Y):
    """[X, Y]_a = sum_b X_b dY_a/dx_b - Y_b dX_a/dx_b, as {a: polynomial} without zero entries."""
    out = {}
    for a, ya in Y.items():
        for b, xb in X.items():
            d = ya.diff(b)
            if d:
                out[a] = out.get(a, 0) + xb * d
    for a, xa in X.items():
        for b, yb in Y.items():
            d = xa.diff(b)
            if d:
                out[a] = out.get(a, 0) - yb * d
    return {a: p for a, p in out.items() if p}


class Point:
    """theta0 mod P with its powers, cached: point.pow(i, e) = theta0_i^e mod P."""

    def __init__(self, values):
        self.values = values
        self.powers = [[1, v] for v in values]

    def __getitem__(self, i):
        return self.values[i]

    def __len__(self):
        return len(self.values)

    def pow(self, i, e):
        pw = self.powers[i]
        while len(pw) <= e:
            pw.append(pw[-1] * self.values[i] % P)
        return pw[e]


def evaluate(poly, point):
    """poly(point) mod P, term by term over the sparse polynomial's monomials."""
    s = 0
    for monom, coeff in poly.items():
        t = int(coeff)
        for i, e in enumerate(monom):
            if e:
                t *= point.pow(i, e)
        s += t % P
    return s % P


def value(field, point):
    return {a: evaluate(p, point) for a, p in field.items()}


def jet(poly, point):
    """(poly(point), {b: d poly / d theta_b (point)}) mod P in one pass over the terms."""
    s, grad = 0, {}
    for monom, coeff in poly.items():
        idx = [(i, e) for i, e in enumerate(monom) if e]
        factors = [point.pow(i, e) for i, e in idx]
        t = int(coeff)
        for f in factors:
            t *= f
        s += t % P
        for k, (i, e) in enumerate(idx):
            d = int(coeff) * e * point.pow(i, e - 1)
            for j, f in enumerate(factors):
                if j != k:
                    d *= f
            grad[i] = (grad.get(i, 0) + d) % P
    return s % P, grad


class Field:
    """A vector field {a: polynomial} with its value and Jacobian at theta0 (mod P)."""

    def __init__(self, comps, point):
        self.comps = comps
        self.value, self.jac = {}, {}
        for a, p in comps.items():
            self.value[a], self.jac[a] = jet(p, point)


def bracket_value(X, Y):
    """[X, Y](theta0) = DY(theta0) X(theta0) - DX(theta0) Y(theta0), without forming [X, Y]."""
    out = {}
    for a, row in Y.jac.items():
        s = sum(X.value[b] * d for b, d in row.items() if b in X.value)
        if s:
            out[a] = s
    for a, row in X.jac.items():
        s = sum(Y.value[b] * d for b, d in row.items() if b in Y.value)
        if s:
            out[a] = out.get(a, 0) - s
    return out


def lie_rank(V0, point, D, symbolic=False):
    """Rank at theta0 of the Lie algebra generated by V0, pruned as described at the top. By default
    a bracket is first evaluated at theta0 from the Jacobians there, and formed as a polynomial
    field only when it raises the rank (it is needed for the next round); with symbolic=True every
    bracket is formed, then evaluated (the literal procedure; same ranks, slower)."""
    basis = Echelon()
    V0 = [Field(X, point) for X in V0]
    new = [X for X in V0 if basis.add(dict(X.value))]
    brackets = 0
    while new and basis.rank < D:
        kept = []
        for X in V0:
            for Y in new:
                brackets += 1
                if symbolic:
                    Z = bracket(X.comps, Y.comps)
                    v = value(Z, point)
                else:
                    Z, v = None, bracket_value(X, Y)
                if v and basis.add(v):
                    kept.append(Field(Z if Z is not None else bracket(X.comps, Y.comps), point))
                    if basis.rank == D:
                        return basis.rank, brackets
        new = kept
    return basis.rank, brackets


def unknowns(D):
    """Index of c_ab (a <= b) and of c_a in the unknown vector."""
    pair, n = {}, 0
    for a in range(D):
        for b in range(a, D):
            pair[a, b] = n
            n += 1
    single = {a: n + a for a in range(D)}
    return pair, single, n + D


def law_equations(V0, D):
    """For each X in V0 and monomial m, the coefficient of m in <grad h, X> as {unknown: int}."""
    pair, single, n = unknowns(D)
    for X in V0:
        eqs = {}
        for a, xa in X.items():
            for monom, coeff in xa.terms():
                coeff = int(coeff)
                m = tuple(i for i, e in enumerate(monom) for _ in range(e))
                # d h / d theta_a = sum_b (1 + [a == b]) c_ab theta_b + c_a
                for b in range(D):
                    key = tuple(sorted(m + (b,)))
                    row = eqs.setdefault(key, {})
                    u = pair[min(a, b), max(a, b)]
                    row[u] = row.get(u, 0) + (2 if a == b else 1) * coeff
                row = eqs.setdefault(m, {})
                row[single[a]] = row.get(single[a], 0) + coeff
        yield from eqs.values()
    return n


def law_gradients(c, D, point):
    """grad h(point) mod P for h with coefficient vector c."""
    pair, single, _ = unknowns(D)
    g = {}
    for (a, b), u in pair.items():
        cu = c.get(u)
        if cu:
            if a == b:
                g[a] = g.get(a, 0) + 2 * cu * point[a]
            else:
                g[a] = g.get(a, 0) + cu * point[b]
                g[b] = g.get(b, 0) + cu * point[a]
    for a, u in single.items():
        if c.get(u):
            g[a] = g.get(a, 0) + c[u]
    return g


def quadratic_laws(V0, D, point, exact=False):
    _, _, n = unknowns(D)
    if exact:
        null = exact_nullspace(V0, D, n)
    else:
        system = Echelon()
        for row in law_equations(V0, D):
            system.add(row)
        null = system.nullspace(n)
    independent = Echelon()
    for c in null:
        independent.add(law_gradients(c, D, point))
    return null, independent.rank


def exact_nullspace(V0, D, n):
    """The same solution space over Q (SymPy DomainMatrix), as integer vectors mod P."""
    from sympy.polys.matrices import DomainMatrix

    rows = [dict(r) for r in law_equations(V0, D)]
    sdm = {i: {k: sp.QQ(v) for k, v in r.items() if v} for i, r in enumerate(rows)}
    M = DomainMatrix(sdm, (len(rows), n), sp.QQ)
    N = M.nullspace().to_Matrix()
    out = []
    for i in range(N.rows):
        row = N.row(i)
        den = sp.ilcm(*[sp.fraction(v)[1] for v in row]) if row else 1
        out.append({k: int(v * den) % P for k, v in enumerate(row) if v})
    return out


def symmetric(v):
    return v - P if v > P // 2 else v


def law_text(c, D, names):
    pair, single, _ = unknowns(D)
    terms = []
    for (a, b), u in pair.items():
        if c.get(u):
            mon = f"{names[a]}^2" if a == b else f"{names[a]}*{names[b]}"
            terms.append(f"{symmetric(c[u])}*{mon}")
    for a, u in single.items():
        if c.get(u):
            terms.append(f"{symmetric(c[u])}*{names[a]}")
    return " + ".join(terms).replace("+ -", "- ") or "0"


def run(family, widths, seed, exact=False, show=False, symbolic=False):
    rng = random.Random(seed)
    names, V0 = network(family, widths)
    D = len(names)
    point = Point([rng.randint(-1000, 1000) % P for _ in range(D)])
    lie, brackets = lie_rank(V0, point, D, symbolic)
    null, laws = quadratic_laws(V0, D, point, exact)
    out = {
        "D": D,
        "lieDimension": lie,
        "upperBound": D - lie,
        "laws": laws,
        "complete": laws == D - lie,
        "fields": len(V0),
        "brackets": brackets,
        "quadraticSolutions": len(null),
    }
    if show:
        out["expressions"] = [law_text(c, D, names) for c in null]
    return out


def main(argv):
    ap = argparse.ArgumentParser(description="SymPy reference for bench/laws.js")
    ap.add_argument("family", choices=["linear", "relu", "attention"])
    ap.add_argument("widths", help="e.g. 4-3-5 (input-hidden...-output); attention: d-H-dh, e.g. 4-2-2")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--exact", action="store_true", help="nullspace over Q (DomainMatrix)")
    ap.add_argument("--show", action="store_true", help="print the quadratic laws")
    ap.add_argument("--symbolic-brackets", action="store_true", help="form every bracket, then evaluate")
    a = ap.parse_args(argv)
    widths = [int(w) for w in a.widths.split("-")]
    times, res = [], None
    for _ in range(max(1, a.repeat)):
        t = time.perf_counter()
        res = run(a.family, widths, a.seed, a.exact, a.show, a.symbolic_brackets)
        times.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "family": a.family,
                "widths": a.widths,
                **res,
                "seconds": statistics.median(times),
                "repeat": max(1, a.repeat),
                "import_seconds": T_IMPORTED - T_START,
                "sympy": sp.__version__,
                "python": sys.version.split()[0],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
