/** The penalty grammar: what it reads, and one-line refusals naming what is wrong. */
import { parsePenalty, PenaltyError } from '../../src/recipe/penalty';
import { toString } from '../../src/expr/rational';

describe('parsePenalty', () => {
  it.each([
    ['l1', 'entry', '1', undefined],
    ['lp(k=3)', 'entry', '2/3', undefined],
    ['lp(p=0.5)', 'entry', '1/2', undefined],
    ['group(size=4)', 'group', '1', 4],
    ['nuclear', 'singular', '1', undefined],
    ['schatten( k = 4 )', 'singular', '1/2', undefined],
  ])('%s', (text, domain, exponent, size) => {
    const p = parsePenalty(text);
    expect({ domain: p.domain, exponent: toString(p.exponent), size: p.size }).toEqual({
      domain,
      exponent,
      size,
    });
  });

  it.each([
    ['l2', /unknown penalty 'l2'/],
    ['l1(k=2)', /takes no arguments/],
    ['lp', /needs arguments/],
    ['lp(k=2, p=1)', /exactly one of k=K or p=P/],
    ['lp(k=0)', /k must be an integer from 1 to 8/],
    ['lp(k=99)', /k must be an integer from 1 to 8/],
    ['lp(p=-1)', /p must be a positive rational/],
    ['group(size=0)', /size must be an integer/],
    ['group(k=2)', /takes size, not 'k'/],
    ['group(size=2, size=3)', /gives 'size' twice/],
    ['lp(k)', /cannot read 'k'/],
    ['((', /cannot read penalty/],
  ])('refuses %s', (text, message) => {
    expect(() => parsePenalty(text)).toThrow(PenaltyError);
    expect(() => parsePenalty(text)).toThrow(message);
  });
});
