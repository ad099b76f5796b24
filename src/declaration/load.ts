/**
 * Reading declarations from YAML or JSON text (JSON is read by the same YAML 1.2 parser) or from
 * plain objects (the TypeScript API). Every problem becomes an InputError naming the file, line,
 * column and field, quoting at most a short excerpt of the input.
 *
 * Hostile input is bounded ({@link DECLARATION_LIMITS}): files are read up to a size limit before
 * anything is parsed, reading is linear in the size of the text, user keys are looked up in maps
 * (never through an object's prototype), and every list of names is bounded.
 */
import { orthogonalPart } from '../expr/rmatrix';
import { openSync, readSync, closeSync } from 'node:fs';
import type { Document, LineCounter, Node } from 'yaml';
import { type Expr, symbols, isFnName, substitute, sym, add, mul, num, callsFn } from '../expr/ast';
import { toText } from '../expr/print';
import {
  parseExprWithin,
  ExprSyntaxError,
  DECLARATION_LIMITS as EXPRESSION_LIMITS,
  type ExprLimits,
} from '../expr/parse';
import { InputError, excerpt, readFailure } from './errors';
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

/** The YAML parser, loaded on the first text parsed (a catalog entry read from the build's cache needs none). */
let yamlModule: typeof import('yaml') | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = (): typeof import('yaml') => (yamlModule ??= require('yaml') as typeof import('yaml'));

type Locate = (path: readonly (string | number)[]) => Loc | undefined;

/**
 * What a declaration may be. Declarations are small (the catalog's largest is under 2 kB with a
 * handful of names); these bound the work a hostile file can cause, measured with `noether derive`
 * (with every expression at its limits): a concrete declaration with 16 parameters 3.8 s, with 32
 * 8.4 s; 64 mirror parameters 3.8 s (16: 0.5 s); 31 surface vectors over 32 parameters 8.4 s (8
 * dense vectors over 16 parameters: 0.7 s). Reading 40,000 keys took 10 s before reading was made
 * linear (the YAML parser's own duplicate-key check is quadratic); a 50 MB file ran past 60 s.
 */
export const DECLARATION_LIMITS = {
  /** Bytes of a declaration file or of standard input, refused before parsing. */
  bytes: 1 << 20,
  /** Names in each list: parameters, data, constants, scalars, blocks, group parameters, action entries. */
  names: 16,
  /** Vectors of a mirror's surface. */
  surface: 8,
  /** Characters of a symbol or declaration name. */
  nameLength: 64,
  /** Nesting of mappings and lists in the file (a declaration needs 3). */
  nesting: 8,
  /** Each expression: {@link EXPRESSION_LIMITS}. */
  expression: EXPRESSION_LIMITS,
  /**
   * A block-level action: the same, with products of at most 6 factors. Its derivation works
   * with words of matrices, whose number grows exponentially with their length: `expm(a*E1*…*Ek)*w`
   * took 1.7 s for k = 5, 2.7 s for 6, 5.8 s for 7, 15 s for 8, 39 s for 9 (2.2 GB).
   */
  blockAction: { ...EXPRESSION_LIMITS, factors: 6 },
} as const;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set([ONES]);

/** A field of a parsed object: own properties only, never one inherited from Object.prototype. */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

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
  /** A mapping's entries (own, enumerable), at most `max` of them. */
  entries(
    v: Record<string, unknown>,
    path: (string | number)[],
    max: number,
    what: string,
  ): [string, unknown][] {
    const es = Object.entries(v);
    if (es.length > max) this.fail(path, `more than ${max} ${what} (the limit)`);
    return es;
  }
  str(v: unknown, path: (string | number)[]): string {
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') this.fail(path, `expected text, got ${describe(v)}`);
    return v;
  }
  ident(v: unknown, path: (string | number)[]): string {
    const s = this.str(v, path);
    if (!IDENT.test(s))
      this.fail(path, `'${excerpt(s)}' is not a valid name (letters, digits, _; not starting with a digit)`);
    if (s.length > DECLARATION_LIMITS.nameLength)
      this.fail(
        path,
        `'${excerpt(s)}' is longer than ${DECLARATION_LIMITS.nameLength} characters (the limit)`,
      );
    if (isFnName(s)) this.fail(path, `'${s}' is a function name and cannot name a symbol`);
    if (RESERVED.has(s)) this.fail(path, `'${s}' is reserved`);
    return s;
  }
  list(v: unknown, path: (string | number)[]): string[] {
    if (v === undefined) return [];
    if (typeof v === 'string') return [this.ident(v, path)];
    if (!Array.isArray(v)) this.fail(path, `expected a list of names, got ${describe(v)}`);
    if (v.length > DECLARATION_LIMITS.names)
      this.fail(path, `more than ${DECLARATION_LIMITS.names} names (the limit)`);
    return v.map((x, i) => this.ident(x, [...path, i]));
  }
  expr(
    v: unknown,
    path: (string | number)[],
    limits: ExprLimits = DECLARATION_LIMITS.expression,
  ): { expr: Expr; text: string; at?: Loc } {
    const text = this.str(v, path);
    const at = this.locate(path);
    try {
      return { expr: parseExprWithin(text, limits), text, ...(at ? { at } : {}) };
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
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
    return `${typeof v} ${String(v)}`;
  return `${typeof v} ${excerpt(JSON.stringify(v) ?? String(v))}`;
}

const DIM = /^(?:[A-Za-z_][A-Za-z0-9_]*|[1-9]\d*)$/;
function parseShape(r: Reader, v: unknown, path: (string | number)[]): Shape {
  const s = r.str(v, path).replace(/\s+/g, '');
  if (s.length > 200)
    return r.fail(path, `unknown shape '${excerpt(s)}' (use scalar, vector[n] or matrix[n, m])`);
  if (s === 'scalar') return { kind: 'scalar' };
  const vm = /^vector\[([^\]]+)\]$/.exec(s);
  if (vm && DIM.test(vm[1]!)) return { kind: 'vector', n: vm[1]! };
  const mm = /^matrix\[([^,\]]+),([^\]]+)\]$/.exec(s);
  if (mm && DIM.test(mm[1]!) && DIM.test(mm[2]!)) return { kind: 'matrix', rows: mm[1]!, cols: mm[2]! };
  return r.fail(path, `unknown shape '${excerpt(s)}' (use scalar, vector[n] or matrix[n, m])`);
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
  if (own(o, 'name') === undefined) r.fail([], "missing field 'name'");
  const name = r.str(own(o, 'name'), ['name']);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
    r.fail(['name'], `'${excerpt(name)}' is not a valid declaration name`);
  if (name.length > DECLARATION_LIMITS.nameLength)
    r.fail(
      ['name'],
      `'${excerpt(name)}' is longer than ${DECLARATION_LIMITS.nameLength} characters (the limit)`,
    );
  const kind =
    own(o, 'kind') === undefined
      ? own(o, 'loss') !== undefined
        ? 'concrete'
        : 'block'
      : r.str(own(o, 'kind'), ['kind']);
  if (kind !== 'block' && kind !== 'concrete' && kind !== 'mirror')
    r.fail(['kind'], `unknown kind '${excerpt(kind)}' (use block, concrete or mirror)`);
  const description =
    own(o, 'description') === undefined ? '' : r.str(own(o, 'description'), ['description']);
  const source = own(o, 'source') === undefined ? undefined : r.str(own(o, 'source'), ['source']);
  const common = { name, description, origin, ...(source !== undefined ? { source } : {}) };

  if (kind === 'mirror') return readMirror(r, o, common);
  if (own(o, 'surface') !== undefined)
    r.fail(['surface'], 'only mirror declarations have a surface (kind: mirror)');
  if (own(o, 'group') === undefined)
    r.fail([], "missing field 'group' (name the group parameter, e.g. group: a)");
  const groupRaw = own(o, 'group');
  const group =
    typeof groupRaw === 'object' && groupRaw !== null && !Array.isArray(groupRaw)
      ? r.list(
          own(groupRaw as Record<string, unknown>, 'parameter') ??
            own(groupRaw as Record<string, unknown>, 'parameters'),
          ['group', 'parameter'],
        )
      : r.list(groupRaw, ['group']);
  if (group.length === 0) r.fail(['group'], 'no group parameter named');
  if (own(o, 'action') === undefined) r.fail([], "missing field 'action'");
  const actionRaw = r.obj(own(o, 'action'), ['action']);
  if (Object.keys(actionRaw).length === 0) r.fail(['action'], 'the action acts on nothing');

  if (kind === 'block') {
    for (const k of ['parameters', 'data', 'loss'])
      if (own(o, k) !== undefined) r.fail([k], 'only concrete declarations have this field');
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
    if (own(o, k) !== undefined) r.fail([k], 'only block-level declarations have this field');
  const { parameters, data, constants, loss, action } = readScalarLoss(
    r,
    o,
    () => Object.entries(actionRaw),
    group,
  );
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
  const blocksRaw = r.obj(own(o, 'blocks'), ['blocks']);
  const blocks = r.entries(blocksRaw, ['blocks'], DECLARATION_LIMITS.names, 'blocks').map(([b, v]) => {
    r.ident(b, ['blocks', b]);
    const shapeRaw =
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? own(v as Record<string, unknown>, 'shape')
        : v;
    return { name: b, shape: parseShape(r, shapeRaw, ['blocks', b]) };
  });
  if (blocks.length === 0) r.fail(['blocks'], 'no blocks declared');
  const constants: Constant[] = r
    .entries(
      own(o, 'constants') === undefined ? {} : r.obj(own(o, 'constants'), ['constants']),
      ['constants'],
      DECLARATION_LIMITS.names,
      'constants',
    )
    .map(([c, v]) => {
      r.ident(c, ['constants', c]);
      const cv = typeof v === 'string' ? { shape: v } : r.obj(v, ['constants', c]);
      const shape = parseShape(r, own(cv, 'shape'), ['constants', c, 'shape']);
      const structure = (
        own(cv, 'structure') === undefined
          ? 'general'
          : r.str(own(cv, 'structure'), ['constants', c, 'structure'])
      ) as Structure;
      if (!['general', 'symmetric', 'antisymmetric', 'projector'].includes(structure))
        r.fail(
          ['constants', c, 'structure'],
          `unknown structure '${excerpt(structure)}' (use general, symmetric, antisymmetric or projector)`,
        );
      if (structure !== 'general' && !(shape.kind === 'matrix' && shape.rows === shape.cols))
        r.fail(['constants', c, 'structure'], `a ${structure} constant must be a square matrix`);
      return { name: c, shape, structure };
    });
  const scalars = r.list(own(o, 'scalars'), ['scalars']);
  const roles = defineNames(r, [
    ['group parameter', group, ['group']],
    ['block', blocks.map((b) => b.name), ['blocks']],
    ['constant', constants.map((c) => c.name), ['constants']],
    ['scalar', scalars, ['scalars']],
  ]);
  // Block name → its position: lookups in constant time, messages in declaration order.
  const blockIndex = new Map(blocks.map((b, i) => [b.name, i]));
  const allowed = new Map([...roles, [ONES, 'ones']]);
  const action: ActionEntry[] = r
    .entries(actionRaw, ['action'], DECLARATION_LIMITS.names, 'action entries')
    .map(([target, v]) => {
      if (!blockIndex.has(target))
        r.fail(
          ['action', target],
          `unknown block '${excerpt(target)}' (declared blocks: ${nameList(blocks.map((b) => b.name))})`,
        );
      const e = r.expr(v, ['action', target], DECLARATION_LIMITS.blockAction);
      checkSymbols(
        r,
        e,
        allowed,
        ['action', target],
        `declare it under blocks, constants or scalars; ${ONES} is the all-ones block`,
      );
      if (!coupled) {
        const others = [...symbols(e.expr)].filter((n) => n !== target && blockIndex.has(n));
        const first = others.sort((x, y) => blockIndex.get(x)! - blockIndex.get(y)!)[0];
        if (first !== undefined)
          r.fail(
            ['action', target],
            `mentions block '${first}': a block-level action acts on each block by itself (use ` +
              `a concrete declaration for coupled actions)`,
            e.at,
          );
      }
      return { target, expr: e.expr, text: e.text, ...(e.at ? { at: e.at } : {}) };
    });
  const sitesField = own(o, 'sites');
  const sitesRaw: unknown[] =
    sitesField === undefined ? [] : Array.isArray(sitesField) ? sitesField : [sitesField];
  if (sitesRaw.length > SITE_KINDS.length)
    r.fail(['sites'], `more than ${SITE_KINDS.length} site kinds (there are ${SITE_KINDS.length})`);
  const sites = sitesRaw
    .map((x, i) => r.str(x, ['sites', i]))
    .map((k, i) => {
      if (!(SITE_KINDS as readonly string[]).includes(k))
        r.fail(['sites', i], `unknown site kind '${excerpt(k)}' (known: ${SITE_KINDS.join(', ')})`);
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
  actionOf: (parameters: readonly string[]) => readonly (readonly [string, unknown])[],
  group: readonly string[],
  actionLimits: ExprLimits = DECLARATION_LIMITS.expression,
) {
  const parameters = r.list(own(o, 'parameters'), ['parameters']);
  if (parameters.length === 0) r.fail(['parameters'], 'no parameters declared');
  const data = r.list(own(o, 'data'), ['data']);
  const constants = r.list(own(o, 'constants'), ['constants']);
  const roles = defineNames(r, [
    ['group parameter', group, ['group']],
    ['parameter', parameters, ['parameters']],
    ['data', data, ['data']],
    ['constant', constants, ['constants']],
  ]);
  if (own(o, 'loss') === undefined) r.fail([], "missing field 'loss'");
  const loss = r.expr(own(o, 'loss'), ['loss']);
  const lossAllowed = new Map([...roles].filter(([, role]) => role !== 'group parameter'));
  const lossSymbols = symbols(loss.expr);
  for (const g of group)
    if (lossSymbols.has(g)) r.fail(['loss'], `the loss mentions the group parameter '${g}'`, loss.at);
  checkSymbols(r, loss, lossAllowed, ['loss'], 'declare it under parameters, data or constants');
  noExpm(r, loss, ['loss']);
  const actionAllowed = new Map([...roles].filter(([, role]) => role !== 'data'));
  const entries = actionOf(parameters);
  if (entries.length > DECLARATION_LIMITS.names)
    r.fail(['action'], `more than ${DECLARATION_LIMITS.names} action entries (the limit)`);
  const action: ActionEntry[] = entries.map(([target, v]) => {
    if (roles.get(target) !== 'parameter')
      r.fail(
        ['action', target],
        roles.get(target) === 'data'
          ? `'${target}' is data: actions act on parameters`
          : `unknown parameter '${excerpt(target)}' (declared: ${nameList(parameters)})`,
      );
    const e = r.expr(v, ['action', target], actionLimits);
    const mentioned = symbols(e.expr);
    for (const d of data)
      if (mentioned.has(d))
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
  if (own(o, 'group') !== undefined)
    r.fail(['group'], 'a mirror symmetry is an involution: it has no group parameter');
  if (own(o, 'action') !== undefined && own(o, 'surface') !== undefined)
    r.fail(['surface'], 'give the mirror either by its action or by its surface, not both');
  if (own(o, 'blocks') !== undefined && own(o, 'surface') !== undefined)
    r.fail(
      ['surface'],
      'a block-level mirror is given by its action (e.g. W1: W1 - 2*P*W1 with P a projector)',
    );
  if (own(o, 'action') === undefined && (own(o, 'surface') === undefined || own(o, 'blocks') !== undefined))
    r.fail(
      [],
      "missing field 'action' (the involution, e.g. u: -u)" +
        (own(o, 'blocks') === undefined
          ? " or 'surface' (the reflected directions, e.g. [{u: 1, w: -1}])"
          : ''),
    );
  if (own(o, 'blocks') !== undefined) {
    // Block level: blocks bound to sites, an involution of the blocks (it may exchange them).
    for (const k of ['parameters', 'data', 'loss'])
      if (own(o, k) !== undefined)
        r.fail(
          [k],
          'a block-level mirror has blocks, not parameters, data or a loss (the loss is the network at its sites)',
        );
    const parts = readBlockParts(r, o, r.obj(own(o, 'action'), ['action']), [], true);
    if (parts.action.length === 0) r.fail(['action'], 'the involution acts on nothing');
    return { kind: 'block-mirror', ...common, ...parts };
  }
  for (const k of ['scalars', 'sites'])
    if (own(o, k) !== undefined) r.fail([k], 'only block-level declarations have this field');
  if (own(o, 'surface') !== undefined) {
    let surface: Q.Rational[][] = [];
    const { parameters, data, constants, loss, action } = readScalarLoss(
      r,
      o,
      (ps) => {
        const { vectors, basis } = readSurface(r, own(o, 'surface'), ps);
        surface = vectors;
        return surfaceAction(basis, ps);
      },
      [],
      // The reflection is written out by the reader, one term per parameter: only its length grows.
      { ...DECLARATION_LIMITS.expression, length: 200_000 },
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
  const actionRaw = r.obj(own(o, 'action'), ['action']);
  const { parameters, data, constants, loss, action } = readScalarLoss(
    r,
    o,
    () => Object.entries(actionRaw),
    [],
  );
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
  if (v.length > DECLARATION_LIMITS.surface)
    r.fail(['surface'], `more than ${DECLARATION_LIMITS.surface} vectors (the limit)`);
  const index = new Map(parameters.map((p, i) => [p, i]));
  const vectors: Q.Rational[][] = [],
    basis: Q.Rational[][] = [];
  v.forEach((row, k) => {
    const m = r.obj(row, ['surface', k]);
    const x = parameters.map(() => Q.ZERO);
    for (const [p, c] of r.entries(m, ['surface', k], DECLARATION_LIMITS.names, 'coefficients')) {
      const i = index.get(p);
      if (i === undefined)
        r.fail(['surface', k, p], `unknown parameter '${excerpt(p)}' (declared: ${nameList(parameters)})`);
      // Numbers read from a file arrive as their text (exact); from the API, as doubles.
      const text = typeof c === 'string' ? c.trim() : undefined;
      const q =
        typeof c === 'number' && Number.isFinite(c)
          ? Q.fromNumber(c)
          : text !== undefined && text.length <= SURFACE_COEFFICIENT_LENGTH
            ? Q.parseRational(text)
            : undefined;
      if (!q)
        r.fail(
          ['surface', k, p],
          `expected a rational coefficient such as 1, -2 or 1/2 (at most ${SURFACE_COEFFICIENT_LENGTH} ` +
            `characters), got ${describe(c)}`,
        );
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
 * The action θ ↦ Rθ of the reflection through a surface,
 * R = I − 2O(OᵀO)⁻¹Oᵀ = I − 2Σ uuᵀ/‖u‖² over an orthogonal basis u of O's span, as expressions
 * (parameters R leaves alone omitted).
 */
function surfaceAction(
  basis: readonly (readonly Q.Rational[])[],
  parameters: readonly string[],
): [string, string][] {
  const R = parameters.map((_, i) =>
    parameters.map((__, j) =>
      basis.reduce(
        (s, u) => Q.sub(s, Q.div(Q.mul(Q.rat(2), Q.mul(u[i]!, u[j]!)), Q.dot(u, u))),
        i === j ? Q.ONE : Q.ZERO,
      ),
    ),
  );
  // Entries, not an object keyed by parameter names: a parameter may be called __proto__.
  const out: [string, string][] = [];
  parameters.forEach((p, i) => {
    if (R[i]!.every((x, j) => Q.cmp(x, i === j ? Q.ONE : Q.ZERO) === 0)) return;
    out.push([
      p,
      toText(add(...R[i]!.flatMap((x, j) => (Q.isZero(x) ? [] : [mul(num(x), sym(parameters[j]!))])))),
    ]);
  });
  return out;
}

/** Characters of one surface coefficient (`-12345/678`): the reflection's rationals grow from these. */
const SURFACE_COEFFICIENT_LENGTH = 16;

/** Names for a message: as many as fit in a short line. */
const nameList = (names: readonly string[]): string => excerpt(names.join(', '), 120);

function noExpm(r: Reader, e: { expr: Expr; at?: Loc }, path: (string | number)[]): void {
  if (callsFn(e.expr, 'expm'))
    r.fail(path, 'expm is a matrix function: use it in block-level declarations', e.at);
}

/** Every mapping's keys → value nodes, for locating fields in constant time. */
type KeyIndex = WeakMap<object, Map<string, unknown>>;

/**
 * Check the parsed document's shape in one pass over its nodes (iteratively, so nesting cannot
 * exhaust the stack): keys are scalars and unique within their mapping, nesting is bounded. Index
 * every mapping's keys, and turn numbers into their source text, so that `0.1` stays exactly 1/10
 * and `1e400` is not infinity (fields are read as text anyway). Aliases are not followed here;
 * expanding them is bounded by `maxAliasCount`.
 */
function checkDocument(doc: Document, lc: LineCounter, origin: string): KeyIndex {
  const { isMap, isSeq, isScalar, isPair } = yaml();
  const index: KeyIndex = new WeakMap();
  function fail(node: unknown, detail: string): never {
    const range = (node as Node | undefined)?.range;
    const pos = range ? lc.linePos(range[0]) : undefined;
    throw new InputError(origin, '', `malformed file: ${detail}`, pos && { line: pos.line, column: pos.col });
  }
  const stack: [unknown, number][] = [[doc.contents, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (isMap(node) || isSeq(node)) {
      if (depth >= DECLARATION_LIMITS.nesting)
        fail(node, `nested more than ${DECLARATION_LIMITS.nesting} levels deep (the limit)`);
    }
    if (isMap(node)) {
      const keys = new Map<string, unknown>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) fail(pair.key ?? node, 'a key must be a name, not a list or mapping');
        const key = String(pair.key.value);
        if (keys.has(key)) fail(pair.key, `the key '${excerpt(key)}' appears twice in one mapping`);
        keys.set(key, pair.value);
        stack.push([pair.value, depth + 1]);
      }
      index.set(node, keys);
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push([item, depth + 1]);
    } else if (isPair(node)) {
      stack.push([node.key, depth], [node.value, depth]);
    } else if (isScalar(node) && typeof node.value === 'number') {
      node.value = typeof node.source === 'string' && node.source !== '' ? node.source : String(node.value);
    }
  }
  return index;
}

function nodeLoc(
  doc: Document,
  lc: LineCounter,
  index: KeyIndex,
  path: readonly (string | number)[],
): Loc | undefined {
  const { isMap, isSeq, isScalar } = yaml();
  let node: unknown = doc.contents;
  for (const key of path) {
    if (isMap(node)) node = index.get(node)?.get(String(key));
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
  const { raw, locate } = parseDocumentChecked(text, origin);
  return readDeclaration(raw, origin, locate);
}

/**
 * The plain data of a declaration's YAML or JSON text, after the document-level checks (size, nesting,
 * duplicate keys; numbers kept as the text that was written), with a map from field paths to
 * positions for messages. What {@link parseDeclarationText} validates; the build caches it for the
 * catalog's files (src/catalog.ts).
 */
export function parseDocumentChecked(text: string, origin: string): { raw: unknown; locate: Locate } {
  checkSize(text.length > DECLARATION_LIMITS.bytes ? Buffer.byteLength(text) : text.length, origin);
  checkFlowNesting(text, origin);
  const { LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  let doc: Document;
  try {
    // uniqueKeys is checked by checkDocument in linear time (the parser's own check is quadratic).
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    throw new InputError(origin, '', `malformed file: ${parserMessage(err)}`);
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lc.linePos(e.pos[0]);
    throw new InputError(origin, '', `malformed file: ${parserMessage(e)}`, {
      line: pos.line,
      column: pos.col,
    });
  }
  const index = checkDocument(doc, lc, origin);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    throw new InputError(origin, '', `malformed file: ${parserMessage(err)}`);
  }
  return { raw, locate: (path) => nodeLoc(doc, lc, index, path) };
}

/**
 * Refuse text whose flow collections (`[…]`, `{…}`) nest far deeper than a declaration's before
 * the YAML parser sees it: the parser recurses on them (a megabyte of `[` took it 3.6 s and
 * 985 MB to fail). One pass, skipping quoted text and comments; brackets inside plain text
 * (`vector[n]`) are balanced and stay shallow.
 */
function checkFlowNesting(text: string, origin: string): void {
  const limit = 64;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '[' || ch === '{') {
      if (++depth > limit)
        throw new InputError(origin, '', `malformed file: brackets nested more than ${limit} deep`);
    } else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if ((ch === '"' || ch === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]!))) {
      // A quoted scalar: skip to its closing quote ('' and \" are escapes).
      for (i++; i < text.length; i++) {
        if (ch === '"' && text[i] === '\\') i++;
        else if (text[i] === ch) {
          if (ch === "'" && text[i + 1] === "'") i++;
          else break;
        }
      }
    }
  }
}

/** The YAML parser's message as one short line ("nested too deeply" for a stack overflow). */
function parserMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RangeError || /call stack/i.test(message)) return 'nested too deeply';
  return excerpt(message.split('\n')[0]!, 160);
}

/** Refuse a declaration of more than DECLARATION_LIMITS.bytes bytes. */
function checkSize(bytes: number, origin: string): void {
  if (bytes > DECLARATION_LIMITS.bytes)
    throw new InputError(
      origin,
      '',
      `larger than ${DECLARATION_LIMITS.bytes} bytes (the limit for a declaration: declarations are small)`,
    );
}

/**
 * Read a declaration's text from an open file descriptor (a file, or 0 for standard input): at
 * most {@link DECLARATION_LIMITS}.bytes + 1 bytes are read, so an endless source (`/dev/zero`, a
 * pipe that never closes after the limit) is refused without reading it all.
 *
 * @throws {@link InputError} naming `origin` when the text is over the limit or cannot be read.
 */
export function readDeclarationSource(fd: number, origin: string): string {
  const limit = DECLARATION_LIMITS.bytes;
  const buf = Buffer.alloc(limit + 1);
  let n = 0;
  try {
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > limit) checkSize(n, origin);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw ioError(err, origin);
  }
  return buf.toString('utf8', 0, n);
}

/** A failed read as an input error naming the file. */
function ioError(err: unknown, origin: string): InputError {
  const why = readFailure(err);
  return new InputError(
    origin,
    '',
    why ?? `cannot read (${(err as NodeJS.ErrnoException)?.code ?? 'error'})`,
  );
}

/**
 * Read and validate a declaration file (YAML or JSON). Files over the size limit are refused
 * before they are parsed (and read no further than the limit).
 *
 * @param path - The file.
 * @param origin - How messages name it (default: the path).
 * @throws {@link InputError} when the file cannot be read or the declaration is invalid.
 */
export function loadDeclarationFile(path: string, origin: string = path): Declaration {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw ioError(err, origin);
  }
  let text: string;
  try {
    text = readDeclarationSource(fd, origin);
  } finally {
    closeSync(fd);
  }
  return parseDeclarationText(text, origin);
}
