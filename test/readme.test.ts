/** The README's library example runs as written (imported from the package entry point); the entry point's shape. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { derive, lawsForArch, loadCatalog } from '../src';
import * as pkg from '../src';
import type * as checkModule from '../src/check';
import type * as scanModule from '../src/scan';
import type * as thresholdModule from '../src/mirror/threshold';
import type * as noiseModule from '../src/mirror/noise';

it('the library counts laws: lawsForArch("4-3-5:relu") proves its 3 laws complete', () => {
  const r = lawsForArch('4-3-5:relu', { symmetries: false });
  expect([r.lowerBound, r.upperBound, r.complete]).toEqual([3, 3, true]);
});

it('README: derive(loadCatalog("rescale")) gives the charge 1/2 ‖w_in‖² - 1/2 ‖w_out‖²', () => {
  const d = derive(loadCatalog('rescale')!);
  expect(d.laws.find((l) => l.id === 'charge')?.statement.text).toBe('Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²');
});

/** Every value the entry point exports: functions, error classes and constants (types have no runtime trace). */
const FUNCTIONS = [
  'derive',
  'deriveMirror',
  'deriveBlockMirror',
  'reflectionOf',
  'readDeclaration',
  'parseDeclarationText',
  'loadDeclarationFile',
  'loadCatalog',
  'catalogNames',
  'describeVerdict',
  'weakest',
  'check',
  'checkRule',
  'withTestedInvariance',
  'checkDeclaration',
  'checkBlockMirror',
  'checkConcrete',
  'scan',
  'lawsForArch',
  'lawsForDeclaration',
  'lawCount',
  'evaluator',
  'ruleValues',
  'sequentialNames',
  'loadModel',
  'readOnnx',
  'readOnnxGraph',
  'loadGraphModel',
  'onnxModelKind',
  'specText',
  'networkCollapse',
  'noiseExperiment',
  'teleportExperiment',
  'teleport',
  'orbitOf',
  'renderTeleport',
  'collapseExperiment',
  'parseRule',
  'deriveDynamics',
  'parseArch',
  'archSpec',
  'graphModelSpec',
  'renderDerivation',
  'parseExpr',
  'toText',
  'toLatex',
  'decideZero',
];
const CLASSES = [
  'UserInputError',
  'DegenerateSample',
  'InputError',
  'RuleError',
  'ArchError',
  'ExprSyntaxError',
  'ModelError',
];
const CONSTANTS = [
  'SCHEMA_VERSION',
  'IDENTITY_TOLERANCE',
  'REFUTATION_THRESHOLD',
  'MODEL_BYTES_LIMIT',
  'DEFAULT_GRAPH_BATCH',
  'ORBIT_TOLERANCE',
];

it('the package entry point exports exactly the public API (no CLI, no internals)', () => {
  const api = pkg as unknown as Record<string, unknown>;
  for (const name of [...FUNCTIONS, ...CLASSES]) expect(typeof api[name]).toBe('function');
  for (const name of CONSTANTS) expect(typeof api[name]).toBe('number');
  expect(Object.keys(api).sort()).toEqual([...FUNCTIONS, ...CLASSES, ...CONSTANTS].sort());
  for (const name of ['InputError', 'RuleError', 'ArchError', 'ModelError'])
    expect((api[name] as { prototype: unknown }).prototype).toBeInstanceOf(pkg.UserInputError);
});

/** Identical types, not merely assignable ones (the standard deferred-conditional comparison). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

it('the lazy wrappers have exactly the signatures of the functions they load (checked by tsc)', () => {
  // A wrapper whose signature drifts from its target's makes one of these `false`: a type error.
  const same: readonly true[] = [
    true satisfies Same<typeof pkg.check, typeof checkModule.check>,
    true satisfies Same<typeof pkg.checkRule, typeof checkModule.checkRule>,
    true satisfies Same<typeof pkg.withTestedInvariance, typeof checkModule.withTestedInvariance>,
    true satisfies Same<typeof pkg.checkDeclaration, typeof checkModule.checkDeclaration>,
    true satisfies Same<typeof pkg.checkBlockMirror, typeof checkModule.checkBlockMirror>,
    true satisfies Same<typeof pkg.scan, typeof scanModule.scan>,
    true satisfies Same<typeof pkg.networkCollapse, typeof thresholdModule.networkCollapse>,
    true satisfies Same<typeof pkg.noiseExperiment, typeof noiseModule.noiseExperiment>,
  ];
  expect(same).toHaveLength(8);
});

it('requiring the entry point loads no fast-check until a check function is called', () => {
  // A fresh process (jest's own module registry is not Node's): the sources through ts-node.
  const script = `
    const fc = () =>
      Object.keys(require.cache).filter((p) => /[\\\\/]node_modules[\\\\/]fast-check[\\\\/]/.test(p)).length;
    const api = require(${JSON.stringify(join(__dirname, '..', 'src'))});
    const decl = api.loadCatalog('rescale');
    const derived = api.derive(decl).verdict.kind;
    const afterDerive = fc();
    const checked = api.check(decl, { runs: 2 }).verdict.kind;
    console.log(JSON.stringify({ derived, afterDerive, checked, afterCheck: fc() }));
  `;
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
  });
  const r = JSON.parse(out) as { derived: string; afterDerive: number; checked: string; afterCheck: number };
  expect(r.derived).toBe('proved');
  expect(r.afterDerive).toBe(0);
  expect(r.checked).toBe('numerically-verified');
  expect(r.afterCheck).toBeGreaterThan(0);
});
