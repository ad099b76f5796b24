/**
 * Case analysis on the kinks: a residual whose exact normal form keeps step(u) and sign(u) atoms
 * (relu(u) = u·step(u), abs(u) = u·sign(u), leaky_relu(u, s) = u(s + (1 − s)·step(u))) is split on
 * the values those atoms take — step(u), step(−u) ∈ {(1, 0), (0, 1)}, sign(u) ∈ {−1, 1} off the
 * kink surfaces, and also (0, 0) and 0 on them — and each branch is decided by the normal form.
 * Zero on every branch off the kinks proves a law almost everywhere; zero on every branch including
 * the kinks' values proves it everywhere (branches that cannot occur only make the test stricter).
 */
import { type Expr, num, neg } from '../expr/ast';
import { Normalizer, NormalFormError, exactZero, sharedNormalForm } from '../expr/normal';
import { toText } from '../expr/print';

/** At most this many kink groups are split (2–3 values each). */
const MAX_GROUPS = 8;

interface Group {
  /** The atoms' displays (step(u), and step(−u) when paired; or sign(u)). */
  readonly atoms: readonly Expr[];
  /** The value tuples the atoms take off the kinks, and on them. */
  readonly off: readonly (readonly number[])[];
  readonly on: readonly (readonly number[])[];
  readonly arg: Expr;
}

const same = (a: Expr, b: Expr): boolean => JSON.stringify(a) === JSON.stringify(b);

function replace(e: Expr, atoms: readonly Expr[], values: readonly number[]): Expr {
  const i = atoms.findIndex((a) => same(a, e));
  if (i >= 0) return num(values[i]!);
  switch (e.kind) {
    case 'add':
      return { kind: 'add', terms: e.terms.map((t) => replace(t, atoms, values)) };
    case 'mul':
      return { kind: 'mul', factors: e.factors.map((t) => replace(t, atoms, values)) };
    case 'pow':
      return { kind: 'pow', base: replace(e.base, atoms, values), exp: replace(e.exp, atoms, values) };
    case 'call':
      return { ...e, args: e.args.map((t) => replace(t, atoms, values)) };
    default:
      return e;
  }
}

/** The step and sign calls of an expression (each once). */
function kinkAtoms(e: Expr, out = new Map<string, Expr>()): Map<string, Expr> {
  switch (e.kind) {
    case 'add':
      e.terms.forEach((t) => kinkAtoms(t, out));
      break;
    case 'mul':
      e.factors.forEach((t) => kinkAtoms(t, out));
      break;
    case 'pow':
      kinkAtoms(e.base, out);
      kinkAtoms(e.exp, out);
      break;
    case 'call':
      if (e.fn === 'step' || e.fn === 'sign') out.set(JSON.stringify(e), e);
      else e.args.forEach((t) => kinkAtoms(t, out));
      break;
    default:
      break;
  }
  return out;
}

/** Whether the residual vanishes on every branch of its kinks: 'everywhere', 'almost everywhere', or not shown. */
export function branchProof(residual: Expr):
  | {
      readonly scope: 'everywhere' | 'almost everywhere';
      readonly args: readonly string[];
      readonly branches: number;
    }
  | undefined {
  let form: Expr;
  try {
    const { n, form: normal } = sharedNormalForm(residual);
    form = n.toExpr(normal);
  } catch (err) {
    if (err instanceof NormalFormError) return undefined;
    throw err;
  }
  const calls = [...kinkAtoms(form).values()];
  if (calls.length === 0) return undefined;
  const key = (e: Expr): string => {
    const n = new Normalizer();
    return n.key(n.normalize(e));
  };
  const groups: Group[] = [];
  const used = new Set<number>();
  calls.forEach((c, i) => {
    if (used.has(i) || c.kind !== 'call') return;
    used.add(i);
    const arg = c.args[0]!;
    if (c.fn === 'sign') {
      groups.push({ atoms: [c], off: [[-1], [1]], on: [[0]], arg });
      return;
    }
    const j = calls.findIndex(
      (d, k) => !used.has(k) && d.kind === 'call' && d.fn === 'step' && key(d.args[0]!) === key(neg(arg)),
    );
    if (j >= 0) {
      used.add(j);
      groups.push({
        atoms: [c, calls[j]!],
        off: [
          [1, 0],
          [0, 1],
        ],
        on: [[0, 0]],
        arg,
      });
    } else groups.push({ atoms: [c], off: [[0], [1]], on: [], arg });
  });
  if (groups.length > MAX_GROUPS) return undefined;
  const atoms = groups.flatMap((g) => g.atoms);
  const zeroOn = (choices: readonly (readonly (readonly number[])[])[]): number | undefined => {
    let count = 0;
    const go = (i: number, values: number[]): boolean => {
      if (i === choices.length) {
        count++;
        return exactZero(replace(form, atoms, values)) === 'zero';
      }
      return choices[i]!.every((v) => go(i + 1, [...values, ...v]));
    };
    return go(0, []) ? count : undefined;
  };
  const off = zeroOn(groups.map((g) => g.off));
  if (off === undefined) return undefined;
  const args = groups.map((g) => toText(g.arg));
  const all = zeroOn(groups.map((g) => [...g.off, ...g.on]));
  return all !== undefined
    ? { scope: 'everywhere', args, branches: all }
    : { scope: 'almost everywhere', args, branches: off };
}
