/**
 * No false certification on an adversarial corpus: every false symmetry (its falsity shown by a
 * hand-written witness, independent of the toolkit) is refuted or left inconclusive — never proved
 * or numerically verified — and no true symmetry is refuted.
 */
import { parseDeclarationText } from '../../src/declaration/load';
import { derive } from '../../src/derive';
import type { Derivation } from '../../src/derivation';
import { CORPUS, type Case } from './corpus';

const CERTIFIED = new Set(['proved', 'numerically-verified']);
const derivations = new Map<string, Derivation>();
const derivationOf = (c: Case): Derivation => {
  let d = derivations.get(c.name);
  if (!d) {
    d = derive(parseDeclarationText(c.yaml, `${c.name}.yaml`), { seed: 1 });
    derivations.set(c.name, d);
  }
  return d;
};

it('the corpus has at least 40 declarations, false and true, across every class', () => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(40);
  expect(CORPUS.filter((c) => !c.symmetry).length).toBeGreaterThanOrEqual(25);
  expect(new Set(CORPUS.map((c) => c.cls)).size).toBeGreaterThanOrEqual(10);
});

describe.each(CORPUS.filter((c) => !c.symmetry).map((c) => [`${c.name} (${c.cls})`, c] as const))(
  'false symmetry %s',
  (_, c) => {
    it(`is false: ${c.why} (independent witness)`, () => {
      const p = c.witness!;
      const [before, after] = [c.L!(p), c.L!(c.act!(p))];
      expect(Number.isFinite(before) || Number.isFinite(after)).toBe(true);
      expect(after).not.toBe(before);
    });
    it('is never certified: invariance and the overall verdict are refuted or inconclusive', () => {
      const d = derivationOf(c);
      const invariance = d.laws.find((l) => l.id === 'invariance')!;
      expect(CERTIFIED.has(invariance.verdict.kind)).toBe(false);
      expect(CERTIFIED.has(d.verdict.kind)).toBe(false);
    });
  },
);

describe.each(CORPUS.filter((c) => c.symmetry).map((c) => [`${c.name} (${c.cls})`, c] as const))(
  'true symmetry %s',
  (_, c) => {
    it(`is never refuted (${c.why})`, () => {
      const d = derivationOf(c);
      expect(d.laws.filter((l) => l.verdict.kind === 'refuted').map((l) => l.id)).toEqual([]);
    });
  },
);
