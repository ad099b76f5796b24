/**
 * The float reduction mod p (src/laws/modp.ts `modp`, `mulp`) against BigInt arithmetic: products of
 * residues, sums of a product and a residue (the jets' accumulations), and the edges of its domain —
 * multiples of p and their neighbours, (p − 1)², and values just below 2⁵², where x·(1/p) rounds.
 */
import { fc, test } from '@fast-check/jest';
import { modp, mulp, P } from '../../src/laws/modp';

const PB = BigInt(P);
const residue = fc.integer({ min: 0, max: P - 1 });

test.prop([residue, residue, residue])('mulp and modp(a·b + c) agree with BigInt', (a, b, c) => {
  expect(mulp(a, b)).toBe(Number((BigInt(a) * BigInt(b)) % PB));
  expect(modp(a * b + c)).toBe(Number((BigInt(a) * BigInt(b) + BigInt(c)) % PB));
});

test('the edges of the domain: multiples of p ± 1, (p − 1)² + p − 1, the largest values below 2⁵²', () => {
  const xs: number[] = [0, 1, P - 1, P, P + 1, (P - 1) * (P - 1), (P - 1) * (P - 1) + (P - 1)];
  for (const q of [1, 2, 3, 1000, 67108857, 67108858, 67108859, 67108860])
    for (const d of [-1, 0, 1]) if (q * P + d >= 0 && q * P + d < 2 ** 52) xs.push(q * P + d);
  for (let k = 1; k <= 1000; k++) xs.push(2 ** 52 - k);
  for (const x of xs) expect(modp(x)).toBe(Number(BigInt(x) % PB));
});
