/**
 * `noether export --to numpy|pytorch`: a Python module with one function per law over a model's
 * named parameters — the charge at a site from its roles, Q₂(g) (the SGD recursion's drive) from the
 * gradient's roles, the predicted trajectories (gradient flow with weight decay, SGD's exact
 * recursion) with coefficients printed from the derived expressions — the sites as slices of the
 * named tensors, and for PyTorch a monitor that logs each charge beside its prediction while the
 * user's own optimizer trains. Everything printed comes from the derivation and the network's views.
 */
import { UserInputError } from '../../numeric/errors';
import { buildNetwork, type Network } from '../../numeric/mlp';
import { mlpSiteKinds, siteGroups, type View } from '../../numeric/sites';
import type { BlockDeclaration } from '../declaration/types';
import type { Derivation } from '../derivation';
import { deriveBlock } from '../derive/block';
import type { Letter, WordSum } from '../derive/words';
import { numValue, sym, num, mul, add, sub, pow, ONE_E, type Expr } from '../expr/ast';
import { deriveDynamics } from '../rules/dynamics';
import { parseRule } from '../rules/rule';
import { tidyExpr } from '../rules/dynamics/context';
import { docstring, pyIdent } from './pyText';
import { parameterNames, type NamedNetwork, type ParameterName } from '../evaluator/params';
import { chargeLaw, withFixedScalars } from '../evaluator/evaluator';
import {
  affineText,
  loopGroup,
  numbers,
  viewShape,
  withNumbers,
  type Affine,
  type PanelText,
  type SegmentText,
} from './views';

export type PythonTarget = 'numpy' | 'pytorch';

/** Site kinds whose symmetry holds only with ε = 0 in the normalisation (the toolkit's convention). */
const NORMALISED: readonly string[] = [
  'normalised-unit',
  'normalised-layer',
  'bias-before-batchnorm',
  'bias-before-layernorm',
];

/** Binding strength of a printed Python expression: a sum, a product or quotient, a unary minus, a power, an atom. */
const PREC = { add: 1, mul: 2, neg: 3, pow: 4, atom: 5 } as const;

/** x without its sign when it is written with a leading minus (a negative number, or a product led by one). */
function magnitude(x: Expr): Expr | undefined {
  if (x.kind === 'num') {
    const r = numValue(x);
    return r.n < 0n ? { kind: 'num', value: x.value.replace(/^-/, '') } : undefined;
  }
  if (x.kind === 'mul' && x.factors[0]?.kind === 'num') {
    const lead = magnitude(x.factors[0]);
    if (!lead) return undefined;
    const rest = numValue(lead as Extract<Expr, { kind: 'num' }>);
    const factors = rest.n === 1n && rest.d === 1n ? x.factors.slice(1) : [lead, ...x.factors.slice(1)];
    return factors.length === 1 ? factors[0]! : { kind: 'mul', factors };
  }
  return undefined;
}

/** A coefficient as Python with the fewest parentheses that keep its meaning (the rule's symbols as lr, wd, …). */
export function pyExpr(e: Expr, names: Readonly<Record<string, string>> = {}, outer = 0): string {
  const wrap = (s: string, p: number, outer: number): string => (p < outer ? `(${s})` : s);
  const go = (x: Expr, outer: number): string => {
    const m = magnitude(x);
    if (m) return wrap(`-${go(m, PREC.neg)}`, PREC.neg, outer);
    switch (x.kind) {
      case 'num': {
        const r = numValue(x);
        return r.d === 1n
          ? `${r.n}`
          : wrap(`${r.n} / ${r.d}`, PREC.mul, outer + (outer === PREC.mul ? 1 : 0));
      }
      case 'sym':
        return names[x.name] ?? pyIdent(x.name);
      case 'add': {
        const [first, ...rest] = x.terms;
        const text = [
          go(first!, PREC.add),
          ...rest.map((t) => {
            const tm = magnitude(t);
            return tm ? `- ${go(tm, PREC.add + 1)}` : `+ ${go(t, PREC.add)}`;
          }),
        ].join(' ');
        return wrap(text, PREC.add, outer);
      }
      case 'mul': {
        const isInverse = (f: Expr): f is Extract<Expr, { kind: 'pow' }> =>
          f.kind === 'pow' && f.exp.kind === 'num' && numValue(f.exp).n < 0n;
        const num_ = x.factors.filter((f) => !isInverse(f));
        const den = x.factors.filter(isInverse).map((f) => {
          const k = numValue(f.exp as Extract<Expr, { kind: 'num' }>);
          const pos: Expr = { kind: 'num', value: k.d === 1n ? String(-k.n) : `${-k.n}/${k.d}` };
          return k.n === -1n && k.d === 1n ? f.base : ({ kind: 'pow', base: f.base, exp: pos } as Expr);
        });
        const top = num_.length ? num_.map((f) => go(f, PREC.mul)).join(' * ') : '1';
        if (!den.length) return wrap(top, PREC.mul, outer);
        const bottom =
          den.length === 1 ? go(den[0]!, PREC.pow) : `(${den.map((f) => go(f, PREC.mul)).join(' * ')})`;
        return wrap(`${top} / ${bottom}`, PREC.mul, outer + (outer === PREC.mul ? 1 : 0));
      }
      case 'pow': {
        if (x.exp.kind === 'num' && numValue(x.exp).n < 0n) return go({ kind: 'mul', factors: [x] }, outer);
        return wrap(`${go(x.base, PREC.pow + 1)} ** ${go(x.exp, PREC.pow)}`, PREC.pow, outer);
      }
      case 'call': {
        const fn = ['exp', 'log', 'sqrt', 'sin', 'cos', 'tan', 'sinh', 'cosh', 'tanh'].includes(x.fn)
          ? `math.${x.fn}`
          : x.fn === 'abs'
            ? 'abs'
            : undefined;
        if (!fn)
          throw new UserInputError(`export: a coefficient calls ${x.fn}, which has no Python form here`);
        return `${fn}(${x.args.map((a) => go(a, 0)).join(', ')})`;
      }
    }
  };
  return go(e, outer);
}

/** A coefficient printed to be multiplied: a sum is parenthesised. */
const pyFactor = (e: Expr, names: Readonly<Record<string, string>> = {}): string =>
  pyExpr(e, names, PREC.mul);

/** A label's number inside a loop's f-string: constant, or {a + b·k}. */
const labelNumber = (x: Affine): string => (x.b === 0 ? String(x.a) : `{${affineText(x)}}`);

const ident = pyIdent;

/** A letter of a word as Python over the site's roles (g_<role> for gradient letters). */
function pyLetter(l: Letter): string {
  const base =
    l.kind === 'block'
      ? ident(l.name)
      : l.kind === 'grad'
        ? `g_${ident(l.name)}`
        : l.kind === 'const'
          ? ident(l.name)
          : l.kind === 'ones'
            ? `_ones(${ident(l.name)})`
            : `u_${ident(l.name)}`;
  return l.t ? `${base}.T` : base;
}

/** A trace sum (scalar) or word sum (matrix) as one Python expression. */
function pySum(s: WordSum, trace: boolean, scalars: Readonly<Record<string, string>>): string {
  if (s.length === 0) return '0.0';
  return s
    .map((t, i) => {
      const mag = magnitude(t.coef);
      const sign = mag ? (i === 0 ? '-' : '- ') : i === 0 ? '' : '+ ';
      const c = pyFactor(mag ?? t.coef, scalars);
      const mats = t.word.map(pyLetter);
      const w = trace
        ? mats.length
          ? `_tr(${mats.join(', ')})`
          : '1.0'
        : mats.length
          ? `_mm(${mats.join(', ')})`
          : '1.0';
      return `${sign}${c} * ${w}`;
    })
    .join('\n        ');
}

/** `return` of a possibly multi-line sum, parenthesised. */
const pyReturn = (body: string): string =>
  body.includes('\n') ? `    return (\n        ${body}\n    )` : `    return ${body}`;

const slice = (from: string, to: string, dim: number): string =>
  from === '0' && to === String(dim) ? ':' : `${from}:${to}`;

/** A segment of a vector view as a 1-D slice of its tensor. */
function pySegment(net: Network, names: Readonly<Record<string, ParameterName>>, s: SegmentText): string {
  const b = net.blocks.find((x) => x.name === s.block)!;
  const p = names[s.block]!;
  const T = `P[${JSON.stringify(p.name)}]`;
  const flat = p.shape.length === 1;
  if (s.along === 'row') {
    if (flat) return `${T}[${slice(s.from, s.to, b.cols)}]`;
    return p.transposed
      ? `${T}[${slice(s.from, s.to, b.cols)}, ${s.fixed}]`
      : `${T}[${s.fixed}, ${slice(s.from, s.to, b.cols)}]`;
  }
  if (flat) return `${T}[${s.fixed}:${plusOne(s.fixed)}]`;
  return p.transposed
    ? `${T}[${s.fixed}, ${slice(s.from, s.to, b.rows)}]`
    : `${T}[${slice(s.from, s.to, b.rows)}, ${s.fixed}]`;
}

const plusOne = (x: string): string => (/^\d+$/.test(x) ? String(Number(x) + 1) : `${x} + 1`);

/** A panel of a matrix view as a 2-D slice of its tensor. */
function pyPanel(net: Network, names: Readonly<Record<string, ParameterName>>, q: PanelText): string {
  const b = net.blocks.find((x) => x.name === q.block)!;
  const p = names[q.block]!;
  const T = `P[${JSON.stringify(p.name)}]`;
  const flat = p.shape.length === 1;
  if (q.orient === 'direct') {
    const [r, c] = [slice(q.from, q.to, b.rows), slice(q.first, q.last, b.cols)];
    if (flat) return `${T}[None, ${c}]`;
    return p.transposed ? `${T}[${c}, ${r}].T` : `${T}[${r}, ${c}]`;
  }
  const [r, c] = [slice(q.first, q.last, b.rows), slice(q.from, q.to, b.cols)];
  if (flat) return `${T}[${c}][:, None]`;
  return p.transposed ? `${T}[${c}, ${r}]` : `${T}[${r}, ${c}].T`;
}

function pyView(
  net: Network,
  names: Readonly<Record<string, ParameterName>>,
  s: ReturnType<typeof withNumbers>,
): string {
  if (s.kind === 'vector') {
    const parts = s.segments.map((x) => pySegment(net, names, x));
    return parts.length === 1 ? `_col(${parts[0]})` : `_col(_cat([${parts.join(', ')}]))`;
  }
  const parts = s.panels.map((x) => pyPanel(net, names, x));
  return parts.length === 1 ? parts[0]! : `_cat([${parts.join(', ')}], 1)`;
}

const numbersOf = (net: Network, v: View): string[] => numbers(viewShape(net, v)).map(String);

/** The `sites(P)` generator: every site of the declared kinds, its label and its roles as slices. */
function pySites(
  decl: BlockDeclaration,
  net: Network,
  names: Readonly<Record<string, ParameterName>>,
): string {
  const lines: string[] = [];
  const roles = decl.blocks.map((b) => b.name);
  for (const kind of decl.sites)
    for (const g of siteGroups(net, kind)) {
      const loop = g.count > 1 ? loopGroup(net, g) : undefined;
      const scalars = (s: Readonly<Record<string, number>>): string =>
        `{${Object.entries(s)
          .filter(([k]) => decl.scalars.includes(k))
          .map(([k, v]) => `${JSON.stringify(ident(k))}: ${v}`)
          .join(', ')}}`;
      if (loop) {
        const label = loop.label.text
          .map(
            (t, i) =>
              t.replace(/[{}]/g, (m) => m + m) +
              (i < loop.label.numbers.length ? labelNumber(loop.label.numbers[i]!) : ''),
          )
          .join('');
        lines.push(`    for k in range(${loop.count}):  # ${g.kind} sites, ${g.place}`);
        lines.push(`        yield f${JSON.stringify(label)}, {`);
        for (const r of roles) {
          const { shape, numbers } = loop.roles[r]!;
          lines.push(
            `            ${JSON.stringify(r)}: ${pyView(
              net,
              names,
              withNumbers(
                shape,
                numbers.map((x: Affine) => affineText(x)),
              ),
            )},`,
          );
        }
        lines.push(`        }, ${scalars(g.site(0).scalars)}`);
      } else
        for (let i = 0; i < g.count; i++) {
          const s = g.site(i);
          lines.push(`    yield ${JSON.stringify(s.label)}, {`);
          for (const r of roles) {
            const v = s.views[r]!;
            lines.push(
              `        ${JSON.stringify(r)}: ${pyView(net, names, withNumbers(viewShape(net, v), numbersOf(net, v)))},`,
            );
          }
          lines.push(`    }, ${scalars(s.scalars)}`);
        }
    }
  return lines.join('\n');
}

const HEADER: Record<PythonTarget, string> = {
  numpy: `import math

import numpy as np


def _params(P):
    """Named parameters as float64 arrays (a dict of array-likes)."""
    return {k: np.asarray(v, dtype=np.float64) for k, v in dict(P).items()}


def _cat(xs, axis=0):
    return np.concatenate(xs, axis=axis)


def _mm(*ms):
    return ms[0] if len(ms) == 1 else np.linalg.multi_dot(ms)


def _ones(x):
    return np.ones_like(x)


def _array(v):
    return np.asarray(v, dtype=np.float64)
`,
  pytorch: `import csv
import math

import torch


def _params(P):
    """Named parameters as detached float64 copies: a module (its named_parameters()) or a dict."""
    items = P.named_parameters() if hasattr(P, "named_parameters") else dict(P).items()
    return {k: torch.as_tensor(v).detach().to(torch.float64).clone() for k, v in items}


def _grads(model):
    """The gradients held by a module's parameters (p.grad), as float64 tensors by name."""
    return {k: (p.grad if p.grad is not None else torch.zeros_like(p)).detach().to(torch.float64)
            for k, p in model.named_parameters()}


def _cat(xs, axis=0):
    return torch.cat(xs, dim=axis)


def _mm(*ms):
    return ms[0] if len(ms) == 1 else torch.linalg.multi_dot(ms)


def _ones(x):
    return torch.ones_like(x)


def _array(v):
    return torch.tensor(v, dtype=torch.float64)
`,
};

const OSCILLATOR = `_EXPM = {}


def _oscillator(gamma, omega2, h):
    """[[E, e], [0, 1]] = exp(h·[[0, 1, 0], [−ω², −2γ, 1], [0, 0, 0]]).

    (Q, Q̇) ← E (Q, Q̇) + e·2f solves Q̈ + 2γQ̇ + ω²Q = 2f over a time h with f constant.
    """
    key = (gamma, omega2, h)
    if key not in _EXPM:
        a = [[0.0, h, 0.0], [-omega2 * h, -2 * gamma * h, h], [0.0, 0.0, 0.0]]
        s = max(0, math.ceil(math.log2(max(sum(abs(x) for x in row) for row in a) or 1)) + 1)
        a = [[x / 2 ** s for x in row] for row in a]

        def mm(x, y):
            return [[sum(x[i][k] * y[k][j] for k in range(3)) for j in range(3)] for i in range(3)]

        term = [[float(i == j) for j in range(3)] for i in range(3)]
        total = [row[:] for row in term]
        for k in range(1, 21):
            term = [[x / k for x in row] for row in mm(term, a)]
            total = [[total[i][j] + term[i][j] for j in range(3)] for i in range(3)]
        for _ in range(s):
            total = mm(total, total)
        _EXPM[key] = total
    return _EXPM[key]`;

const COMMON = `

def _col(x):
    return x.reshape(-1, 1)


def _tr(*ms):
    """tr(M1 … Mk) without forming the last product: Σ (M1 … Mk−1) ∘ Mkᵀ."""
    if len(ms) == 1:
        return ms[0].trace()
    x = _mm(*ms[:-1])
    return (x * ms[-1].T).sum()


def _value(x):
    """A scalar charge as a Python float; a matrix charge as it is."""
    return float(x) if getattr(x, "ndim", 0) == 0 else x


def load_case(path):
    """A case written by \`noether check … --save-case FILE.json\` (a refuted law's network).

    Returns (P, X, Y, site): the parameters by tensor name, the batch and the site's label.
    """
    import json

    with open(path) as f:
        c = json.load(f)
    P = {k: _array(v) for k, v in c["parameters"].items()}
    return P, _array(c["batch"]["X"]), _array(c["batch"]["Y"]), c["site"]


def save_npz(case_json, path):
    """The saved case as a .npz: X, Y and every parameter by tensor name."""
    import numpy

    P, X, Y, site = load_case(case_json)
    arrays = {k: numpy.asarray(v, dtype=numpy.float64) for k, v in {**P, "X": X, "Y": Y}.items()}
    numpy.savez(path, **arrays)
`;

/** Options of {@link exportPython}. */
export interface ExportOptions {
  readonly derivation?: Derivation;
  readonly seed?: number;
  /** How the network is named in the module's docstring (an arch spec or a model file). */
  readonly source?: string;
}

/** The Python module for a block-level declaration's charge on a network. */
export function exportPython(
  decl: BlockDeclaration,
  network: NamedNetwork,
  target: PythonTarget,
  opts: ExportOptions = {},
): string {
  const d = opts.derivation ?? deriveBlock(decl, { seed: opts.seed ?? 1 });
  const law = chargeLaw(d);
  if (!law || (law.data.kind !== 'trace' && law.data.kind !== 'matrix'))
    throw new UserInputError(`export: ${decl.name} has no charge to export`);
  const trace = law.data.kind === 'trace';
  const net = buildNetwork(network.spec);
  const names = parameterNames(network);
  withFixedScalars(decl, net, `export: ${decl.name}`);
  const sitesCode = pySites(decl, net, names);
  if (!sitesCode)
    throw new UserInputError(
      `export: ${decl.name} acts at ${mlpSiteKinds(decl.sites).join(', ')} sites, and this network has none`,
    );
  const roles = decl.blocks.map((b) => ident(b.name));
  const scalars = decl.scalars.map(ident);
  const args = [...roles, ...scalars].join(', ');
  const gargs = [...roles.map((r) => `g_${r}`), ...scalars].join(', ');
  const sgd = deriveDynamics(decl, d, parseRule('sgd(lr=eta, wd=lambda)'));
  const gf = deriveDynamics(decl, d, parseRule('gf(wd=lambda)'));
  const rec = sgd.laws.find((l) => l.id === 'exact-recursion');
  const mom = deriveDynamics(decl, d, parseRule('momentum(lr=eta, beta=beta, dampening=d, wd=lambda)'));
  const osc = mom.laws.find((l) => l.id === 'oscillator');
  const quad =
    rec?.data.kind === 'recursion'
      ? rec.data.quadG
      : osc?.data.kind === 'oscillator'
        ? osc.data.quadV
        : undefined;
  const decay = gf.laws.find((l) => l.id === 'continuous-decay');
  const hyper = { eta: 'lr', lambda: 'wd' };
  const out: string[] = [];
  const source = opts.source ?? network.spec.widths.join('-');
  const verdict = (l: { verdict: { kind: string } }): string => l.verdict.kind.replace(/-/g, ' ');
  out.push(
    `Conserved quantities of the symmetry '${decl.name}' on ${source} — generated by noether.`,
    '',
    `${decl.description}.`,
    '',
    `Charge (${verdict(law)}): ${law.statement.text}`,
    `LaTeX: ${law.statement.latex}`,
    ...(rec ? [`Under SGD (${verdict(rec)}): ${rec.statement.text}`] : []),
    ...(decay ? [`Under gradient flow with weight decay (${verdict(decay)}): ${decay.statement.text}`] : []),
    '',
    'Parameters (tensor names, as in model.named_parameters() / the state_dict):',
    ...net.blocks.map((b) => {
      const p = names[b.name]!;
      return `    ${p.name} [${p.shape.join(', ')}]${p.transposed ? ' (stored transposed)' : ''}`;
    }),
  );
  out.splice(0, out.length, docstring(out, ''));
  out.push(HEADER[target] + COMMON);
  out.push(
    '',
    `def sites(P):`,
    docstring([
      `Every ${mlpSiteKinds(decl.sites).join(' / ')} site: (label, {role: matrix}, {scalar: value}).`,
    ]),
    sitesCode,
    '',
    '',
    `def charge(${args}):`,
    docstring([law.statement.text, '', `LaTeX: ${law.statement.latex}`]),
    pyReturn(pySum(law.data.sum, trace, {})),
    '',
    '',
    'def charges(P):',
    docstring(['The charge at every site: {label: value} (a float, or a matrix for a matrix charge).']),
    '    P = _params(P)',
    '    return {label: _value(charge(**views, **scalars)) for label, views, scalars in sites(P)}',
  );
  if (quad)
    out.push(
      '',
      '',
      `def drive(${gargs}):`,
      docstring([
        'Q₂(u): the quadratic part of the charge at u — the source of the SGD recursion (u = g, the',
        'minibatch gradient) and of the momentum oscillator (u = θ̇, the velocity).',
      ]),
      pyReturn(
        pySum(
          quad.map((t) => ({ ...t, word: t.word.map((l) => ({ ...l, kind: 'grad' as const })) })),
          trace,
          {},
        ),
      ),
      '',
      '',
      'def drives(G):',
      docstring([
        'Q₂(u) at every site from u named like the parameters (gradients without weight decay, or velocities).',
      ]),
      '    G = _params(G)',
      '    return {label: _value(drive(**{"g_" + r: v for r, v in views.items()}, **scalars))',
      '            for label, views, scalars in sites(G)}',
    );
  if (rec && rec.data.kind === 'recursion') {
    const [cQ, cG] = [tidyExpr(rec.data.cQ), tidyExpr(rec.data.cG)];
    out.push(
      '',
      '',
      'def predict_sgd(q, d, lr, wd=0.0):',
      docstring([
        'One step of the exact SGD recursion: Q_{k+1} = cQ·Q_k + cG·Q₂(g_k), with',
        `cQ = ${pyExpr(cQ, hyper)} and cG = ${pyExpr(cG, hyper)}.`,
      ]),
      `    return ${pyFactor(cQ, hyper)} * q + ${pyFactor(cG, hyper)} * d`,
    );
  }
  if (decay && decay.data.kind === 'decay')
    out.push(
      '',
      '',
      'def predict_flow(q0, t, wd):',
      docstring([decay.statement.text, '(t = lr · steps for gradient descent with a small learning rate)']),
      `    return math.exp(-${pyExpr(tidyExpr(decay.data.rate), hyper, PREC.neg)} * t) * q0`,
    );
  if (osc && osc.data.kind === 'oscillator') {
    const names = { eta: 'lr', beta: 'momentum', d: 'dampening', lambda: 'wd' };
    // Readable forms, printed only where the normal form proves them equal to the derived coefficient.
    const [eta, beta, damp, lambda] = ['eta', 'beta', 'd', 'lambda'].map(sym) as [Expr, Expr, Expr, Expr];
    const inv = (e: Expr): Expr => pow(e, num(-1));
    const scale = mul(eta, sub(ONE_E, damp), add(ONE_E, beta));
    const gammaForm = mul(sub(ONE_E, beta), inv(scale));
    const omegaForms = [1, 2].map((p) => mul(num(2 * p), lambda, inv(scale)));
    out.push(
      '',
      '',
      'def momentum_rate(P, G, lr, momentum, dampening=0.0, wd=0.0):',
      docstring([
        "Q̇(0) at every site: the derivative of the charge along θ̇(0), the oscillator's start for PyTorch's SGD.",
        '',
        'PyTorch takes its first momentum step undampened, so the start is',
        'θ̇(0) = −(g₀ + λθ₀)(1 + d)/((1 + β)(1 − d)), d the dampening (−(g₀ + λθ₀)/(1 + β)',
        'without it),',
        'where the slow motion of the recursion from that first step starts.',
        '(Q(θ + v) − Q(θ − v))/2 is the derivative exactly, the charge being of degree ≤ 2.',
      ]),
      '    P, G = _params(P), _params(G)',
      '    v = {k: -(G[k] + wd * P[k]) * (1 + dampening) / ((1 + momentum) * (1 - dampening)) for k in P}',
      '    plus, minus = charges({k: P[k] + v[k] for k in P}), charges({k: P[k] - v[k] for k in P})',
      '    return {s: (plus[s] - minus[s]) / 2 for s in plus}',
      '',
      '',
      OSCILLATOR,
      '',
      '',
      'def predict_momentum(q, rate, f, lr, momentum, dampening=0.0, wd=0.0):',
      docstring([
        "One step of heavy-ball momentum's continuous limit (time h = lr·(1 − dampening) per step):",
        `${osc.statement.text.split('. Homogeneous')[0]}.`,
        'The drive f = Q₂(θ̇) is held constant over the step; returns (Q, Q̇) one step on.',
      ]),
      `    gamma = ${pyExpr(tidyExpr(osc.data.gamma, [gammaForm]), names)}`,
      `    omega2 = ${pyExpr(tidyExpr(osc.data.omega2, omegaForms), names)}`,
      '    E = _oscillator(gamma, omega2, lr * (1 - dampening))',
      '    return (E[0][0] * q + E[0][1] * rate + E[0][2] * 2 * f, E[1][0] * q + E[1][1] * rate + E[1][2] * 2 * f)',
    );
  }
  if (target === 'pytorch')
    out.push(
      monitor(
        Boolean(rec && rec.data.kind === 'recursion'),
        Boolean(decay),
        Boolean(osc && osc.data.kind === 'oscillator'),
        decl.sites.some((k) => NORMALISED.includes(k)),
      ),
    );
  return out.join('\n') + '\n';
}

function monitor(recursion: boolean, flow: boolean, oscillator: boolean, normalised: boolean): string {
  return `

def _norm(x):
    return abs(x) if isinstance(x, float) else float(torch.linalg.norm(x))


class Monitor:
    """Logs each charge, its prediction from its initial value and their relative gap, every k steps.

    torch.optim.SGD without momentum: SGD's exact recursion (any minibatch, any weight decay),
    driven by the gradients the optimizer steps with (law "sgd-recursion", exact up to rounding).
    torch.optim.SGD with momentum (not Nesterov): the damped, driven oscillator, the continuous limit
    (law "momentum-oscillator", second order in the learning rate), driven by the measured velocity.
    Other optimizers, several parameter groups, or a model parameter the optimizer does not step
    (frozen, or left out of it): the charges and the gradient-flow prediction only (law "none").
    The oscillator starts where PyTorch's undampened first momentum step puts the slow motion, so it
    is second order with dampening too.
    """

    def __init__(self, model, optimizer, path="charges.csv", every=1):
        self.model, self.optimizer, self.every = model, optimizer, every
        self.step, self.q0, self.pred, self.rate, self.worst = 0, None, None, None, 0.0
        self.drive, self.before, self.law = None, None, "none"
        self.file = open(path, "w", newline="")
        self.csv = csv.writer(self.file)
        self.csv.writerow(["step", "site", "law", "charge", "predicted", "predicted_flow", "relative_error"])
        # Wrap this optimizer's step (works with every torch version; close() restores it).
        self._step = optimizer.step

        def step(*args, **kwargs):
            self._pre()
            out = self._step(*args, **kwargs)
            self._post()
            return out

        # An LR scheduler marks the step it wraps; keep the mark so that it does not warn.
        if hasattr(self._step, "_with_counter"):
            step._with_counter = self._step._with_counter
        optimizer.step = step
        if ${normalised ? 'True' : 'False'}:
            norms = (torch.nn.modules.batchnorm._BatchNorm, torch.nn.LayerNorm)
            eps = {float(m.eps) for m in model.modules() if isinstance(m, norms) and m.eps}
            if eps:
                import warnings

                warnings.warn(
                    f"this symmetry is exact for normalisation layers with eps = 0; with eps = {max(eps):g} the "
                    "charges drift from the prediction by about eps / (the layer's variance)", stacklevel=2)

    def _stepped(self):
        """Whether the optimizer steps every parameter of the model (the laws are about all of them)."""
        ids = {id(p) for group in self.optimizer.param_groups for p in group["params"]}
        return all(id(p) in ids and p.requires_grad and p.grad is not None for p in self.model.parameters())

    def _hyper(self):
        g = self.optimizer.param_groups[0]
        mom = g.get("momentum", 0.0)
        law = "none"
        if isinstance(self.optimizer, torch.optim.SGD) and len(self.optimizer.param_groups) == 1:
            if mom == 0 and ${recursion ? 'True' : 'False'}:
                law = "sgd-recursion"
            elif mom > 0 and not g.get("nesterov", False) and ${oscillator ? 'True' : 'False'}:
                law = "momentum-oscillator"
        return g["lr"], g.get("weight_decay", 0.0), mom, g.get("dampening", 0.0), law

    def _pre(self):
        lr, wd, mom, damp, law = self._hyper()
        if self.q0 is None:
            self.q0 = charges(self.model)
            self.pred = dict(self.q0)
            self.law = law if self._stepped() else "none"
            if self.law == "momentum-oscillator":
                self.rate = momentum_rate(self.model, _grads(self.model), lr, mom, damp, wd)
            self._log(self.q0)
        if law != self.law or not self._stepped():
            self.law = "none"
        if self.law == "sgd-recursion":
            self.drive = drives(_grads(self.model))
        elif self.law == "momentum-oscillator":
            self.before = _params(self.model)

    def _post(self):
        self.step += 1
        lr, wd, mom, damp, law = self._hyper()
        if self.law == "sgd-recursion":
            self.pred = {s: predict_sgd(self.pred[s], self.drive[s], lr, wd) for s in self.pred}
        elif self.law == "momentum-oscillator":
            h = lr * (1 - damp)
            after = _params(self.model)
            f = drives({k: (after[k] - self.before[k]) / h for k in after})
            nxt = {s: predict_momentum(self.pred[s], self.rate[s], f[s], lr, mom, damp, wd) for s in f}
            self.pred = {s: v[0] for s, v in nxt.items()}
            self.rate = {s: v[1] for s, v in nxt.items()}
        if self.step % self.every == 0:
            self._log(charges(self.model))

    def _log(self, q):
        lr, wd, mom, damp, law = self._hyper()
        exact = self.law != "none"
        for s, v in q.items():
            p = self.pred[s] if exact else float("nan")
            f = ${flow ? 'predict_flow(self.q0[s], lr * self.step, wd)' : 'float("nan")'}
            gap = _norm(v - p) / max(_norm(v), _norm(p), 1e-300) if exact else float("nan")
            if exact:
                self.worst = max(self.worst, gap)
            self.csv.writerow([self.step, s, self.law, _norm(v) if not isinstance(v, float) else v,
                               _norm(p) if exact and not isinstance(p, float) else p,
                               _norm(f) if not isinstance(f, float) else f, gap])
        self.file.flush()

    def close(self):
        self.optimizer.step = self._step
        self.file.close()


def attach(model, optimizer, path="charges.csv", every=1):
    """Start logging the charges of \`model\` while \`optimizer\` trains it; returns the Monitor."""
    return Monitor(model, optimizer, path, every)
`;
}
