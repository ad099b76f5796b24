/** The README's library example runs as written (imported from the package entry point). */
import { derive, loadCatalog } from '../src';

it('README: derive(loadCatalog("rescale")) gives the charge 1/2 ‖w_in‖² - 1/2 ‖w_out‖²', () => {
  const d = derive(loadCatalog('rescale')!);
  expect(d.laws.find((l) => l.id === 'charge')?.statement.text).toBe('Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²');
});
