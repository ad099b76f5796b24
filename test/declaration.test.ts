/**
 * Bad input gets one clear line naming the file, line, column and field — never a stack trace,
 * a hang or a wrong verdict.
 */
import { parseDeclarationText, readDeclaration } from '../src/declaration/load';
import { InputError } from '../src/declaration/errors';
import { derive } from '../src/derive';

const concrete = (over: Record<string, string>): string => {
  const base: Record<string, string> = {
    name: 'toy',
    kind: 'concrete',
    parameters: '[w1, w2]',
    data: '[x, y]',
    group: 'a',
    loss: '(y - w2*relu(w1*x))^2',
    action: '\n  w1: exp(a)*w1\n  w2: exp(-a)*w2',
    ...over,
  };
  return (
    Object.entries(base)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n') + '\n'
  );
};

function errorOf(text: string): InputError {
  try {
    const d = parseDeclarationText(text, 'toy.yaml');
    derive(d);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no input error raised');
}

describe('declaration files', () => {
  it('reads a well-formed concrete declaration', () => {
    const d = parseDeclarationText(concrete({}), 'toy.yaml');
    expect(d.kind).toBe('concrete');
  });

  it('reads JSON with the same parser', () => {
    const d = parseDeclarationText(
      JSON.stringify({
        name: 'j',
        kind: 'concrete',
        parameters: ['w'],
        data: ['x'],
        group: 'a',
        loss: '(x - w)^2',
        action: { w: 'w + a' },
      }),
      'toy.json',
    );
    expect(d.kind).toBe('concrete');
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'an unknown symbol in the loss, with its line and column',
      { loss: '(y - w3*relu(w1*x))^2' },
      /^toy\.yaml:6:\d+: loss: unknown symbol 'w3'/,
    ],
    [
      'an unknown function',
      { loss: '(y - w2*trace(w1*x))^2' },
      /^toy\.yaml:6:\d+: loss: unknown function 'trace'/,
    ],
    [
      'an expression that tries to run code',
      { loss: "process.mainModule.require('child_process')" },
      /loss: unexpected character '\.'/,
    ],
    ['a missing group parameter', { group: '' }, /missing field 'group'/],
    [
      'a group parameter no action uses',
      { group: '[a, b]' },
      /action: no component uses the group parameter 'b'/,
    ],
    [
      'an action that is not the identity at a = 0',
      { action: '\n  w1: 2*exp(a)*w1\n  w2: exp(-a)*w2' },
      /action\.w1: the action is not the identity at a = 0/,
    ],
    ['an action on data', { action: '\n  x: exp(a)*x' }, /action\.x: 'x' is data: actions act on parameters/],
    [
      'an action on an undeclared parameter',
      { action: '\n  w9: exp(a)*w9' },
      /action\.w9: unknown parameter 'w9'/,
    ],
    [
      'a loss that mentions the group parameter',
      { loss: '(y - a*w2*relu(w1*x))^2' },
      /loss: the loss mentions the group parameter 'a'/,
    ],
    ['a name declared twice', { data: '[x, w1]' }, /'w1' is declared twice/],
    ['an unknown field', { lossfunction: 'x' }, /lossfunction: unknown field/],
    ['a function name used as a symbol', { parameters: '[w1, exp]' }, /'exp' is a function name/],
    [
      'matrix functions in a concrete declaration',
      { action: '\n  w1: expm(a)*w1\n  w2: w2' },
      /expm is a matrix function/,
    ],
  ])('refuses %s', (_, over, re) => {
    const e = errorOf(concrete(over));
    expect(e.message).toMatch(re);
    expect(e.message).not.toMatch(/\n/);
  });

  it('points at the exact column of an unknown symbol inside an expression', () => {
    const e = errorOf(concrete({ loss: '(y - w2*relu(w1*q))^2' }));
    // "loss: " is 6 characters, so the expression starts at column 7 and q is its 16th character.
    expect(e.message).toMatch(/^toy\.yaml:6:7: loss: unknown symbol 'q'/);
  });

  it('refuses a malformed file with a position', () => {
    expect(errorOf('name: [unclosed\nkind: block\n').message).toMatch(/^toy\.yaml:\d+:\d+: malformed file/);
    expect(errorOf('name: a\nname: b\n').message).toMatch(/malformed file/);
  });

  const block = (action: string, extra = ''): string =>
    `name: b\nkind: block\ngroup: a\nblocks:\n  W1: matrix[n, d]\n  w: vector[m]\nconstants:\n  E: { ` +
    `shape: "matrix[n, n]" }\n  F: { shape: "matrix[d, d]" }\n${extra}action:\n${action}`;

  it.each<[string, string, RegExp]>([
    [
      "an action that changes a block's shape",
      '  W1: W1*expm(a*E)\n',
      /action\.W1: multiplies a \[n, d\] matrix by a \[n, n\] matrix: inner dimensions d and n differ/,
    ],
    [
      'an action whose result has another shape',
      '  W1: expm(a*E)*W1*expm(a*F)*W1\n',
      /action\.W1: multiplies a \[n, d\] matrix by a \[n, d\] matrix/,
    ],
    [
      'a translation written as a scalar',
      '  w: w + a\n',
      /action\.w: adds a scalar to a \[m, 1\] matrix: write a translation as a\*ones/,
    ],
    [
      'an action that mentions another block',
      '  w: w + a*ones\n  W1: W1 + a*w\n',
      /action\.W1: mentions block 'w'/,
    ],
    [
      'an action not the identity at a = 0',
      '  w: 2*w + a*ones\n',
      /action\.w: the action is not the identity at a = 0/,
    ],
    [
      'expm of something non-zero at a = 0',
      '  W1: expm(E + a*E)*W1\n',
      /expm's argument must vanish at a = 0/,
    ],
    ['an unknown block', '  V: exp(a)*V\n', /action\.V: unknown block 'V'/],
    [
      'a missing group parameter in the action',
      '  w: 2*w - w\n',
      /no component uses the group parameter 'a'/,
    ],
  ])('refuses %s (block-level)', (_, action, re) => {
    const e = errorOf(block(action));
    expect(e.message).toMatch(re);
    expect(e.message).toMatch(/^toy\.yaml(:\d+:\d+)?: /);
  });

  it('refuses an object that is not a declaration through the TypeScript API', () => {
    expect(() => readDeclaration(42)).toThrow(/expected a mapping/);
    expect(() => readDeclaration({ name: 'x', kind: 'weird', group: 'a', action: {} })).toThrow(
      /unknown kind 'weird'/,
    );
  });
});
