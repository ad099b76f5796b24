/**
 * What a theorem module is, and how it is proved: the theorem states its formula as data (a
 * block-level word sum); the proof derives the laws of the catalog declaration from its action
 * and shows, in the canonical word algebra, that the derived law is the stated one. The
 * derivation's own verdict (block algebra + exact instantiation check) is a step of the proof.
 */
import { loadCatalog } from '../src/catalog';
import { derive } from '../src/derive';
import type { LawId, Rendered, Law } from '../src/derivation';
import { certificateOf, type Certificate, type ProofStep } from '../src/certificate';
import {
  Algebra,
  letter,
  type WordSum,
  type TraceSum,
  type Letter,
  matrixText,
  traceText,
} from '../src/derive/words';
import { num, type Expr } from '../src/expr/ast';
import { rat } from '../src/expr/rational';
import type { Verdict } from '../src/verdict';

export type Expected =
  | { readonly kind: 'trace'; readonly sum: TraceSum }
  | { readonly kind: 'matrix'; readonly sum: WordSum }
  | {
      readonly kind: 'hvp';
      readonly direction: Readonly<Record<string, WordSum>>;
      readonly rhs: Readonly<Record<string, WordSum>>;
    };

export interface Theorem {
  readonly id: string;
  readonly title: string;
  /** Short source name and section (docs/theory.md's references). */
  readonly source: string;
  readonly statement: Rendered;
  /** The catalog declaration whose derivation proves it. */
  readonly symmetry: string;
  readonly law: LawId;
  readonly expected: Expected;
}

// Builders for stated formulas.
export const th = (name: string): Letter => letter('block', name);
export const g = (name: string): Letter => letter('grad', name);
export const ones = (block: string): Letter => letter('ones', block);
/** A declared constant matrix (e.g. the generator A of an augmentation). */
export const k = (name: string): Letter => letter('const', name);
export const T = (l: Letter): Letter => ({ ...l, t: !l.t });
export const c = (p: number, q = 1): Expr => num(rat(p, q));
/** coef · ⟨x, y⟩ as a trace term. */
export const inner = (coef: Expr, x: Letter, y: Letter): TraceSum[number] => ({ coef, word: [T(x), y] });
export const term = (coef: Expr, ...word: Letter[]): WordSum[number] => ({ coef, word });

export function prove(t: Theorem, seed = 1): Certificate {
  const steps: ProofStep[] = [];
  const decl = loadCatalog(t.symmetry);
  if (!decl || decl.kind !== 'block') {
    const v: Verdict = {
      kind: 'inconclusive',
      reason: `catalog declaration '${t.symmetry}' is missing or not block-level`,
    };
    return certificateOf(t, [{ claim: `read catalog/${t.symmetry}`, verdict: v }]);
  }
  const d = derive(decl, { seed });
  const candidates = d.laws.filter((l) => l.id === t.law && l.data.kind === t.expected.kind);
  const alg = new Algebra(new Map(decl.constants.map((k) => [k.name, k.structure])), new Map());
  const matches = (l: Law): boolean => {
    const e = t.expected;
    if (e.kind === 'trace' && l.data.kind === 'trace') return alg.equalTrace(l.data.sum, e.sum);
    if (e.kind === 'matrix' && l.data.kind === 'matrix') {
      const m = l.data.sum;
      return (
        alg.equalMatrix(m, e.sum) ||
        alg.equalMatrix(
          m,
          e.sum.map((x) => ({ coef: { kind: 'mul', factors: [num(-1), x.coef] }, word: x.word })),
        )
      );
    }
    if (e.kind === 'hvp' && l.data.kind === 'hvp') {
      const data = l.data;
      const blocks = new Set([...Object.keys(e.rhs), ...Object.keys(data.rhs)]);
      return [...blocks].every(
        (b) =>
          alg.equalMatrix(data.rhs[b] ?? [], e.rhs[b] ?? []) &&
          alg.equalMatrix(data.direction[b] ?? [], e.direction[b] ?? []),
      );
    }
    return false;
  };
  const found = candidates.find(matches);
  const law = found ?? candidates[0];
  if (!law) {
    const v: Verdict = {
      kind: 'inconclusive',
      reason: `the derivation of '${t.symmetry}' has no ${t.law} law of kind ${t.expected.kind}`,
    };
    steps.push({ claim: `derive the laws of ${t.symmetry}`, verdict: v });
    return certificateOf(t, steps);
  }
  steps.push({
    claim: `derived from the action of ${t.symmetry} (${decl.origin}): ${law.statement.text}`,
    verdict: law.verdict,
  });
  const stated =
    t.expected.kind === 'trace'
      ? traceText(t.expected.sum)
      : t.expected.kind === 'matrix'
        ? matrixText(t.expected.sum)
        : Object.entries(t.expected.rhs)
            .map(([b, s]) => `(H·X)_${b} = ${s.length ? matrixText(s) : '0'}`)
            .join('; ');
  const compare: Verdict = found
    ? {
        kind: 'proved',
        method: 'equal canonical forms in the word algebra (valid for every size)',
        evidence: `stated: ${stated}`,
      }
    : {
        kind: 'refuted',
        why: `the derived law differs from the stated formula ${stated}`,
        counterexample: { kind: 'mismatch', stated, derived: law.statement.text },
      };
  steps.push({ claim: `the derived law is the stated formula`, verdict: compare });
  return certificateOf(t, steps);
}
