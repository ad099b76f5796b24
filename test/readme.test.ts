/** The README's library example runs as written (imported from the package entry point). */
import { derive, loadCatalog } from '../src';
import * as pkg from '../src';

it('README: derive(loadCatalog("rescale")) gives the charge 1/2 ‖w_in‖² - 1/2 ‖w_out‖²', () => {
  const d = derive(loadCatalog('rescale')!);
  expect(d.laws.find((l) => l.id === 'charge')?.statement.text).toBe('Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²');
});

it('the package entry point reaches check, learning rules and mirrors', () => {
  const api = pkg as unknown as Record<string, unknown>;
  for (const name of [
    'checkDeclaration',
    'scan',
    'parseRule',
    'deriveDynamics',
    'checkTrajectories',
    'deriveMirror',
    'collapseExperiment',
  ])
    expect(typeof api[name]).toBe('function');
});
