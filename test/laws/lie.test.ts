/**
 * The bracket search's ceiling (src/laws/lie.ts): given the most the rank can be, the search stops there
 * and never reports more; the rank below the ceiling is the one found without it. The networks' ranks
 * are the closed form D − r(r+1)/2 of a two-layer linear network without biases (r = min(n, h, m)
 * laws when the hidden width is the smallest: the entries of UᵀU − VᵀV; docs/theory.md §6).
 */
import { archSpec } from '../../src/arch';
import { archFields } from '../../src/laws/fields';
import { lieRank } from '../../src/laws/lie';
import { P } from '../../src/laws/modp';
import { rng } from '../../numeric/rng';

const point = (dim: number, seed: number): number[] => {
  const r = rng(seed);
  return Array.from({ length: dim }, () => 1 + Math.floor(r.next() * (P - 1)));
};

describe('the Lie rank and its ceiling', () => {
  it.each([
    [3, 2, 4],
    [4, 3, 5],
    [3, 3, 3],
  ])(
    'linear %i-%i-%i: rank D − h(h+1)/2; a ceiling at the rank or below ends the search there',
    (n, h, m) => {
      const src = archFields(archSpec(`${n}-${h}-${m}:linear:nobias:mse`));
      const dim = src.names.length;
      expect(dim).toBe(h * (n + m));
      const rank = dim - (h * (h + 1)) / 2;
      const free = lieRank(src.fields, dim, point(dim, 7), rng(8));
      expect(free.rank).toBe(rank);
      const capped = lieRank(src.fields, dim, point(dim, 7), rng(8), { ceiling: rank });
      expect(capped.rank).toBe(rank);
      // the draws that would only confirm the rank are not made: the last level is the one that reached it
      expect(capped.levels.length).toBeLessThan(free.levels.length);
      expect(capped.levels[capped.levels.length - 1]).toBe(rank);
      for (const c of [0, 1, h * n, rank - 1])
        expect(lieRank(src.fields, dim, point(dim, 7), rng(8), { ceiling: c }).rank).toBe(c);
    },
  );
});
