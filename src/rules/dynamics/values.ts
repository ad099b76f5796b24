/**
 * A derived law at the rule's numeric step size. Laws are derived with the step size η symbolic
 * (continuous forms are series in it) and every other given value substituted; this writes the
 * law's coefficients once more with η's value too, as numbers where nothing symbolic is left.
 */
import { type Expr, substitute } from '../../expr/ast';
import { expanded } from '../../expr/normal';
import { toLatex, toText } from '../../expr/print';
import { evaluate } from '../../expr/evaluate';
import type { Rendered } from '../../derivation';
import type { Rule } from '../rule';
import { hyperExpr } from './context';
import type { DynamicsLaw } from './types';

/** e with η's value, as a number when no symbol is left (six significant digits), else expanded. */
function coefficient(
  e: Expr,
  lr: ReadonlyMap<string, Expr>,
): { text: string; latex: string; value?: number } {
  const x = expanded(substitute(e, lr));
  if (x.kind === 'num') {
    const value = evaluate(x, new Map());
    const text = Number(value.toPrecision(6)).toString();
    return { text, latex: text, value };
  }
  return { text: `(${toText(x)})`, latex: `\\left(${toLatex(x)}\\right)` };
}

/** `c·Q` written without a factor 1; undefined when c is 0. */
function term(c: ReturnType<typeof coefficient>, what: Rendered): Rendered | undefined {
  if (c.value === 0) return undefined;
  if (c.value === 1) return what;
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

/**
 * The law at the rule's numeric step size, or undefined when the rule gives none or the law has no
 * coefficients in it.
 */
export function atStepSize(law: DynamicsLaw, rule: Rule, qn: 'Q' | 'C'): Rendered | undefined {
  if (!('lr' in rule.params) || rule.params.lr.value === undefined) return undefined;
  const lr = new Map([[rule.params.lr.symbol, hyperExpr(rule.params.lr)]]);
  const c = (e: Expr): ReturnType<typeof coefficient> => coefficient(e, lr);
  const Q2 = (arg: string): Rendered => R(`${qn}₂(${arg})`, `${qn}_2(${arg})`);
  const d = law.data;
  switch (d.kind) {
    case 'recursion':
      return sum(R(`${qn}_{k+1}`, `${qn}_{k+1}`), [
        term(c(d.cQ), R(`${qn}_k`, `${qn}_k`)),
        d.quadG.length ? term(c(d.cG), Q2('g_k')) : undefined,
      ]);
    case 'continuous':
      return sum(R(`d${qn}/dt`, `\\frac{d${qn}}{dt}`), [
        term(c(d.rate), R(qn, qn)),
        d.quadG.length ? term(c(d.source), Q2('g')) : undefined,
      ]);
    case 'normalisation': {
      const rec = sum(R('ρ²_{k+1}', '\\rho_{k+1}^2'), [
        term(c(d.cQ), R('ρ²_k', '\\rho_k^2')),
        term(c(d.cG), R('‖ĝ_k‖²/ρ²_k', '\\lVert \\hat g_k \\rVert^2/\\rho_k^2')),
      ]);
      if (!d.steady) return R(`${rec.text}; no steady state`, rec.latex);
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
