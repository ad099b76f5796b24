/** The published JSON Schema accepts every shipped declaration and rejects malformed ones. */
import Ajv from 'ajv';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import schema from '../schema/declaration.schema.json';
import { SITE_KINDS } from '../numeric/sites';

const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);
const files = [
  ...readdirSync('catalog').map((f) => `catalog/${f}`),
  ...readdirSync('examples')
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `examples/${f}`),
];

it.each(files)('%s conforms to schema/declaration.schema.json', (f) => {
  const ok = validate(parse(readFileSync(f, 'utf8')));
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
});

it.each<[string, unknown]>([
  ['a missing action', { name: 'x', group: 'a' }],
  ['an unknown field', { name: 'x', group: 'a', action: { w: 'w' }, extra: 1 }],
  ['a bad shape', { name: 'x', kind: 'block', group: 'a', blocks: { w: 'tensor[3]' }, action: { w: 'w' } }],
  [
    'a loss in a block-level declaration',
    { name: 'x', kind: 'block', group: 'a', blocks: { w: 'vector[n]' }, loss: 'w', action: { w: 'w' } },
  ],
  ['a bad name', { name: 'x', group: '1a', action: { w: 'w' } }],
])('rejects %s', (_, doc) => {
  expect(validate(doc)).toBe(false);
});

it('the schema lists exactly the site kinds the toolkit knows', () => {
  expect([...(schema.properties.sites.items.enum as string[])].sort()).toEqual([...SITE_KINDS].sort());
});
