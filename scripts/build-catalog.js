// Caches the built-in catalog's parsed files for the built package: dist/src/catalog.json holds each
// catalog file's text and the data the declaration reader gets from it (after the same document
// checks as any file), so `noether derive <catalog name>` starts without loading the YAML parser.
// src/catalog.ts uses an entry only while the file still reads as the cached text.
const { readFileSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const { parseDocumentChecked } = require(join(root, 'dist', 'src', 'declaration', 'load.js'));
const dir = join(root, 'catalog');
const out = {};
for (const file of readdirSync(dir)
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort()) {
  const text = readFileSync(join(dir, file), 'utf8');
  out[file] = { text, raw: parseDocumentChecked(text, `catalog/${file}`).raw };
}
writeFileSync(join(root, 'dist', 'src', 'catalog.json'), JSON.stringify(out));
