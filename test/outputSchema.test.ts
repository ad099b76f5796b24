/**
 * Every JSON record the CLI prints conforms to schema/output.schema.json (generated from the
 * record types in src/output/records.ts by `npm run schema:output`), and the schema is strict
 * enough to reject records that lie (a law whose data does not fit its id, a missing
 * schemaVersion, an unknown field).
 */
import Ajv from 'ajv';
import { readdirSync } from 'node:fs';
import schema from '../schema/output.schema.json';
import { main } from '../src/cli/main';
import { SCHEMA_VERSION } from '../src/derivation';
import { parseJsonStream } from './helpers/jsonStream';

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function records(...args: string[]): unknown[] {
  let out = '';
  main([...args, '--format', 'json'], { stdout: (t) => void (out += t), stderr: () => undefined });
  return parseJsonStream(out);
}

const catalog = readdirSync('catalog').map((f) => f.replace(/\.yaml$/, ''));
const examples = readdirSync('examples')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `examples/${f}`);

const commands: string[][] = [
  ['list'],
  ['derive', ...catalog, ...examples],
  ['derive', 'rescale', 'gl', '--rule', 'sgd(lr=eta, wd=lambda)'],
  ['derive', 'translation', 'scale', '--rule', 'momentum(lr=eta, beta=beta, dampening=d, wd=lambda)'],
  ['derive', 'rescale', '--rule', 'precond(lr=eta, wd=lambda)'],
  ['check', 'rescale', 'gl', 'mirror-swap', 'examples/tanh-rescale.yaml', '--runs', '3'],
  ['check', 'unit-sign-flip', '--runs', '3'],
  ['check', 'examples/rescale-wrong-exponent.yaml', '--runs', '5'],
  ['check', 'scale', '--rule', 'adam(lr=0.01)', '--steps', '10', '--runs', '1'],
  ['scan', '4-6-3:relu:ce'],
  ['laws', '--arch', '4-3-5:linear'],
  ['laws', '--arch', '1-2-2-1:linear:nobias'],
  ['laws', 'examples/shear.yaml', 'examples/rotation-factorisation.yaml'],
  ['prove', 'nm-rescale-charge', 'sis-rescaling-sparsity', 'nm-sgd-scale-recursion'],
  ['teleport', 'rescale', '--runs', '2', '--steps', '20', '--every', '10'],
  ['recipe', 'nuclear', '--runs', '1'],
];

describe('every record the CLI prints conforms to the output schema', () => {
  it.each(commands.map((c) => [c.join(' '), c] as const))('noether %s --format json', (_, args) => {
    const rs = records(...args);
    expect(rs.length).toBeGreaterThan(0);
    for (const r of rs) {
      const ok = validate(r);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
      expect(r).toMatchObject({ schemaVersion: SCHEMA_VERSION });
    }
  });
});

describe('the output schema rejects records that lie', () => {
  const derivation = records('derive', 'rescale')[0] as { laws: { id: string; data: unknown }[] };
  it.each<[string, (d: Record<string, unknown>) => unknown]>([
    [
      'a charge law carrying block-mirror data',
      (d) => ({
        ...d,
        laws: (d['laws'] as { id: string }[]).map((l) =>
          l.id === 'charge' ? { ...l, data: { kind: 'blocks', components: {} } } : l,
        ),
      }),
    ],
    ['a record without schemaVersion', ({ schemaVersion: _, ...rest }) => rest],
    ['an unknown field', (d) => ({ ...d, extra: 1 })],
    [
      'an unknown declaration kind',
      (d) => ({ ...d, declaration: { ...(d['declaration'] as object), kind: 'other' } }),
    ],
  ])('rejects %s', (_, mutate) => {
    expect(validate(derivation)).toBe(true);
    expect(validate(mutate(derivation as unknown as Record<string, unknown>))).toBe(false);
  });
});
