/** `noether laws <name|file|-> | --arch SPEC`: every conservation law of gradient flow, and whether that is all. */
import { lawsForArch, lawsForDeclaration } from '../../laws';
import { renderLaws } from '../../render/laws';
import { flag, formatOption, intOption, type Parsed } from '../args';
import { UsageError } from '../errors';
import { EXIT, worstExit, type ExitCode, type IO } from '../io';
import { resolveDeclaration } from '../resolve';
import { archOrModel } from '../model';
import type { Output } from '../output';
import type { LawsReport } from '../../laws';

export function lawsCommand(p: Parsed, io: IO, out: Output): ExitCode {
  const format = formatOption('laws', p);
  const seed = intOption(p, 'seed', 0, 0xffffffff) ?? 1;
  const flow = flag(p, 'momentum') ? ('momentum' as const) : ('gradient' as const);
  const degree = intOption(p, 'degree', 1, 4);
  const opts = { seed, flow, ...(degree !== undefined ? { degree } : {}) };
  const arch = archOrModel(p, 'laws');
  if (arch !== undefined && p.positionals.length > 0)
    throw new UsageError('laws takes either --arch SPEC or declarations, not both');
  if (arch === undefined && p.positionals.length === 0)
    throw new UsageError('laws needs --arch SPEC (e.g. 4-3-5:linear) or a concrete declaration');
  const reports: LawsReport[] = [];
  if (arch !== undefined) reports.push(lawsForArch(arch, opts));
  for (const ref of p.positionals) {
    const d = resolveDeclaration(ref, io);
    if (d.kind !== 'concrete')
      throw new UsageError(
        `laws: '${d.name}' is a ${d.kind} declaration; laws takes a concrete declaration (a loss over ` +
          `parameters and data) or --arch SPEC, e.g. noether laws --arch 4-3-5:relu`,
      );
    reports.push(lawsForDeclaration(d, opts));
  }
  for (const r of reports) out.report(renderLaws(r, format), format);
  return worstExit(reports.map((r) => (r.complete ? EXIT.ok : EXIT.inconclusive)));
}
