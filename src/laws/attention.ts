/**
 * The generating fields of one multi-head self-attention layer (docs/theory.md §6.1), through the
 * parameter combinations it depends on. Layout as PyTorch's (numeric/graph/models.ts `attention`):
 * W_Q, W_K, W_V of [H·d_head, d] (head h: rows h·d_head … (h+1)·d_head − 1), W_O of [d, H·d_head].
 * The layer is Σ_h softmax(X W_Q,hᵀ W_K,h Xᵀ/√d_head) X W_V,hᵀ W_O,hᵀ, so it depends on θ only through
 *
 * - per head, M_h = W_Q,hᵀ W_K,h (d × d: the scores) and N_h = W_O,h W_V,h (d × d: the output);
 * - with biases (`:bias`): the query bias as one more row of M_h (b_Q,hᵀ W_K,h: the score b_Q·k_j
 *   varies with the key); no column for the key bias (q·b_K is the same for every key of a row, which
 *   the softmax ignores: b_K appears in no field); and the value biases only through
 *   b_O + Σ_h W_O,h b_V,h (a softmax row sums to 1, so P 1 b_Vᵀ W_Oᵀ adds the same row everywhere).
 *
 * The fields are the gradients of these entries. That the span of the layer's loss gradients over all
 * data is the span of these fields (the model's dependence on them is generic) is the assumption of the
 * reparametrisation argument; test/theorems/attentionLaws.test.ts checks it on real gradients.
 */
import { UserInputError } from '../../numeric/errors';
import { fieldsOf, LAWS_LIMITS, type FieldSource } from './fields';
import { addPoly, mulPoly, variable, type Poly } from './poly';

/** One attention layer: input and output width d, H heads of width d_head, with or without biases. */
export interface AttentionLawSpec {
  readonly dim: number;
  readonly heads: number;
  readonly headDim: number;
  readonly bias: boolean;
}

/** The sizes `laws --arch attention:…` takes (beyond them: exit 2, naming the limit). */
export const ATTENTION_LIMITS = { dim: 16, heads: 8, headDim: 16 } as const;

const GRAMMAR = 'attention:d<dim>:h<heads>x<head dim>[:bias|:nobias], e.g. attention:d4:h2x2';

/** Is this spec an attention spec (its first token)? */
export const isAttentionSpec = (spec: string): boolean =>
  spec.split(':')[0]!.trim().toLowerCase() === 'attention';

/** Parse `attention:d<d>:h<H>x<dh>[:bias|:nobias]` (tokens after the first in any order, each once). */
export function parseAttentionSpec(spec: string): AttentionLawSpec {
  const bad = (why: string): never => {
    throw new UserInputError(`laws --arch '${spec.slice(0, 60)}': ${why}; write ${GRAMMAR}`);
  };
  let dim: number | undefined;
  let heads: number | undefined;
  let headDim: number | undefined;
  let bias: boolean | undefined;
  for (const raw of spec.split(':').slice(1)) {
    const t = raw.trim().toLowerCase();
    const d = /^d(\d{1,6})$/.exec(t);
    const h = /^h(\d{1,6})x(\d{1,6})$/.exec(t);
    if (d) {
      if (dim !== undefined) bad('the width d is given twice');
      dim = Number(d[1]);
    } else if (h) {
      if (heads !== undefined) bad('the heads are given twice');
      heads = Number(h[1]);
      headDim = Number(h[2]);
    } else if (t === 'bias' || t === 'nobias') {
      if (bias !== undefined) bad('bias or nobias is given twice');
      bias = t === 'bias';
    } else bad(`unknown token '${raw.trim().slice(0, 20)}'`);
  }
  if (dim === undefined) return bad('the width d<dim> is missing');
  if (heads === undefined || headDim === undefined) return bad('the heads h<heads>x<head dim> are missing');
  const range = (v: number, max: number, what: string): void => {
    if (v < 1 || v > max) bad(`${what} ${v} is outside 1…${max} (the limit)`);
  };
  range(dim, ATTENTION_LIMITS.dim, 'the width d');
  range(heads, ATTENTION_LIMITS.heads, 'the number of heads');
  range(headDim, ATTENTION_LIMITS.headDim, 'the head width');
  return { dim, heads, headDim, bias: bias ?? false };
}

/** The parameter names in the graph layer's order (W_Q, b_Q, W_K, b_K, W_V, b_V, W_O, b_O), 1-based. */
export function attentionLayout(s: AttentionLawSpec): {
  readonly names: string[];
  readonly index: (block: string, i: number, j?: number) => number;
} {
  const names: string[] = [];
  const offsets = new Map<string, { at: number; cols: number }>();
  const rows = s.heads * s.headDim;
  const matrix = (name: string, r: number, c: number): void => {
    offsets.set(name, { at: names.length, cols: c });
    for (let i = 1; i <= r; i++) for (let j = 1; j <= c; j++) names.push(`${name}[${i},${j}]`);
  };
  const vector = (name: string, n: number): void => {
    if (!s.bias) return;
    offsets.set(name, { at: names.length, cols: 1 });
    for (let i = 1; i <= n; i++) names.push(`${name}[${i}]`);
  };
  for (const w of ['Q', 'K', 'V']) {
    matrix(`W_${w}`, rows, s.dim);
    vector(`b_${w}`, rows);
  }
  matrix('W_O', s.dim, rows);
  vector('b_O', s.dim);
  const index = (block: string, i: number, j = 0): number => {
    const o = offsets.get(block);
    if (!o) throw new Error(`internal: no block ${block}`);
    return o.at + i * o.cols + j;
  };
  return { names, index };
}

/** The generating fields of one attention layer (see the module comment). */
export function attentionFields(s: AttentionLawSpec): FieldSource {
  const { names, index } = attentionLayout(s);
  if (names.length > LAWS_LIMITS.parameters)
    throw new UserInputError(`laws: ${names.length} parameters, over the limit ${LAWS_LIMITS.parameters}`);
  const { dim: d, heads: H, headDim: dh } = s;
  const x = (block: string, i: number, j?: number): Poly => variable(index(block, i, j));
  const phis: Poly[] = [];
  for (let h = 0; h < H; h++) {
    const rows = Array.from({ length: dh }, (_, a) => h * dh + a);
    // scores: M_h[i, j] = Σ_a W_Q[a, i] W_K[a, j]; with biases a row i = d for b_Q
    for (let i = 0; i < d + (s.bias ? 1 : 0); i++)
      for (let j = 0; j < d; j++) {
        let p: Poly = new Map();
        for (const a of rows) p = addPoly(p, mulPoly(i < d ? x('W_Q', a, i) : x('b_Q', a), x('W_K', a, j)));
        phis.push(p);
      }
    // output: N_h[o, j] = Σ_a W_O[o, a] W_V[a, j]
    for (let o = 0; o < d; o++)
      for (let j = 0; j < d; j++) {
        let p: Poly = new Map();
        for (const a of rows) p = addPoly(p, mulPoly(x('W_O', o, a), x('W_V', a, j)));
        phis.push(p);
      }
  }
  // with biases: b_O + Σ_h W_O,h b_V,h (all heads' value biases meet the output bias)
  if (s.bias)
    for (let o = 0; o < d; o++) {
      let p: Poly = x('b_O', o);
      for (let a = 0; a < H * dh; a++) p = addPoly(p, mulPoly(x('W_O', o, a), x('b_V', a)));
      phis.push(p);
    }
  const biases = s.bias
    ? '; biases: the query bias a row of the scores, the key bias in no field (the softmax ignores it), ' +
      'the value biases through b_O + Σ_h W_O,h b_V,h'
    : ', no biases';
  return {
    names,
    fields: fieldsOf(phis),
    model:
      `one self-attention layer, d = ${d}, ${H} head${H === 1 ? '' : 's'} of width ${dh}: through ` +
      `W_Q,hᵀW_K,h and W_O,hW_V,h per head${biases}`,
  };
}
