#!/usr/bin/env node
/*
 * Writes docs/noether.bib, the BibTeX of the sources noether cites, from the one table in
 * src/render/references.ts (compiled: run `npm run bib`, which builds first). A test keeps the
 * committed file equal to what this writes.
 */
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { bibtex } = require('../dist/src/render/references');

const file = join(__dirname, '..', 'docs', 'noether.bib');
writeFileSync(file, bibtex());
process.stdout.write(`wrote ${file}\n`);
