/**
 * Theorems about mirror symmetries [SIS; GU for odd activations]: the structure a reflection
 * forces. Each states the symmetric solutions as equations (and, where one is known, the
 * attraction threshold); the proof derives them from the catalog declaration's involution and
 * compares: equations exactly (the derived rows span the stated ones), thresholds by decideZero.
 */
import { loadCatalog } from '../src/catalog';
import { deriveMirror } from '../src/mirror/derive';
import { deriveBlockMirror } from '../src/mirror/deriveBlock';
import { parseExpr } from '../src/expr/parse';
import { sub, type Expr } from '../src/expr/ast';
import { exactZero } from '../src/expr/normal';
import { decideZero } from '../src/verify/zero';
import type { Rendered } from '../src/derivation';
import { certificateOf, type Certificate, type ProofStep } from '../src/certificate';
import type { Verdict } from '../src/verdict';

export interface MirrorTheorem {
  readonly kind: 'mirror-theorem';
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly statement: Rendered;
  readonly symmetry: string;
  /**
   * The symmetric solutions: each an expression that vanishes on them (concrete), or a block
   * equation such as 'P W1 = 0' (block level).
   */
  readonly constraints: readonly string[];
  /** The attraction threshold γ*, as an expression in the data, when stated. */
  readonly threshold?: string;
}

/** A stated equation that differs from the derivation: exact, so the counterexample is the comparison itself. */
const mismatch = (why: string, stated: string, derived: string): Verdict => ({
  kind: 'refuted',
  why,
  counterexample: { kind: 'mismatch', stated, derived },
});

export function proveMirror(t: MirrorTheorem): Certificate {
  const steps: ProofStep[] = [];
  const decl = loadCatalog(t.symmetry);
  const cert = (): Certificate => certificateOf(t, steps);
  if (decl && decl.kind === 'block-mirror') {
    // Block level: the stated equations (in the derivation's canonical word form) must be exactly the derived ones.
    const d = deriveBlockMirror(decl);
    for (const l of d.laws)
      steps.push({ claim: `derived: ${l.title}: ${l.statement.text}`, verdict: l.verdict });
    const derived = (d.laws.find((l) => l.id === 'mirror-constraint')?.statement.text ?? '').split(', ');
    const missing = t.constraints.filter((e) => !derived.includes(e));
    const extra = derived.filter((e) => !t.constraints.includes(e));
    steps.push({
      claim: `the symmetric solutions are ${t.constraints.join(', ')}`,
      verdict:
        missing.length || extra.length
          ? mismatch(
              'the derived constraints differ from the stated ones',
              t.constraints.join(', '),
              derived.join(', '),
            )
          : {
              kind: 'proved',
              method: 'the derived block equations (canonical words) are the stated ones',
              evidence: derived.join(', '),
            },
    });
    return cert();
  }
  if (!decl || decl.kind !== 'mirror') {
    steps.push({
      claim: `read catalog/${t.symmetry}`,
      verdict: { kind: 'inconclusive', reason: 'not a mirror declaration in the catalog' },
    });
    return cert();
  }
  const d = deriveMirror(decl);
  for (const l of d.laws)
    steps.push({ claim: `derived: ${l.title}: ${l.statement.text}`, verdict: l.verdict });
  const c = d.laws.find((l) => l.id === 'mirror-constraint');
  if (!c || c.data.kind !== 'vector') return cert();
  const derived = Object.values(c.data.components);
  // Each stated equation must be the same as a derived one up to sign (both sets are in reduced form).
  for (const text of t.constraints) {
    const e = parseExpr(text);
    const same = derived.some(
      (x: Expr) => exactZero(sub(x, e)) === 'zero' || exactZero({ kind: 'add', terms: [x, e] }) === 'zero',
    );
    steps.push({
      claim: `the symmetric solutions satisfy ${text} = 0`,
      verdict: same
        ? {
            kind: 'proved',
            method: 'equal to a derived reduced constraint row (exact)',
            evidence: `${derived.length} derived rows`,
          }
        : mismatch(`${text} = 0 is not among the derived constraints`, `${text} = 0`, derived.join(', ')),
    });
  }
  if (derived.length !== t.constraints.length)
    steps.push({
      claim: 'the stated equations are all of them',
      verdict: mismatch(
        `${derived.length} derived constraints, ${t.constraints.length} stated`,
        t.constraints.join(', '),
        derived.join(', '),
      ),
    });
  if (t.threshold) {
    const th = d.laws.find((l) => l.id === 'attraction-threshold');
    if (!th || th.data.kind !== 'expr')
      steps.push({
        claim: 'attraction threshold',
        verdict: { kind: 'inconclusive', reason: 'no closed-form threshold derived' },
      });
    else {
      const v: Verdict = decideZero({
        terms: [
          th.data.expr,
          { kind: 'mul', factors: [{ kind: 'num', value: '-1' }, parseExpr(t.threshold)] },
        ],
        variables: [...decl.data, ...decl.parameters].map((name) => ({ name, role: 'data' as const })),
        seed: 1,
        claim: `γ* = ${t.threshold}`,
      });
      steps.push({ claim: `the attraction threshold is γ* = ${t.threshold}`, verdict: v });
    }
  }
  return cert();
}

export const MIRROR_THEOREMS: readonly MirrorTheorem[] = [
  {
    kind: 'mirror-theorem',
    id: 'sis-rescaling-sparsity',
    title: 'Rescaling symmetry → sparsity',
    source: 'SIS §3',
    statement: {
      text:
        'for ℓ depending on u·w, the mirror (u, w) → (−u, −w) makes u = w = 0 invariant; with ' +
        'weight decay γ > |xy| it attracts',
      latex: 'u = w = 0, \\quad \\gamma^\\ast = |x y|',
    },
    symmetry: 'mirror-sign-flip',
    constraints: ['u', 'w'],
    threshold: 'abs(x*y)',
  },
  {
    kind: 'mirror-theorem',
    id: 'sis-permutation-identical',
    title: 'Permutation symmetry → identical neurons (homogeneous ensembling)',
    source: 'SIS §3',
    statement: {
      text: 'swapping two hidden units makes the set of identical units invariant under GD and SGD',
      latex: 'a_1 = a_2, \\; v_1 = v_2',
    },
    symmetry: 'mirror-swap',
    constraints: ['a1 - a2', 'v1 - v2'],
  },
  {
    kind: 'mirror-theorem',
    id: 'gu-odd-dead-unit',
    title: 'Odd activation → a dead unit is an invariant, possibly attracting, solution',
    source: 'GU; SIS §3',
    statement: {
      text:
        'for an odd activation the flip (w_in, w_out) → (−w_in, −w_out) of one unit makes the ' +
        'dead unit w_in = w_out = 0 invariant',
      latex: 'a_1 = v_1 = 0',
    },
    symmetry: 'mirror-odd',
    constraints: ['a1', 'v1'],
  },
  {
    kind: 'mirror-theorem',
    id: 'sis-odd-dead-unit-blocks',
    title: 'Odd activation → dead units, for every width (block level)',
    source: 'GU; SIS §3',
    statement: {
      text:
        'flipping a hidden unit of an odd activation, (w_in, w_out) → (−w_in, −w_out), makes the ' +
        'dead unit w_in = 0, w_out = 0 invariant',
      latex: 'w_{in} = 0, \\; w_{out} = 0',
    },
    symmetry: 'unit-sign-flip',
    constraints: ['w_in = 0', 'w_out = 0'],
  },
  {
    kind: 'mirror-theorem',
    id: 'sis-permutation-identical-blocks',
    title: 'Permutation → identical neurons, for every width (block level)',
    source: 'SIS §3',
    statement: {
      text: 'exchanging two hidden units makes identical units invariant: w_in1 = w_in2, w_out1 = w_out2',
      latex: 'w_{in,1} = w_{in,2}, \\; w_{out,1} = w_{out,2}',
    },
    symmetry: 'unit-swap',
    constraints: ['w_in1 = w_in2', 'w_out1 = w_out2'],
  },
  {
    kind: 'mirror-theorem',
    id: 'sis-rotation-low-rank',
    title: 'Rotation symmetry → low rank (block level)',
    source: 'SIS §3',
    statement: {
      text:
        'the reflection R = I − 2P of a linear hidden layer (ℓ(W1, W2) = ℓ(R W1, W2 R)) makes P ' +
        'W1 = 0, W2 P = 0 invariant: the layer loses rank(P)',
      latex: 'P W_1 = 0, \\; W_2 P = 0',
    },
    symmetry: 'rotation-reflection',
    constraints: ['P W1 = 0', 'W2 P = 0'],
  },
  {
    kind: 'mirror-theorem',
    id: 'sis-rescaling-equal-factors',
    title: 'Rescaling → equal factors of a product parametrisation (block level)',
    source: 'SIS §3',
    statement: {
      text: 'for ℓ depending on ⟨u, w⟩ the exchange u ↔ w is a mirror; its symmetric solutions have u = w',
      latex: 'u = w',
    },
    symmetry: 'product-swap',
    constraints: ['u = w'],
  },
];
