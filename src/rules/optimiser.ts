/**
 * The optimiser a learning rule runs as (numeric/optim.ts), at numeric hyper-parameters by symbol.
 */
import type { OptimiserSpec } from '../../numeric/optim';
import type { Rule } from './rule';

/**
 * A rule's optimiser at the given hyper-parameter values (keyed by symbol); `undefined` for
 * gradient flow, which is integrated rather than stepped. `diagonal` is the constant metric a
 * `precond` rule divides by.
 */
export function optimiserSpec(
  rule: Rule,
  hyper: Readonly<Record<string, number>>,
  diagonal: () => Float64Array,
): OptimiserSpec | undefined {
  const h = (p: { readonly symbol: string }): number => hyper[p.symbol]!;
  switch (rule.kind) {
    case 'sgd':
      return { kind: 'sgd' };
    case 'momentum':
      return { kind: 'momentum', beta: h(rule.params.beta), dampening: h(rule.params.dampening) };
    case 'precond':
      return { kind: 'precond', diagonal: diagonal() };
    case 'adam':
      return {
        kind: 'adam',
        beta1: h(rule.params.beta1),
        beta2: h(rule.params.beta2),
        eps: h(rule.params.eps),
      };
    case 'gf':
      return undefined;
  }
}
