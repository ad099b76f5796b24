/**
 * The exact confirmation of a law, ⟨∇h, X⟩ ≡ 0 for every field (src/laws/search.ts `conserved`),
 * against a construction that makes it true: X = A ∇h with A skew-symmetric (constant entries) gives
 * ⟨∇h, X⟩ = ∇hᵀ A ∇h ≡ 0 for any h. Its twin adds one term c·m to one component, which leaves
 * ⟨∇h, X⟩ = c·m·∂_a h ≢ 0 whenever ∂_a h ≢ 0. Integer coefficients take the integer path; a
 * fractional one, or coefficients so large that products pass 2⁵³, take the rational path.
 */
import { fc, test } from '@fast-check/jest';
import { rat, type Rational } from '../../src/expr/rational';
import {
  addPoly,
  addTerm,
  constant,
  gradient,
  mulPoly,
  type Field,
  type Poly,
  type Term,
} from '../../src/laws/poly';
import { conserved } from '../../src/laws/search';

const DIM = 4;
const monomial = fc
  .array(fc.integer({ min: 0, max: DIM - 1 }), { minLength: 1, maxLength: 3 })
  .map((m) => [...m].sort());
const integer = fc.integer({ min: -5, max: 5 }).filter((c) => c !== 0);
const coefficient: fc.Arbitrary<Rational> = fc.oneof(
  integer.map((n) => rat(n)),
  fc.tuple(integer, fc.integer({ min: 2, max: 7 })).map(([n, d]) => rat(n, d)),
  fc.constant(rat(2n ** 40n)),
);
const poly = (c: fc.Arbitrary<Rational>): fc.Arbitrary<Poly> =>
  fc.array(fc.tuple(monomial, c), { minLength: 1, maxLength: 5 }).map((ts) => {
    const p = new Map<string, Term>();
    for (const [m, x] of ts) addTerm(p, m, x);
    return p;
  });

/** X = A ∇h for the skew matrix with entries A[a][b] = −A[b][a] = w[k] above the diagonal. */
function skewField(h: Poly, w: readonly Rational[]): Field {
  const g = gradient(h);
  const x = new Map<number, Poly>();
  let k = 0;
  for (let a = 0; a < DIM; a++)
    for (let b = a + 1; b < DIM; b++, k++) {
      const gb = g.get(b),
        ga = g.get(a);
      if (gb) x.set(a, addPoly(x.get(a) ?? new Map(), mulPoly(constant(w[k]!), gb)));
      if (ga)
        x.set(b, addPoly(x.get(b) ?? new Map(), mulPoly(constant(rat(-1)), mulPoly(constant(w[k]!), ga))));
    }
  for (const [a, p] of x) if (p.size === 0) x.delete(a);
  return x;
}

const cases = (c: fc.Arbitrary<Rational>) =>
  fc.tuple(
    poly(c),
    fc.array(c, { minLength: 6, maxLength: 6 }),
    monomial,
    c,
    fc.integer({ min: 0, max: DIM - 1 }),
  );

test.prop([cases(integer.map((n) => rat(n)))])(
  'integer coefficients: X = A∇h is confirmed, X + c·m·e_a refuted',
  ([h, w, m, c, a]) => {
    const x = skewField(h, w);
    expect(conserved(h, [x])).toBe(true);
    if (!gradient(h).has(a)) return;
    const bent = new Map(x);
    bent.set(a, addPoly(x.get(a) ?? new Map(), new Map([[m.join(','), { m, c }]])));
    expect(conserved(h, [x, bent])).toBe(false);
  },
);

test.prop([cases(coefficient)])('fractional and huge coefficients: the same verdicts', ([h, w, m, c, a]) => {
  const x = skewField(h, w);
  expect(conserved(h, [x])).toBe(true);
  if (!gradient(h).has(a)) return;
  const bent = new Map(x);
  bent.set(a, addPoly(x.get(a) ?? new Map(), new Map([[m.join(','), { m, c }]])));
  expect(conserved(h, [bent])).toBe(false);
});

test('a factor x₀ makes a different monomial: ⟨∇x₂, (0, 0, x₀x₁ − x₁)⟩ ≢ 0', () => {
  const h: Poly = new Map([['2', { m: [2], c: rat(1) }]]);
  const x: Field = new Map([
    [
      2,
      new Map([
        ['0,1', { m: [0, 1], c: rat(1) }],
        ['1', { m: [1], c: rat(-1) }],
      ]),
    ],
  ]);
  expect(conserved(h, [x])).toBe(false);
});
