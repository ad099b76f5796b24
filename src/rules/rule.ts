/**
 * Learning rules as declarations. Hyper-parameters are symbols (for derivation) with optional
 * numeric values (for checks on trajectories). Written on the command line as
 *
 *   gf                                   gradient flow θ̇ = −∇L
 *   gf(wd=lambda)                        gradient flow with weight decay θ̇ = −(∇L + λθ)
 *   sgd(lr=eta, wd=lambda)               θ ← θ − η (g + λθ), g on a random minibatch
 *   momentum(lr=eta, beta=beta, dampening=d, wd=lambda)
 *                                        v ← β v + (1 − d)(g + λθ), θ ← θ − η v   (v₀ = 0)
 *   precond(lr=eta, wd=lambda)           θ ← θ − η G⁻¹ (g + λθ) with a constant diagonal G
 *   adam(lr=eta, beta1=b1, beta2=b2, eps=e, wd=lambda)
 *
 * Each value is a symbol name (derivation keeps it symbolic) or a number (also used by checks):
 * `sgd(lr=0.05, wd=1e-3)`, `sgd(lr=eta)`. Omitted hyper-parameters take their neutral value
 * (wd = 0, dampening = 0) or a symbol of their own name (lr → eta, beta → beta, …).
 */
import { UserInputError } from '../../numeric/errors';

/** One hyper-parameter of a learning rule: its name, the symbol derived formulas use, a value when one was given. */
export interface HyperParameter {
  readonly name: string;
  /** The symbol that stands for it in derived formulas. */
  readonly symbol: string;
  /** A numeric value, when given. */
  readonly value?: number;
}

/** The hyper-parameters of each rule, by name. */
export interface RuleParameters {
  readonly gf: 'wd';
  readonly sgd: 'lr' | 'wd';
  readonly momentum: 'lr' | 'beta' | 'dampening' | 'wd';
  readonly precond: 'lr' | 'wd';
  readonly adam: 'lr' | 'beta1' | 'beta2' | 'eps' | 'wd';
}

/** The learning rules: `'gf'`, `'sgd'`, `'momentum'`, `'precond'`, `'adam'`. */
export type RuleKind = keyof RuleParameters;

/** A rule of one kind with exactly its hyper-parameters. */
export type RuleOf<K extends RuleKind> = {
  readonly kind: K;
  /** The rule as written. */
  readonly text: string;
  readonly params: { readonly [P in RuleParameters[K]]: HyperParameter };
};

/** A learning rule: a union over the kinds, each with its typed hyper-parameters. */
export type Rule = { [K in RuleKind]: RuleOf<K> }[RuleKind];

/** A learning rule written wrongly or with nonsense values (exit 2). */
export class RuleError extends UserInputError {
  override readonly name: string = 'RuleError';
}

interface ParameterSpec {
  readonly symbol: string;
  readonly neutral?: number;
  readonly check: (x: number) => string | undefined;
}

const SPEC: { readonly [K in RuleKind]: Readonly<Record<RuleParameters[K], ParameterSpec>> } = {
  gf: {
    wd: { symbol: 'lambda', neutral: 0, check: (x) => (x < 0 ? 'weight decay must be ≥ 0' : undefined) },
  },
  sgd: {
    lr: { symbol: 'eta', check: (x) => (x <= 0 ? 'the learning rate must be > 0' : undefined) },
    wd: { symbol: 'lambda', neutral: 0, check: (x) => (x < 0 ? 'weight decay must be ≥ 0' : undefined) },
  },
  momentum: {
    lr: { symbol: 'eta', check: (x) => (x <= 0 ? 'the learning rate must be > 0' : undefined) },
    beta: { symbol: 'beta', check: (x) => (x < 0 || x >= 1 ? 'momentum β must be in [0, 1)' : undefined) },
    dampening: {
      symbol: 'd',
      neutral: 0,
      check: (x) => (x < 0 || x >= 1 ? 'dampening must be in [0, 1)' : undefined),
    },
    wd: { symbol: 'lambda', neutral: 0, check: (x) => (x < 0 ? 'weight decay must be ≥ 0' : undefined) },
  },
  precond: {
    lr: { symbol: 'eta', check: (x) => (x <= 0 ? 'the learning rate must be > 0' : undefined) },
    wd: { symbol: 'lambda', neutral: 0, check: (x) => (x < 0 ? 'weight decay must be ≥ 0' : undefined) },
  },
  adam: {
    lr: { symbol: 'eta', check: (x) => (x <= 0 ? 'the learning rate must be > 0' : undefined) },
    beta1: {
      symbol: 'beta1',
      neutral: 0.9,
      check: (x) => (x < 0 || x >= 1 ? 'β₁ must be in [0, 1)' : undefined),
    },
    beta2: {
      symbol: 'beta2',
      neutral: 0.999,
      check: (x) => (x < 0 || x >= 1 ? 'β₂ must be in [0, 1)' : undefined),
    },
    eps: { symbol: 'epsilon', neutral: 1e-8, check: (x) => (x <= 0 ? 'ε must be > 0' : undefined) },
    wd: { symbol: 'lambda', neutral: 0, check: (x) => (x < 0 ? 'weight decay must be ≥ 0' : undefined) },
  },
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parse a learning rule written as `kind(name=value, …)`: each value a symbol (kept symbolic by
 * {@link deriveDynamics}) or a number (used by {@link checkRule} on trajectories). Omitted
 * hyper-parameters take their neutral value (wd = 0, dampening = 0, Adam's β₁, β₂, ε) or a symbol of
 * their own (lr → eta, beta → beta).
 *
 * @param text - e.g. `'gf(wd=lambda)'`, `'sgd(lr=0.05, wd=1e-3)'`, `'momentum(lr=eta, beta=0.9)'`, `'adam(lr=0.01)'`.
 * @throws {@link RuleError} naming the problem (unknown rule or hyper-parameter, malformed, out of range).
 *
 * @example
 * ```ts
 * import { parseRule } from 'noether';
 * const rule = parseRule('sgd(lr=eta, wd=lambda)');
 * rule.kind; // 'sgd'
 * rule.params.lr; // { name: 'lr', symbol: 'eta' }
 * parseRule('sgd(lr=0.05)').params.wd; // { name: 'wd', symbol: 'lambda', value: 0 }
 * ```
 */
export function parseRule(text: string): Rule {
  const m = /^\s*([a-z]+)\s*(?:\(([^)]*)\))?\s*$/.exec(text);
  if (!m) throw new RuleError(`malformed rule '${text}' (write e.g. sgd(lr=0.1, wd=1e-3))`);
  if (!Object.hasOwn(SPEC, m[1]!))
    throw new RuleError(`unknown rule '${m[1]}' (known: ${Object.keys(SPEC).join(', ')})`);
  const kind = m[1] as RuleKind;
  const spec: Readonly<Record<string, ParameterSpec>> = SPEC[kind];
  const given = new Map<string, string>();
  for (const part of (m[2] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const kv = /^([a-z0-9_]+)\s*=\s*(\S+)$/i.exec(part);
    if (!kv) throw new RuleError(`malformed hyper-parameter '${part}' in ${kind} (write name=value)`);
    if (!Object.hasOwn(spec, kv[1]!))
      throw new RuleError(
        `${kind} has no hyper-parameter '${kv[1]}' (it has: ${Object.keys(spec).join(', ')})`,
      );
    if (given.has(kv[1]!)) throw new RuleError(`hyper-parameter '${kv[1]}' given twice`);
    given.set(kv[1]!, kv[2]!);
  }
  const params: Record<string, HyperParameter> = {};
  for (const [name, s] of Object.entries(spec)) {
    const raw = given.get(name);
    if (raw === undefined) {
      params[name] =
        s.neutral !== undefined ? { name, symbol: s.symbol, value: s.neutral } : { name, symbol: s.symbol };
      continue;
    }
    if (IDENT.test(raw)) {
      params[name] = { name, symbol: raw };
      continue;
    }
    const x = Number(raw);
    if (!Number.isFinite(x) || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw))
      throw new RuleError(`${kind}: ${name}=${raw} is neither a number nor a symbol name`);
    const bad = s.check(x);
    if (bad) throw new RuleError(`${kind}: ${name}=${raw}: ${bad}`);
    params[name] = { name, symbol: s.symbol, value: x };
  }
  // params holds exactly SPEC[kind]'s names, which is what Rule's member of this kind requires.
  return { kind, text: text.trim(), params } as Rule;
}
