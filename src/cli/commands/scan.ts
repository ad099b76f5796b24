/** `noether scan <arch>`: the symmetry sites of an architecture and the catalog laws at each. */
import { archSpec } from '../../arch';
import { scan } from '../../scan';
import { renderScan } from '../../render/reports';
import { flag, formatOption, type Parsed } from '../args';
import { UsageError } from '../errors';
import { EXIT, type ExitCode, type IO } from '../io';
import type { Output } from '../output';

export function scanCommand(p: Parsed, _io: IO, out: Output): ExitCode {
  const format = formatOption('scan', p);
  if (p.positionals.length !== 1) throw new UsageError('scan needs one architecture, e.g. 4-8-3:relu:ce');
  out.report(renderScan(scan(archSpec(p.positionals[0]!), { sites: flag(p, 'sites') }), format), format);
  return EXIT.ok;
}
