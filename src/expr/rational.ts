/**
 * Exact rational arithmetic on BigInt, used by the exact normal form (src/expr/normal.ts).
 * Values are always reduced with a positive denominator, so structural equality is value equality.
 */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

export function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Build n/d in lowest terms. Throws on a zero denominator. */
export function rat(n: bigint | number, d: bigint | number = 1n): Rational {
  let nn = BigInt(n);
  let dd = BigInt(d);
  if (dd === 0n) throw new RangeError('rational with zero denominator');
  if (dd < 0n) {
    nn = -nn;
    dd = -dd;
  }
  const g = gcd(nn, dd);
  return g > 1n ? { n: nn / g, d: dd / g } : { n: nn, d: dd };
}

export const ZERO = rat(0);
export const ONE = rat(1);

export const isZero = (a: Rational): boolean => a.n === 0n;
export const isOne = (a: Rational): boolean => a.n === 1n && a.d === 1n;
export const isInteger = (a: Rational): boolean => a.d === 1n;
export const add = (a: Rational, b: Rational): Rational =>
  a.d === 1n && b.d === 1n ? { n: a.n + b.n, d: 1n } : rat(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational): Rational => rat(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational): Rational =>
  a.d === 1n && b.d === 1n ? { n: a.n * b.n, d: 1n } : rat(a.n * b.n, a.d * b.d);
export const neg = (a: Rational): Rational => ({ n: -a.n, d: a.d });
export function div(a: Rational, b: Rational): Rational {
  if (b.n === 0n) throw new RangeError('division by zero');
  return rat(a.n * b.d, a.d * b.n);
}
export const cmp = (a: Rational, b: Rational): number => {
  const x = a.n * b.d - b.n * a.d;
  return x < 0n ? -1 : x > 0n ? 1 : 0;
};
export function powInt(a: Rational, k: number): Rational {
  if (k < 0) return powInt(div(ONE, a), -k);
  let r = ONE;
  for (let i = 0; i < k; i++) r = mul(r, a);
  return r;
}
/** Σ a_i b_i of two rational vectors of the same length. */
export const dot = (a: readonly Rational[], b: readonly Rational[]): Rational =>
  a.reduce((s, x, i) => add(s, mul(x, b[i]!)), ZERO);
/**
 * The nearest double, about. Numerator and denominator as doubles when both are in range (as
 * before: the same values everywhere); when either is not (an exact decimal such as 1e-300 expands
 * past 1e308), the quotient is taken in integers scaled to 64 bits first, so it is not ∞/∞ = NaN.
 */
export function toNumber(a: Rational): number {
  const [n, d] = [Number(a.n), Number(a.d)];
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
  const bits = (x: bigint): number => (x < 0n ? -x : x).toString(2).length;
  const k = bits(a.n) - bits(a.d);
  const shift = 64 - k;
  const q = shift >= 0 ? (a.n << BigInt(shift)) / a.d : a.n / (a.d << BigInt(-shift));
  return Number(q) * 2 ** -64 * 2 ** k;
}
export const toString = (a: Rational): string => (a.d === 1n ? `${a.n}` : `${a.n}/${a.d}`);

/** Parse "3", "-1/2", "0.125", "1e-3", "2.5e2" exactly. Returns undefined on malformed text. */
export function parseRational(text: string): Rational | undefined {
  const frac = /^(-?\d+)\/(\d+)$/.exec(text);
  if (frac)
    return frac[2] === '0' || /^0+$/.test(frac[2] ?? '')
      ? undefined
      : rat(BigInt(frac[1]!), BigInt(frac[2]!));
  const dec = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!dec || (dec[2] === '' && (dec[3] ?? '') === '')) return undefined;
  const sign = dec[1] === '-' ? -1n : 1n;
  const intPart = dec[2] || '0';
  const fracPart = dec[3] ?? '';
  const exp = Number(dec[4] ?? '0');
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) return undefined;
  let n = BigInt(intPart + fracPart) * sign;
  let d = 10n ** BigInt(fracPart.length);
  if (exp >= 0) n *= 10n ** BigInt(exp);
  else d *= 10n ** BigInt(-exp);
  return rat(n, d);
}

/** The exact rational value of a finite double. */
export function fromNumber(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (Number.isInteger(x)) return rat(BigInt(x));
  let d = 1n;
  let y = x;
  while (!Number.isInteger(y)) {
    y *= 2;
    d *= 2n;
  }
  return rat(BigInt(y), d);
}
