/**
 * Reading declarations from YAML or JSON text (JSON is read by the same YAML 1.2 parser) or from
 * plain objects (the TypeScript API). Every problem becomes an InputError naming the file, line,
 * column and field.
 */
import { orthogonalPart } from '../expr/rmatrix';
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import { type Expr, symbols, isFnName, substitute, sym, add, mul, num, callsFn } from '../expr/ast';
import { toText } from '../expr/print';
import { parseExpr, ExprSyntaxError } from '../expr/parse';
import { InputError } from './errors';
import {
  type Declaration,
  type MirrorDeclaration,
  type BlockMirrorDeclaration,
  type BlockShaped,
  type Shape,
  type Constant,
  type Structure,
  type ActionEntry,
  type Loc,
  ONES,
} from './types';
import { decideZero } from '../verify/zero';
import { SITE_KINDS, SITE_ROLES, type SiteKind } from '../../numeric/sites';
import { sub } from '../expr/ast';
import * as Q from '../expr/rational';

type Locate = (path: readonly (string | number)[]) => Loc | undefined;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set([ONES]);

class Reader {
  constructor(
    readonly origin: string,
    readonly locate: Locate,
  ) {}
  fail(path: readonly (string | number)[], detail: string, at?: Loc): never {
    throw new InputError(this.origin, path.join('.'), detail, at ?? this.locateNearest(path));
  }
  locateNearest(path: readonly (string | number)[]): Loc | undefined {
    for (let k = path.length; k >= 0; k--) {
      const l = this.locate(path.slice(0, k));
      if (l) return l;
    }
    return undefined;
  }
  obj(v: unknown, path: (string | number)[]): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      this.fail(path, `expected a mapping, got ${describe(v)}`);
    return v as Record<string, unknown>;
  }
  str(v: unknown, path: (string | number)[]): string {
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') this.fail(path, `expected text, got ${describe(v)}`);
    return v;
  }
  ident(v: unknown, path: (string | number)[]): string {
    const s = this.str(v, path);
    if (!IDENT.test(s))
      this.fail(path, `'${s}' is not a valid name (letters, digits, _; not starting with a digit)`);
    if (isFnName(s)) this.fail(path, `'${s}' is a function name and cannot name a symbol`);
    if (RESERVED.has(s)) this.fail(path, `'${s}' is reserved`);
    return s;
  }
  list(v: unknown, path: (string | number)[]): string[] {
    if (v === undefined) return [];
    if (typeof v === 'string') return [this.ident(v, path)];
    if (!Array.isArray(v)) this.fail(path, `expected a list of names, got ${describe(v)}`);
    return v.map((x, i) => this.ident(x, [...path, i]));
  }
  expr(v: unknown, path: (string | number)[]): { expr: Expr; text: string; at?: Loc } {
    const text = this.str(v, path);
    const at = this.locate(path);
    try {
      return { expr: parseExpr(text), text, ...(at ? { at } : {}) };
    } catch (err) {
      if (err instanceof ExprSyntaxError) {
        this.fail(path, err.detail, at ? { line: at.line, column: at.column + err.column - 1 } : undefined);
      }
      throw err;
    }
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

const DIM = /^(?:[A-Za-z_][A-Za-z0-9_]*|[1-9]\d*)$/;
function parseShape(r: Reader, v: unknown, path: (string | number)[]): Shape {
  const s = r.str(v, path).replace(/\s+/g, '');
  if (s === 'scalar') return { kind: 'scalar' };
  const vm = /^vector\[([^\]]+)\]$/.exec(s);
  if (vm && DIM.test(vm[1]!)) return { kind: 'vector', n: vm[1]! };
  const mm = /^matrix\[([^,\]]+),([^\]]+)\]$/.exec(s);
  if (mm && DIM.test(mm[1]!) && DIM.test(mm[2]!)) return { kind: 'matrix', rows: mm[1]!, cols: mm[2]! };
  return r.fail(path, `unknown shape '${s}' (use scalar, vector[n] or matrix[n, m])`);
}

function checkSymbols(
  r: Reader,
  e: { expr: Expr; at?: Loc },
  allowed: ReadonlyMap<string, string>,
  path: (string | number)[],
  hint: string,
): void {
  for (const name of symbols(e.expr)) {
    if (!allowed.has(name)) r.fail(path, `unknown symbol '${name}' (${hint})`, e.at);
  }
}

function defineNames(
  r: Reader,
  groups: readonly [string, readonly string[], (string | number)[]][],
): Map<string, string> {
  const seen = new Map<string, string>();
  for (const [role, names, path] of groups) {
    for (const n of names) {
      if (seen.has(n)) r.fail(path, `'${n}' is declared twice (as ${seen.get(n)} and as ${role})`);
      seen.set(n, role);
    }
  }
  return seen;
}

/**
 * Validate a plain object (parsed JSON or YAML) as a declaration.
 *
 * @param raw - The object, e.g. `JSON.parse(text)`.
 * @param origin - How messages name it.
 * @param locate - Maps a field path to its line and column, for messages (default: none).
 * @throws {@link InputError} naming the first invalid field.
 */
export function readDeclaration(
  raw: unknown,
  origin = '<declaration>',
  locate: Locate = () => undefined,
): Declaration {
  const r = new Reader(origin, locate);
  const o = r.obj(raw, []);
  const known = new Set([
    'name',
    'kind',
    'description',
    'source',
    'group',
    'blocks',
    'constants',
    'scalars',
    'action',
    'parameters',
    'data',
    'loss',
    'sites',
    'surface',
  ]);
  for (const k of Object.keys(o))
    if (!known.has(k)) r.fail([k], `unknown field (known: ${[...known].join(', ')})`);
  if (o['name'] === undefined) r.fail([], "missing field 'name'");
  const name = r.str(o['name'], ['name']);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
    r.fail(['name'], `'${name}' is not a valid declaration name`);
  const kind =
    o['kind'] === undefined ? (o['loss'] !== undefined ? 'concrete' : 'block') : r.str(o['kind'], ['kind']);
  if (kind !== 'block' && kind !== 'concrete' && kind !== 'mirror')
    r.fail(['kind'], `unknown kind '${kind}' (use block, concrete or mirror)`);
  const description = o['description'] === undefined ? '' : r.str(o['description'], ['description']);
  const source = o['source'] === undefined ? undefined : r.str(o['source'], ['source']);
  const common = { name, description, origin, ...(source !== undefined ? { source } : {}) };

  if (kind === 'mirror') return readMirror(r, o, common);
  if (o['surface'] !== undefined)
    r.fail(['surface'], 'only mirror declarations have a surface (kind: mirror)');
  if (o['group'] === undefined) r.fail([], "missing field 'group' (name the group parameter, e.g. group: a)");
  const groupRaw = o['group'];
  const group =
    typeof groupRaw === 'object' && groupRaw !== null && !Array.isArray(groupRaw)
      ? r.list(
          (groupRaw as Record<string, unknown>)['parameter'] ??
            (groupRaw as Record<string, unknown>)['parameters'],
          ['group', 'parameter'],
        )
      : r.list(groupRaw, ['group']);
  if (group.length === 0) r.fail(['group'], 'no group parameter named');
  if (o['action'] === undefined) r.fail([], "missing field 'action'");
  const actionRaw = r.obj(o['action'], ['action']);
  if (Object.keys(actionRaw).length === 0) r.fail(['action'], 'the action acts on nothing');

  if (kind === 'block') {
    for (const k of ['parameters', 'data', 'loss'])
      if (o[k] !== undefined) r.fail([k], 'only concrete declarations have this field');
    if (group.length !== 1)
      r.fail(
        ['group'],
        'a block-level declaration has one group parameter; a multi-parameter group is a matrix ' +
          'constant with structure general',
      );
    const parameter = group[0]!;
    const parts = readBlockParts(r, o, actionRaw, [parameter]);
    if (!parts.action.some((a) => symbols(a.expr).has(parameter)))
      r.fail(['action'], `no component uses the group parameter '${parameter}'`);
    return { kind: 'block', ...common, parameter, ...parts };
  }

  for (const k of ['blocks', 'scalars', 'sites'])
    if (o[k] !== undefined) r.fail([k], 'only block-level declarations have this field');
  const { parameters, data, constants, loss, action } = readScalarLoss(r, o, () => actionRaw, group);
  for (const g of group)
    if (!action.some((a) => symbols(a.expr).has(g)))
      r.fail(['action'], `no component uses the group parameter '${g}'`);
  // The action must be the identity at the group identity (all group parameters 0).
  const atZero = new Map(group.map((g) => [g, { kind: 'num', value: '0' } as Expr]));
  for (const a of action) {
    const v = decideZero({
      terms: [sub(substitute(a.expr, atZero), sym(a.target))],
      variables: [
        ...parameters.map((name) => ({ name, role: 'parameter' as const })),
        ...constants.map((name) => ({ name, role: 'constant' as const })),
      ],
      seed: 1,
      points: 16,
      claim: 'identity at a = 0',
    });
    if (v.kind === 'refuted') {
      const pt = Object.entries(v.counterexample.point)
        .map(([k, x]) => `${k}=${x}`)
        .join(', ');
      r.fail(
        ['action', a.target],
        `the action is not the identity at ${group.map((g) => `${g} = 0`).join(', ')}: at ${pt} it ` +
          `moves ${a.target} by ${v.counterexample.values['residual']}`,
        a.at,
      );
    }
  }
  return {
    kind: 'concrete',
    ...common,
    group,
    parameters,
    data,
    constants,
    loss: loss.expr,
    lossText: loss.text,
    action,
  };
}

/**
 * What block-level declarations (continuous and mirror) share: blocks with shapes, constants with
 * structures, scalars, sites whose roles name the blocks, and an action on each block written in
 * that block, constants, scalars, the group parameter and (for mirrors, `coupled`) other blocks.
 */
function readBlockParts(
  r: Reader,
  o: Record<string, unknown>,
  actionRaw: Record<string, unknown>,
  group: readonly string[],
  coupled = false,
): BlockShaped {
  const blocksRaw = r.obj(o['blocks'], ['blocks']);
  const blocks = Object.entries(blocksRaw).map(([b, v]) => {
    r.ident(b, ['blocks', b]);
    const shapeRaw =
      typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)['shape'] : v;
    return { name: b, shape: parseShape(r, shapeRaw, ['blocks', b]) };
  });
  if (blocks.length === 0) r.fail(['blocks'], 'no blocks declared');
  const constants: Constant[] = Object.entries(
    o['constants'] === undefined ? {} : r.obj(o['constants'], ['constants']),
  ).map(([c, v]) => {
    r.ident(c, ['constants', c]);
    const cv = typeof v === 'string' ? { shape: v } : r.obj(v, ['constants', c]);
    const shape = parseShape(r, cv['shape'], ['constants', c, 'shape']);
    const structure = (
      cv['structure'] === undefined ? 'general' : r.str(cv['structure'], ['constants', c, 'structure'])
    ) as Structure;
    if (!['general', 'symmetric', 'antisymmetric', 'projector'].includes(structure))
      r.fail(
        ['constants', c, 'structure'],
        `unknown structure '${structure}' (use general, symmetric, antisymmetric or projector)`,
      );
    if (structure !== 'general' && !(shape.kind === 'matrix' && shape.rows === shape.cols))
      r.fail(['constants', c, 'structure'], `a ${structure} constant must be a square matrix`);
    return { name: c, shape, structure };
  });
  const scalars = r.list(o['scalars'], ['scalars']);
  const roles = defineNames(r, [
    ['group parameter', group, ['group']],
    ['block', blocks.map((b) => b.name), ['blocks']],
    ['constant', constants.map((c) => c.name), ['constants']],
    ['scalar', scalars, ['scalars']],
  ]);
  const action: ActionEntry[] = Object.entries(actionRaw).map(([target, v]) => {
    if (!blocks.some((b) => b.name === target))
      r.fail(
        ['action', target],
        `unknown block '${target}' (declared blocks: ${blocks.map((b) => b.name).join(', ')})`,
      );
    const e = r.expr(v, ['action', target]);
    const allowed = new Map([...roles, [ONES, 'ones']]);
    checkSymbols(
      r,
      e,
      allowed,
      ['action', target],
      `declare it under blocks, constants or scalars; ${ONES} is the all-ones block`,
    );
    if (!coupled) {
      for (const other of blocks) {
        if (other.name !== target && symbols(e.expr).has(other.name))
          r.fail(
            ['action', target],
            `mentions block '${other.name}': a block-level action acts on each block by itself (use ` +
              `a concrete declaration for coupled actions)`,
            e.at,
          );
      }
    }
    return { target, expr: e.expr, text: e.text, ...(e.at ? { at: e.at } : {}) };
  });
  const sitesRaw = o['sites'] === undefined ? [] : Array.isArray(o['sites']) ? o['sites'] : [o['sites']];
  const sites = sitesRaw
    .map((x, i) => r.str(x, ['sites', i]))
    .map((k, i) => {
      if (!(SITE_KINDS as readonly string[]).includes(k))
        r.fail(['sites', i], `unknown site kind '${k}' (known: ${SITE_KINDS.join(', ')})`);
      const siteRoles = SITE_ROLES[k as SiteKind];
      for (const b of blocks)
        if (!siteRoles.includes(b.name))
          r.fail(
            ['sites', i],
            `block '${b.name}' is not a role of site kind ${k} (its roles: ${siteRoles.join(', ')})`,
          );
      return k as SiteKind;
    });
  return { origin: r.origin, blocks, constants, scalars, action, sites };
}

/**
 * What concrete and mirror declarations share: parameters, data, constants (names distinct from
 * each other and from the group parameters), a loss over them (never mentioning a group parameter),
 * and an action on parameters written in parameters, constants and group parameters.
 */
function readScalarLoss(
  r: Reader,
  o: Record<string, unknown>,
  actionOf: (parameters: readonly string[]) => Record<string, unknown>,
  group: readonly string[],
) {
  const parameters = r.list(o['parameters'], ['parameters']);
  if (parameters.length === 0) r.fail(['parameters'], 'no parameters declared');
  const data = r.list(o['data'], ['data']);
  const constants = r.list(o['constants'], ['constants']);
  const roles = defineNames(r, [
    ['group parameter', group, ['group']],
    ['parameter', parameters, ['parameters']],
    ['data', data, ['data']],
    ['constant', constants, ['constants']],
  ]);
  if (o['loss'] === undefined) r.fail([], "missing field 'loss'");
  const loss = r.expr(o['loss'], ['loss']);
  const lossAllowed = new Map([...roles].filter(([, role]) => role !== 'group parameter'));
  for (const g of group)
    if (symbols(loss.expr).has(g)) r.fail(['loss'], `the loss mentions the group parameter '${g}'`, loss.at);
  checkSymbols(r, loss, lossAllowed, ['loss'], 'declare it under parameters, data or constants');
  noExpm(r, loss, ['loss']);
  const actionAllowed = new Map([...roles].filter(([, role]) => role !== 'data'));
  const action: ActionEntry[] = Object.entries(actionOf(parameters)).map(([target, v]) => {
    if (!parameters.includes(target))
      r.fail(
        ['action', target],
        roles.get(target) === 'data'
          ? `'${target}' is data: actions act on parameters`
          : `unknown parameter '${target}' (declared: ${parameters.join(', ')})`,
      );
    const e = r.expr(v, ['action', target]);
    for (const d of data)
      if (symbols(e.expr).has(d))
        r.fail(['action', target], `mentions data '${d}': actions act on parameters only`, e.at);
    checkSymbols(
      r,
      e,
      actionAllowed,
      ['action', target],
      group.length
        ? 'declare it under parameters, constants or group'
        : 'an involution is written in the parameters',
    );
    noExpm(r, e, ['action', target]);
    return { target, expr: e.expr, text: e.text, ...(e.at ? { at: e.at } : {}) };
  });
  return { parameters, data, constants, loss, action };
}

/**
 * A mirror declaration: loss, parameters, data, and an involution with no group parameter, given
 * as its action or (concrete mirrors) by its surface: the reflected directions O, from which
 * R = I − 2O(OᵀO)⁻¹Oᵀ.
 */
function readMirror(
  r: Reader,
  o: Record<string, unknown>,
  common: { name: string; description: string; origin: string; source?: string },
): MirrorDeclaration | BlockMirrorDeclaration {
  if (o['group'] !== undefined)
    r.fail(['group'], 'a mirror symmetry is an involution: it has no group parameter');
  if (o['action'] !== undefined && o['surface'] !== undefined)
    r.fail(['surface'], 'give the mirror either by its action or by its surface, not both');
  if (o['blocks'] !== undefined && o['surface'] !== undefined)
    r.fail(
      ['surface'],
      'a block-level mirror is given by its action (e.g. W1: W1 - 2*P*W1 with P a projector)',
    );
  if (o['action'] === undefined && (o['surface'] === undefined || o['blocks'] !== undefined))
    r.fail(
      [],
      "missing field 'action' (the involution, e.g. u: -u)" +
        (o['blocks'] === undefined ? " or 'surface' (the reflected directions, e.g. [{u: 1, w: -1}])" : ''),
    );
  if (o['blocks'] !== undefined) {
    // Block level: blocks bound to sites, an involution of the blocks (it may exchange them).
    for (const k of ['parameters', 'data', 'loss'])
      if (o[k] !== undefined)
        r.fail(
          [k],
          'a block-level mirror has blocks, not parameters, data or a loss (the loss is the network at its sites)',
        );
    const parts = readBlockParts(r, o, r.obj(o['action'], ['action']), [], true);
    if (parts.action.length === 0) r.fail(['action'], 'the involution acts on nothing');
    return { kind: 'block-mirror', ...common, ...parts };
  }
  for (const k of ['scalars', 'sites'])
    if (o[k] !== undefined) r.fail([k], 'only block-level declarations have this field');
  if (o['surface'] !== undefined) {
    let surface: Q.Rational[][] = [];
    const { parameters, data, constants, loss, action } = readScalarLoss(
      r,
      o,
      (ps) => {
        const { vectors, basis } = readSurface(r, o['surface'], ps);
        surface = vectors;
        return surfaceAction(basis, ps);
      },
      [],
    );
    const at = r.locate(['surface']);
    return {
      kind: 'mirror',
      ...common,
      parameters,
      data,
      constants,
      loss: loss.expr,
      lossText: loss.text,
      action: action.map((a) => ({ ...a, ...(at ? { at } : {}) })),
      surface: surface.map((x) => x.map(Q.toString)),
    };
  }
  const actionRaw = r.obj(o['action'], ['action']);
  const { parameters, data, constants, loss, action } = readScalarLoss(r, o, () => actionRaw, []);
  if (action.length === 0) r.fail(['action'], 'the involution acts on nothing');
  return {
    kind: 'mirror',
    ...common,
    parameters,
    data,
    constants,
    loss: loss.expr,
    lossText: loss.text,
    action,
  };
}

/**
 * The surface of a concrete mirror: a non-empty list of independent vectors over the parameters,
 * each a mapping parameter → rational coefficient (parameters left out have coefficient 0).
 * Returns the vectors and an orthogonal basis of their span (exact Gram–Schmidt, unnormalised).
 */
function readSurface(
  r: Reader,
  v: unknown,
  parameters: readonly string[],
): { vectors: Q.Rational[][]; basis: Q.Rational[][] } {
  if (!Array.isArray(v) || v.length === 0)
    r.fail(['surface'], `expected a non-empty list of vectors such as {u: 1, w: -1}, got ${describe(v)}`);
  const vectors: Q.Rational[][] = [],
    basis: Q.Rational[][] = [];
  v.forEach((row, k) => {
    const m = r.obj(row, ['surface', k]);
    const x = parameters.map(() => Q.ZERO);
    for (const [p, c] of Object.entries(m)) {
      const i = parameters.indexOf(p);
      if (i < 0) r.fail(['surface', k, p], `unknown parameter '${p}' (declared: ${parameters.join(', ')})`);
      const q =
        typeof c === 'number' && Number.isFinite(c)
          ? Q.fromNumber(c)
          : typeof c === 'string'
            ? Q.parseRational(c.trim())
            : undefined;
      if (!q)
        r.fail(['surface', k, p], `expected a rational coefficient such as 1, -2 or 1/2, got ${describe(c)}`);
      x[i] = q;
    }
    // What is left of x after removing its components along the earlier directions.
    const u = orthogonalPart(x, basis);
    if (u.every(Q.isZero))
      r.fail(
        ['surface', k],
        x.every(Q.isZero)
          ? 'a zero vector reflects nothing'
          : 'this vector is a combination of the ones before it',
      );
    vectors.push(x);
    basis.push(u);
  });
  return { vectors, basis };
}

/**
 * The action θ ↦ Rθ of the reflection through a surface, R = I − 2O(OᵀO)⁻¹Oᵀ = I − 2Σ uuᵀ/‖u‖² over an
 * orthogonal basis u of O's span, as expressions (parameters R leaves alone omitted).
 */
function surfaceAction(
  basis: readonly (readonly Q.Rational[])[],
  parameters: readonly string[],
): Record<string, string> {
  const R = parameters.map((_, i) =>
    parameters.map((__, j) =>
      basis.reduce(
        (s, u) => Q.sub(s, Q.div(Q.mul(Q.rat(2), Q.mul(u[i]!, u[j]!)), Q.dot(u, u))),
        i === j ? Q.ONE : Q.ZERO,
      ),
    ),
  );
  const out: Record<string, string> = {};
  parameters.forEach((p, i) => {
    if (R[i]!.every((x, j) => Q.cmp(x, i === j ? Q.ONE : Q.ZERO) === 0)) return;
    out[p] = toText(add(...R[i]!.flatMap((x, j) => (Q.isZero(x) ? [] : [mul(num(x), sym(parameters[j]!))]))));
  });
  return out;
}

function noExpm(r: Reader, e: { expr: Expr; at?: Loc }, path: (string | number)[]): void {
  if (callsFn(e.expr, 'expm'))
    r.fail(path, 'expm is a matrix function: use it in block-level declarations', e.at);
}

function nodeLoc(doc: Document, lc: LineCounter, path: readonly (string | number)[]): Loc | undefined {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (isMap(node))
      node = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key),
      )?.value;
    else if (isSeq(node)) node = node.items[Number(key)];
    else return undefined;
  }
  const range = (node as Node | undefined)?.range;
  if (!range) return undefined;
  const pos = lc.linePos(range[0]);
  // A quoted scalar's text starts one character after its opening quote.
  const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
  return { line: pos.line, column: pos.col + (quoted ? 1 : 0) };
}

/**
 * Parse a declaration from YAML or JSON text and validate it: every field, shape, expression and
 * symbol is checked, and the first problem is thrown as one {@link InputError} naming the origin,
 * line, column and field.
 *
 * @param text - The declaration, in the format of the files under `catalog/` and `examples/`.
 * @param origin - How messages name the text (a file name, `'<stdin>'`, …).
 * @throws {@link InputError} on malformed YAML or JSON, or an invalid declaration.
 *
 * @example
 * ```ts
 * import { derive, parseDeclarationText } from 'noether';
 * const decl = parseDeclarationText(
 *   [
 *     'name: tanh-rescale',
 *     'kind: concrete',
 *     'parameters: [w1, w2]',
 *     'data: [x, y]',
 *     'group: a',
 *     'loss: (y - w2*tanh(w1*x))^2',
 *     'action: { w1: exp(a)*w1, w2: exp(-a)*w2 }',
 *   ].join('\n'),
 *   'tanh-rescale.yaml',
 * );
 * derive(decl).verdict.kind; // 'refuted': tanh is not positively homogeneous
 * ```
 */
export function parseDeclarationText(text: string, origin: string): Declaration {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lc.linePos(e.pos[0]);
    throw new InputError(origin, '', `malformed file: ${e.message.split('\n')[0]}`, {
      line: pos.line,
      column: pos.col,
    });
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    throw new InputError(origin, '', `malformed file: ${(err as Error).message.split('\n')[0]}`);
  }
  return readDeclaration(raw, origin, (path) => nodeLoc(doc, lc, path));
}

/**
 * Read and validate a declaration file (YAML or JSON).
 *
 * @param path - The file.
 * @param origin - How messages name it (default: the path).
 * @throws {@link InputError} when the file cannot be read or the declaration is invalid.
 */
export function loadDeclarationFile(path: string, origin: string = path): Declaration {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      origin,
      '',
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot read (${code ?? 'error'})`,
    );
  }
  return parseDeclarationText(text, origin);
}
