/**
 * The declared finite action of a block-level symmetry, evaluated in float64 at one site: each
 * block's image ψ_B(θ, a) computed from the expression the declaration gives (`exp(a)*w_in`,
 * `theta + a*ones`, `expm(a*E)*W1`), not from the generator. A teleport applies exactly this map,
 * so the loss along the orbit is the loss of the declared group elements themselves.
 */
import { type Mat, mat } from '../../numeric/linalg';
import type { BlockDeclaration } from '../declaration/types';
import { ONES } from '../declaration/types';
import type { Expr } from '../expr/ast';
import { compile } from '../expr/evaluate';
import { expm } from '../evaluator/oscillator';
import { matmul } from '../check/bind';

/** The values an action's expressions read at one site: its blocks, constants and scalars. */
export interface ActionValues {
  readonly blocks: Readonly<Record<string, Mat>>;
  readonly consts: Readonly<Record<string, Mat>>;
  readonly scalars: Readonly<Record<string, number>>;
}

type Val = number | Mat;

const scaled = (m: Mat, c: number): Mat =>
  mat(
    m.rows,
    m.cols,
    m.data.map((x) => c * x),
  );

function plus(x: Val, y: Val): Val {
  if (typeof x === 'number' && typeof y === 'number') return x + y;
  if (typeof x === 'number' || typeof y === 'number')
    throw new Error('internal: a scalar added to a matrix (the derivation checks shapes)');
  return mat(
    x.rows,
    x.cols,
    x.data.map((v, i) => v + y.data[i]!),
  );
}

function times(x: Val, y: Val): Val {
  if (typeof x === 'number') return typeof y === 'number' ? x * y : scaled(y, x);
  if (typeof y === 'number') return scaled(x, y);
  return matmul(x, y);
}

function matrixExp(m: Mat): Mat {
  if (m.rows !== m.cols) throw new Error('internal: expm of a non-square matrix');
  return mat(m.rows, m.cols, Float64Array.from(expm(Array.from(m.data), m.rows)));
}

/**
 * The image of one block under the declared action at group parameter `a`: the entry's expression
 * evaluated with the site's current blocks (all read before any is replaced), constants and scalars.
 * Subexpressions free of blocks and constants are scalar and compiled once per call.
 */
export function actOnBlock(decl: BlockDeclaration, target: string, v: ActionValues, a: number): Mat {
  const entry = decl.action.find((e) => e.target === target);
  const own = v.blocks[target];
  if (!own) throw new Error(`internal: no value for block ${target}`);
  if (!entry) return own;
  const scalarNames = [decl.parameter, ...Object.keys(v.scalars)];
  const scalarValues = [a, ...Object.values(v.scalars)];
  const matrixNames = new Set([...Object.keys(v.blocks), ...Object.keys(v.consts), ONES]);
  const mentionsMatrix = (e: Expr): boolean => {
    switch (e.kind) {
      case 'num':
        return false;
      case 'sym':
        return matrixNames.has(e.name);
      case 'add':
        return e.terms.some(mentionsMatrix);
      case 'mul':
        return e.factors.some(mentionsMatrix);
      case 'pow':
        return mentionsMatrix(e.base) || mentionsMatrix(e.exp);
      case 'call':
        return e.fn === 'expm' || e.args.some(mentionsMatrix);
    }
  };
  const go = (e: Expr): Val => {
    if (!mentionsMatrix(e)) return compile(e, scalarNames)(scalarValues);
    switch (e.kind) {
      case 'sym': {
        if (e.name === ONES) return mat(own.rows, own.cols, new Float64Array(own.rows * own.cols).fill(1));
        const m = v.blocks[e.name] ?? v.consts[e.name];
        if (!m) throw new Error(`internal: no value for ${e.name}`);
        return m;
      }
      case 'add':
        return e.terms.map(go).reduce(plus);
      case 'mul':
        return e.factors.map(go).reduce(times);
      case 'call': {
        const x = go(e.args[0]!);
        if (e.fn !== 'expm' || typeof x === 'number')
          throw new Error(`internal: ${e.fn} of a matrix (the derivation refuses it)`);
        return matrixExp(x);
      }
      default:
        throw new Error('internal: a power of a matrix (the derivation refuses it)');
    }
  };
  const out = go(entry.expr);
  return typeof out === 'number' ? mat(1, 1, Float64Array.of(out)) : out;
}
