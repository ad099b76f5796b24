/**
 * The package as published: `npm pack` (prepack cleans and builds), the tarball installed into an
 * empty project, and used there the ways the README says: the CLI's example commands, and the
 * library from CommonJS, from ESM and from TypeScript (`tsc --strict`, module nodenext).
 *
 * A copy of the checkout is packed (its node_modules linked, not copied), so the test never rebuilds
 * or cleans the working tree's dist/. Example files are taken from the installed package
 * (node_modules/noether/examples/…), as a user who installed it would.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
/** The project's own compiler, for the TypeScript consumer. */
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

let work: string;
let app: string;
let installed: string;

/** What the checkout holds that is never part of a package build (and would be slow or wrong to copy). */
const NOT_COPIED = new Set(['node_modules', '.git', 'dist', 'coverage', join('docs', 'api')]);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'noether-package-'));
  const project = join(work, 'project');
  cpSync(root, project, {
    recursive: true,
    filter: (src) => {
      const rel = relative(root, src);
      return !NOT_COPIED.has(rel) && !rel.endsWith('.tgz');
    },
  });
  symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'), 'dir');
  execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: project, stdio: 'pipe' });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${work}`);

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)], {
    cwd: app,
    stdio: 'pipe',
  });
  installed = join(app, 'node_modules', manifest.name);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Run a command in the consumer project; its exit code and output. */
function run(cmd: string, args: readonly string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd: app, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
/** `npx noether …`; `--no --` makes npx fail rather than fetch a package of that name from the registry. */
const noether = (...args: string[]): ReturnType<typeof run> => run('npx', ['--no', '--', 'noether', ...args]);
const example = (file: string): string => join('node_modules', manifest.name, 'examples', file);

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? filesUnder(join(dir, e.name), base)
      : [relative(base, join(dir, e.name)).split(sep).join('/')],
  );
}

describe('the tarball', () => {
  it('ships the build, catalog, schemas, examples, docs, README and LICENSE, and nothing else', () => {
    const files = filesUnder(installed);
    const top = new Set(
      files.map((f) => (f.startsWith('dist/') ? f.split('/').slice(0, 2).join('/') : f.split('/')[0])),
    );
    expect([...top].sort()).toEqual(
      [
        'LICENSE',
        'README.md',
        'catalog',
        'dist/numeric',
        'dist/proofs',
        'dist/src',
        'docs',
        'examples',
        'package.json',
        'schema',
      ].sort(),
    );
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/bin.js',
      'catalog/rescale.yaml',
      'examples/tanh-rescale.yaml',
      'schema/declaration.schema.json',
      'schema/output.schema.json',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => f.startsWith('docs/api/'))).toEqual([]);
  });

  it("holds every example file and catalog entry the README's commands name", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const commands = [...readme.matchAll(/^noether (\w+) ([^\s]+)/gm)].map((m) => ({
      verb: m[1]!,
      arg: m[2]!,
    }));
    expect(commands.length).toBeGreaterThan(5);
    const names = new Set(readdirSync(join(installed, 'catalog')).map((f) => f.replace(/\.ya?ml$/, '')));
    for (const { verb, arg } of commands) {
      if (arg.startsWith('examples/'))
        expect(filesUnder(join(installed, 'examples'))).toContain(arg.slice(9));
      else if ((verb === 'derive' || verb === 'check') && !arg.startsWith('-')) expect(names).toContain(arg);
    }
  });
});

describe("the CLI, from the consumer project (the README's commands)", () => {
  it('npx noether --version prints the package version', () => {
    const r = noether('--version');
    expect(r).toMatchObject({ code: 0, out: `${manifest.version}\n` });
  });

  it('noether list', () => {
    const r = noether('list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/rescale/);
  });

  it('noether derive rescale', () => {
    const r = noether('derive', 'rescale');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²');
  });

  it('noether derive examples/tanh-rescale.yaml is refuted (exit 1)', () => {
    const r = noether('derive', example('tanh-rescale.yaml'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/refuted/);
  });

  it('noether check rescale --runs 5', () => {
    const r = noether('check', 'rescale', '--runs', '5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/numerically verified/);
  });

  it('noether check scale --arch 4-16-16-3:relu:batch+affine:ce --seed 7 --runs 5', () => {
    const r = noether(
      'check',
      'scale',
      '--arch',
      '4-16-16-3:relu:batch+affine:ce',
      '--seed',
      '7',
      '--runs',
      '5',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/numerically verified/);
  });

  it('noether check examples/rescale-wrong-exponent.yaml is refuted (exit 1)', () => {
    expect(noether('check', example('rescale-wrong-exponent.yaml'), '--runs', '5').code).toBe(1);
  });

  it('noether scan 4-8-8-3:relu:ce', () => {
    const r = noether('scan', '4-8-8-3:relu:ce');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/hidden-unit/);
  });

  it('noether prove nm-rescale-charge', () => {
    const r = noether('prove', 'nm-rescale-charge');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/proved/);
  });

  it('noether prove --all', () => {
    expect(noether('prove', '--all').code).toBe(0);
  });

  it('noether derive rescale --format json prints the Derivation record', () => {
    const r = noether('derive', 'rescale', '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ kind: 'derivation', declaration: { name: 'rescale' } });
  });

  it("noether derive rescale --rule 'sgd(lr=eta, wd=lambda)'", () => {
    const r = noether('derive', 'rescale', '--rule', 'sgd(lr=eta, wd=lambda)');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Q_{k+1}');
  });
});

describe('the library, from the consumer project', () => {
  it("CommonJS: require('noether'), without fast-check until a check runs; deep imports are closed", () => {
    writeFileSync(
      join(app, 'consumer.cjs'),
      `
      const fastCheck = () => Object.keys(require.cache).some((p) => /[\\\\/]fast-check[\\\\/]/.test(p));
      const noether = require('noether');
      const d = noether.derive(noether.loadCatalog('rescale'));
      const afterDerive = fastCheck();
      const checked = noether.check(noether.loadCatalog('rescale'), { runs: 3 }).verdict.kind;
      let deep;
      try { require('noether/dist/src/cli/main'); deep = 'loaded'; } catch (e) { deep = e.code; }
      console.log(JSON.stringify({
        charge: d.laws.find((l) => l.id === 'charge').statement.text,
        afterDerive, checked, afterCheck: fastCheck(), deep,
        version: require('noether/package.json').version,
        names: Object.keys(noether).sort(),
      }));
      `,
    );
    const r = run('node', ['consumer.cjs']);
    expect(r.err).toBe('');
    const out = JSON.parse(r.out) as Record<string, unknown>;
    expect(out).toMatchObject({
      charge: 'Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²',
      afterDerive: false,
      checked: 'numerically-verified',
      afterCheck: true,
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      version: manifest.version,
    });
    expect(out['names']).toContain('derive');
    expect(out['names']).not.toContain('main');
  });

  it("ESM: import { derive, loadCatalog } from 'noether' (named exports of the CommonJS build)", () => {
    writeFileSync(
      join(app, 'consumer.mjs'),
      `
      import { createRequire } from 'node:module';
      import { derive, loadCatalog, check, UserInputError } from 'noether';
      import * as namespace from 'noether';
      const d = derive(loadCatalog('rescale'));
      // Beside the named exports Node's namespace holds default (module.exports) and __esModule.
      const esm = Object.keys(namespace).filter((k) => !['default', '__esModule', 'module.exports'].includes(k)).sort();
      const cjs = Object.keys(createRequire(import.meta.url)('noether')).sort();
      console.log(JSON.stringify({
        charge: d.laws.find((l) => l.id === 'charge').statement.text,
        check: typeof check, error: typeof UserInputError, same: JSON.stringify(esm) === JSON.stringify(cjs),
        count: esm.length,
      }));
      `,
    );
    const r = run('node', ['consumer.mjs']);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toEqual({
      charge: 'Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²',
      check: 'function',
      error: 'function',
      same: true,
      count: expect.any(Number),
    });
  });

  it('TypeScript: types and functions from the package compile with tsc --strict (nodenext, CJS and ESM)', () => {
    const body = `
      import {
        check, checkRule, derive, loadCatalog, parseDeclarationText, parseRule, deriveDynamics, parseArch,
        archSpec, scan, InputError, UserInputError, describeVerdict,
        type CheckReport, type Declaration, type Derivation, type Dynamics, type Law, type LawOf,
        type Rule, type ScanReport, type TrajectoryReport, type Verdict, type ArchConstraints,
      } from 'noether';
      // @ts-expect-error: the CLI's main is not part of the public API
      import { main } from 'noether';
      // @ts-expect-error: the exports map closes deep imports
      import type { IO } from 'noether/dist/src/cli/main';

      const decl: Declaration | undefined = loadCatalog('rescale');
      if (decl === undefined) throw new Error('no rescale in the catalog');
      const d: Derivation = derive(decl);
      const charge: Law | undefined = d.laws.find((l): l is LawOf<'charge'> => l.id === 'charge');
      export const text: string = charge?.statement.text ?? '';
      export const kind: Verdict['kind'] = d.verdict.kind;
      export const words: string = describeVerdict(d.verdict);
      const rule: Rule = parseRule('sgd(lr=eta, wd=lambda)');
      export const dynamics: Dynamics | undefined = decl.kind === 'block' ? deriveDynamics(decl, d, rule) : undefined;
      const arch: ArchConstraints = parseArch('4-8-3:relu');
      export const checking = (): CheckReport => check(decl, { runs: 5, arch });
      export const trajectories = (): TrajectoryReport => checkRule(decl, rule, { steps: 10 });
      export const scanning = (): ScanReport => scan(archSpec('4-8-3'));
      export const parsed: Declaration = parseDeclarationText('name: x', 'x.yaml');
      export const isInput = (e: unknown): boolean => e instanceof InputError && e instanceof UserInputError;
    `;
    writeFileSync(join(app, 'consumer.ts'), body);
    writeFileSync(join(app, 'consumer.mts'), body);
    const r = run(process.execPath, [
      tsc,
      '--strict',
      '--noEmit',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      'consumer.ts',
      'consumer.mts',
    ]);
    expect(r.out + r.err).toBe('');
    expect(r.code).toBe(0);
  });
});
