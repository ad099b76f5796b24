/**
 * The expression constructors (src/expr/ast.ts) against their documented light simplification —
 * sums flatten, drop zeros and fold numbers; products flatten, fold numbers to the front, keep the
 * order of the other factors, and 0 absorbs; x^0 = 1, x^1 = x, 1^x = 1 — with the expected trees
 * written out by hand, and the traversals (symbols, substitute, callsFn) on hand-built trees.
 */
import {
  type Expr,
  FUNCTIONS,
  isFnName,
  numValue,
  num,
  sym,
  ZERO_E,
  ONE_E,
  isNum,
  add,
  mul,
  neg,
  sub,
  pow,
  div,
  call,
  symbols,
  dependsOn,
  substitute,
  callsFn,
} from '../../src/expr/ast';
import { evaluate } from '../../src/expr/evaluate';

const x = sym('x');
const y = sym('y');
const z = sym('z');
const n = (value: string): Expr => ({ kind: 'num', value });
const at = (e: Expr, vx: number, vy = 0, vz = 0): number =>
  evaluate(
    e,
    new Map([
      ['x', vx],
      ['y', vy],
      ['z', vz],
    ]),
  );

describe('numbers', () => {
  it('num writes exact rationals as strings', () => {
    expect(num(3)).toEqual(n('3'));
    expect(num(-7)).toEqual(n('-7'));
    expect(num({ n: 3n, d: 4n })).toEqual(n('3/4'));
    expect(num({ n: -1n, d: 2n })).toEqual(n('-1/2'));
    expect(ZERO_E).toEqual(n('0'));
    expect(ONE_E).toEqual(n('1'));
  });

  it('numValue reads the string back', () => {
    expect(numValue({ kind: 'num', value: '-3/4' })).toEqual({ n: -3n, d: 4n });
    expect(numValue({ kind: 'num', value: '12' })).toEqual({ n: 12n, d: 1n });
  });

  it('isNum: a number, or the given number', () => {
    expect(isNum(n('2'))).toBe(true);
    expect(isNum(n('2'), 2)).toBe(true);
    expect(isNum(n('2'), 3)).toBe(false);
    expect(isNum(n('0'), 0)).toBe(true);
    expect(isNum(x)).toBe(false);
    expect(isNum(x, 0)).toBe(false);
    expect(isNum({ kind: 'add', terms: [n('0')] }, 0)).toBe(false);
  });
});

describe('functions', () => {
  it('the known functions and their arity', () => {
    expect(Object.keys(FUNCTIONS).sort()).toEqual(
      [
        'exp',
        'log',
        'sqrt',
        'sin',
        'cos',
        'tan',
        'sinh',
        'cosh',
        'tanh',
        'sigmoid',
        'softplus',
        'relu',
        'leaky_relu',
        'abs',
        'step',
        'sign',
        'expm',
      ].sort(),
    );
    for (const [fn, arity] of Object.entries(FUNCTIONS)) expect(arity).toBe(fn === 'leaky_relu' ? 2 : 1);
  });

  it('isFnName: own names only, not names inherited from Object', () => {
    expect(isFnName('tanh')).toBe(true);
    expect(isFnName('leaky_relu')).toBe(true);
    expect(isFnName('expm')).toBe(true);
    expect(isFnName('Tanh')).toBe(false);
    expect(isFnName('')).toBe(false);
    for (const inherited of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])
      expect(isFnName(inherited)).toBe(false);
  });

  it('call builds an application with its arguments in order', () => {
    expect(call('leaky_relu', x, n('1/10'))).toEqual({
      kind: 'call',
      fn: 'leaky_relu',
      args: [x, n('1/10')],
    });
  });
});

describe('add', () => {
  it('folds numbers into one constant at the end', () => {
    expect(add(n('1'), x, n('1/2'), y)).toEqual({ kind: 'add', terms: [x, y, n('3/2')] });
    expect(add(n('2'), n('-1/3'))).toEqual(n('5/3'));
  });

  it('drops zeros, and a constant that folds to 0', () => {
    expect(add(x, n('0'), y)).toEqual({ kind: 'add', terms: [x, y] });
    expect(add(x, n('1'), n('-1'))).toEqual(x);
    expect(add(n('0'), x)).toEqual(x);
  });

  it('an empty or all-zero sum is 0; a single term is itself', () => {
    expect(add()).toEqual(n('0'));
    expect(add(n('0'), n('0'))).toEqual(n('0'));
    expect(add(n('2'), n('-2'))).toEqual(n('0'));
    expect(add(x)).toBe(x);
  });

  it('flattens nested sums, keeping term order', () => {
    const inner: Expr = { kind: 'add', terms: [x, y] };
    expect(add(inner, z)).toEqual({ kind: 'add', terms: [x, y, z] });
    expect(add(z, { kind: 'add', terms: [x, n('2')] }, n('1'))).toEqual({
      kind: 'add',
      terms: [z, x, n('3')],
    });
  });

  it('does not flatten products', () => {
    const p: Expr = { kind: 'mul', factors: [x, y] };
    expect(add(p, z)).toEqual({ kind: 'add', terms: [p, z] });
  });
});

describe('mul', () => {
  it('folds numbers into one coefficient in front, keeping the order of the other factors', () => {
    expect(mul(y, n('2'), x, n('3/4'))).toEqual({ kind: 'mul', factors: [n('3/2'), y, x] });
    expect(mul(n('2'), n('1/2'), y, x)).toEqual({ kind: 'mul', factors: [y, x] });
  });

  it('0 absorbs everything', () => {
    expect(mul(x, n('0'), y)).toEqual(n('0'));
    expect(mul(n('0'))).toEqual(n('0'));
    expect(mul(n('2'), n('0'))).toEqual(n('0'));
  });

  it('a product of numbers is their product; an empty product is 1; a single factor is itself', () => {
    expect(mul(n('2'), n('-3'))).toEqual(n('-6'));
    expect(mul(n('2'), n('1/2'))).toEqual(n('1'));
    expect(mul()).toEqual(n('1'));
    expect(mul(x)).toBe(x);
    expect(mul(n('1'), x)).toBe(x);
    expect(mul(n('-1'), x)).toEqual({ kind: 'mul', factors: [n('-1'), x] });
  });

  it('flattens nested products; does not flatten sums', () => {
    expect(mul({ kind: 'mul', factors: [n('2'), x] }, { kind: 'mul', factors: [y, n('5')] })).toEqual({
      kind: 'mul',
      factors: [n('10'), x, y],
    });
    const s: Expr = { kind: 'add', terms: [x, y] };
    expect(mul(s, z)).toEqual({ kind: 'mul', factors: [s, z] });
  });

  it('neg and sub: −e = (−1)·e, a − b = a + (−1)·b', () => {
    expect(neg(x)).toEqual({ kind: 'mul', factors: [n('-1'), x] });
    expect(neg(n('3'))).toEqual(n('-3'));
    expect(neg({ kind: 'mul', factors: [n('2'), x] })).toEqual({ kind: 'mul', factors: [n('-2'), x] });
    expect(sub(x, y)).toEqual({ kind: 'add', terms: [x, { kind: 'mul', factors: [n('-1'), y] }] });
    expect(sub(x, n('1'))).toEqual({ kind: 'add', terms: [x, n('-1')] });
  });
});

describe('pow and div', () => {
  it('x^0 = 1, x^1 = x, 1^x = 1; otherwise a power node', () => {
    expect(pow(x, n('0'))).toEqual(n('1'));
    expect(pow(n('0'), n('0'))).toEqual(n('1'));
    expect(pow(x, n('1'))).toBe(x);
    expect(pow(n('1'), x)).toEqual(n('1'));
    expect(pow(n('1'), n('-3'))).toEqual(n('1'));
    expect(pow(x, n('2'))).toEqual({ kind: 'pow', base: x, exp: n('2') });
    expect(pow(n('2'), x)).toEqual({ kind: 'pow', base: n('2'), exp: x });
    expect(pow(x, y)).toEqual({ kind: 'pow', base: x, exp: y });
    expect(pow(n('0'), x)).toEqual({ kind: 'pow', base: n('0'), exp: x });
  });

  it('div(a, 1) = a; otherwise a·b^(−1), with the value a/b', () => {
    expect(div(x, n('1'))).toBe(x);
    expect(div(x, y)).toEqual({ kind: 'mul', factors: [x, { kind: 'pow', base: y, exp: n('-1') }] });
    expect(div(x, n('2'))).toEqual({
      kind: 'mul',
      factors: [x, { kind: 'pow', base: n('2'), exp: n('-1') }],
    });
    expect(at(div(add(x, y), sub(x, y)), 3, 1)).toBe(2);
  });

  it('the simplified constructors keep values (checked at points)', () => {
    const e = sub(mul(n('3'), pow(add(x, n('1')), n('2'))), div(mul(x, y, n('2')), add(z, n('0'))));
    for (const [a, b, c] of [
      [1, 2, 3],
      [-0.5, 4, -2],
      [2, -1, 0.25],
    ] as const)
      expect(at(e, a, b, c)).toBeCloseTo(3 * (a + 1) ** 2 - (2 * a * b) / c, 12);
  });
});

describe('traversals', () => {
  const tree: Expr = {
    kind: 'add',
    terms: [
      n('2'),
      { kind: 'mul', factors: [sym('a'), { kind: 'pow', base: sym('b'), exp: sym('c') }] },
      { kind: 'call', fn: 'leaky_relu', args: [sym('d'), { kind: 'call', fn: 'exp', args: [sym('e')] }] },
    ],
  };

  it('symbols: every name, through sums, products, both sides of a power and every argument', () => {
    expect([...symbols(tree)].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([...symbols(n('4'))]).toEqual([]);
    expect([...symbols(x)]).toEqual(['x']);
    const into = new Set(['q']);
    expect(symbols(x, into)).toBe(into);
    expect([...into].sort()).toEqual(['q', 'x']);
  });

  it('dependsOn', () => {
    for (const s of ['a', 'b', 'c', 'd', 'e']) expect(dependsOn(tree, s)).toBe(true);
    expect(dependsOn(tree, 'f')).toBe(false);
    expect(dependsOn(n('1'), 'x')).toBe(false);
  });

  it('substitute replaces symbols simultaneously and simplifies the result', () => {
    const swap = new Map<string, Expr>([
      ['x', y],
      ['y', x],
    ]);
    expect(substitute(sub(x, mul(n('2'), y)), swap)).toEqual(sub(y, mul(n('2'), x)));
    // x ↦ 0 collapses the product and the sum; y ↦ 1 collapses the power 1^z.
    const zeroOne = new Map<string, Expr>([
      ['x', n('0')],
      ['y', n('1')],
    ]);
    expect(substitute(add(mul(x, z), pow(y, z), n('2')), zeroOne)).toEqual(n('3'));
    expect(substitute(pow(z, x), zeroOne)).toEqual(n('1'));
    expect(substitute(call('sin', x), zeroOne)).toEqual({ kind: 'call', fn: 'sin', args: [n('0')] });
    expect(substitute(n('5'), zeroOne)).toEqual(n('5'));
    // Unmapped symbols stay.
    expect(substitute(add(x, z), zeroOne)).toBe(z);
    const sum = add(x, mul(y, z));
    const u = substitute(sum, new Map([['z', add(x, n('1'))]]));
    expect(at(u, 2, 3)).toBe(2 + 3 * 3);
  });

  it('callsFn finds a function anywhere, and only that function', () => {
    expect(callsFn(tree, 'exp')).toBe(true);
    expect(callsFn(tree, 'leaky_relu')).toBe(true);
    expect(callsFn(tree, 'sin')).toBe(false);
    expect(callsFn(n('1'), 'exp')).toBe(false);
    expect(callsFn(x, 'exp')).toBe(false);
    const e = call('exp', x);
    expect(callsFn(add(x, e), 'exp')).toBe(true);
    expect(callsFn(mul(x, e), 'exp')).toBe(true);
    expect(callsFn(pow(e, x), 'exp')).toBe(true);
    expect(callsFn(pow(x, e), 'exp')).toBe(true);
    expect(callsFn(call('sin', e), 'exp')).toBe(true);
    expect(callsFn(add(x, call('sin', x)), 'exp')).toBe(false);
    expect(callsFn(mul(x, call('sin', x)), 'exp')).toBe(false);
    expect(callsFn(pow(x, call('sin', x)), 'exp')).toBe(false);
  });
});
