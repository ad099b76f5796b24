/**
 * A derived law at the rule's numeric step size. Laws are derived with the step size η symbolic
 * (continuous forms are series in it) and every other given value substituted; this writes the
 * law's coefficients once more with η's value too, as numbers where nothing symbolic is left.
 */
import { type Expr, numValue, substitute } from '../../expr/ast';
import { toNumber } from '../../expr/rational';
import { expanded } from '../../expr/normal';
import { toLatex, toText } from '../../expr/print';
import type { Rendered } from '../../derivation';
import type { Rule } from '../rule';
import { hyperExpr } from './context';
import type { DynamicsLaw } from './types';

interface Coefficient {
  readonly text: string;
  readonly latex: string;
  /** Its value, when no symbol is left. */
  readonly value?: number;
  /** Its sign against 1, decided exactly (−1: below 1, 0: exactly 1, 1: above), when numeric. */
  readonly vsOne?: -1 | 0 | 1;
  readonly zero?: boolean;
}

/**
 * e with η's value, as a number when no symbol is left (six significant digits; a value within
 * rounding of 1 but not 1 written 1 − δ, so a decay is never printed away), else expanded.
 */
function coefficient(e: Expr, lr: ReadonlyMap<string, Expr>): Coefficient {
  const x = expanded(substitute(e, lr));
  if (x.kind === 'num') {
    const r = numValue(x);
    const diff = r.n - r.d; // the sign of r − 1 (d > 0)
    const vsOne = diff === 0n ? 0 : diff < 0n ? -1 : 1;
    const value = toNumber(r);
    const shown = (v: number): string => Number(v.toPrecision(6)).toString();
    const text =
      vsOne !== 0 && shown(value) === '1'
        ? `(1 ${vsOne < 0 ? '−' : '+'} ${shown(toNumber({ n: diff < 0n ? -diff : diff, d: r.d }))})`
        : shown(value);
    return { text, latex: text.replace('−', '-'), value, vsOne, zero: r.n === 0n };
  }
  return { text: `(${toText(x)})`, latex: `\\left(${toLatex(x)}\\right)` };
}

/** `c·Q` written without a factor 1; undefined when c is 0. */
function term(c: Coefficient, what: Rendered): Rendered | undefined {
  if (c.zero) return undefined;
  if (c.vsOne === 0) return what;
  return { text: `${c.text}·${what.text}`, latex: `${c.latex} \\, ${what.latex}` };
}

function sum(lhs: Rendered, terms: readonly (Rendered | undefined)[]): Rendered {
  const ts = terms.filter((t): t is Rendered => t !== undefined);
  if (ts.length === 0) return { text: `${lhs.text} = 0`, latex: `${lhs.latex} = 0` };
  return {
    text: `${lhs.text} = ${ts.map((t) => t.text).join(' + ')}`,
    latex: `${lhs.latex} = ${ts.map((t) => t.latex).join(' + ')}`,
  };
}

const R = (text: string, latex: string): Rendered => ({ text, latex });

/** |η·rate| above which the continuous form's first-order rate is flagged as inaccurate. */
const LARGE_STEP = 0.1;

/**
 * The law at the rule's numeric step size, or undefined when the rule gives none or the law has no
 * coefficients in it.
 */
export function atStepSize(law: DynamicsLaw, rule: Rule, qn: 'Q' | 'C'): Rendered | undefined {
  if (!('lr' in rule.params) || rule.params.lr.value === undefined) return undefined;
  const lr = new Map([[rule.params.lr.symbol, hyperExpr(rule.params.lr)]]);
  const c = (e: Expr): Coefficient => coefficient(e, lr);
  const Q2 = (arg: string): Rendered => R(`${qn}₂(${arg})`, `${qn}_2(${arg})`);
  const d = law.data;
  switch (d.kind) {
    case 'recursion':
      return sum(R(`${qn}_{k+1}`, `${qn}_{k+1}`), [
        term(c(d.cQ), R(`${qn}_k`, `${qn}_k`)),
        d.quadG.length ? term(c(d.cG), Q2('g_k')) : undefined,
      ]);
    case 'continuous': {
      const rate = c(d.rate);
      const law = sum(R(`d${qn}/dt`, `\\frac{d${qn}}{dt}`), [
        term(rate, R(qn, qn)),
        d.quadG.length ? term(c(d.source), Q2('g')) : undefined,
      ]);
      // The rate is a series in η: where one step decays the charge by much (|η·rate| not small) it
      // is no longer the exact recursion's, and the statement says so.
      const step = rate.value !== undefined ? rate.value * rule.params.lr.value : 0;
      return Math.abs(step) > LARGE_STEP
        ? R(`${law.text} (first order in η: η·rate = ${Number(step.toPrecision(3))} is not small)`, law.latex)
        : law;
    }
    case 'normalisation': {
      const rec = sum(R('ρ²_{k+1}', '\\rho_{k+1}^2'), [
        term(c(d.cQ), R('ρ²_k', '\\rho_k^2')),
        term(c(d.cG), R('‖ĝ_k‖²/ρ²_k', '\\lVert \\hat g_k \\rVert^2/\\rho_k^2')),
      ]);
      // A steady state needs ρ² to shrink by itself at these values: c_Q < 1, decided exactly.
      const q = c(d.cQ).vsOne;
      if (!d.steady || (q !== undefined && q >= 0))
        return R(
          `${rec.text}; no steady state (${q === 1 ? 'ρ² grows geometrically' : 'ρ never decreases'})`,
          rec.latex,
        );
      const s = c(d.steady);
      return R(
        `${rec.text}; steady state ρ⁴ = ${s.text}·‖ĝ‖²`,
        `${rec.latex}, \\quad \\rho^4_\\ast = ${s.latex} \\lVert \\hat g \\rVert^2`,
      );
    }
    case 'two-step':
      return sum(R(`${qn}_{k+1}`, `${qn}_{k+1}`), [
        term(c(d.cur), R(`${qn}_k`, `${qn}_k`)),
        term(c(d.prev), R(`${qn}_{k−1}`, `${qn}_{k-1}`)),
      ]);
    case 'oscillator': {
      const [m, g, w] = [c(d.m), c(d.gamma), c(d.omega2)];
      return R(
        `m = ${m.text}, γ = ${g.text}, ω² = ${w.text}`,
        `m = ${m.latex}, \\ \\gamma = ${g.latex}, \\ \\omega^2 = ${w.latex}`,
      );
    }
    case 'identity':
    case 'metric-charge':
    case 'decay':
    case 'none':
      return undefined;
  }
}
