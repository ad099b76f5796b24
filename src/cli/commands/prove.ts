/** `noether prove <id>... | --all | --list`: certificates of the theorems in proofs/. */
import { renderCertificate } from '../../render/certificate';
import type { Certificate } from '../../certificate';
import { formatOption, intOption, optionValue, flag, type Parsed } from '../args';
import { UsageError } from '../errors';
import { excerpt } from '../../declaration/errors';
import { worstExit, EXIT, type ExitCode, type IO } from '../io';
import type { Output } from '../output';
import { exitFor, summaryLine } from '../verdictExit';

interface Entry {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly run: () => Certificate;
}

/** Every theorem, loaded only for this command (the others do not pay for the theorem modules). */
function theorems(seed: number): Entry[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const P = require('../../../proofs') as typeof import('../../../proofs');
  return [
    ...P.THEOREMS.map((t) => ({ id: t.id, title: t.title, source: t.source, run: () => P.prove(t, seed) })),
    ...P.RULE_THEOREMS.map((t) => ({
      id: t.id,
      title: t.title,
      source: t.source,
      run: () => P.proveRule(t),
    })),
    ...P.MIRROR_THEOREMS.map((t) => ({
      id: t.id,
      title: t.title,
      source: t.source,
      run: () => P.proveMirror(t),
    })),
    { id: P.DCS_THEOREM.id, title: P.DCS_THEOREM.title, source: P.DCS_THEOREM.source, run: P.proveDcs },
    {
      id: P.GU_TIME_THEOREM.id,
      title: P.GU_TIME_THEOREM.title,
      source: P.GU_TIME_THEOREM.source,
      run: () => P.proveGuTime(seed),
    },
    {
      id: P.GU_LAYER_BOUND_THEOREM.id,
      title: P.GU_LAYER_BOUND_THEOREM.title,
      source: P.GU_LAYER_BOUND_THEOREM.source,
      run: () => P.proveGuLayerBound(seed),
    },
    {
      id: P.NLD_LAGRANGIAN_THEOREM.id,
      title: P.NLD_LAGRANGIAN_THEOREM.title,
      source: P.NLD_LAGRANGIAN_THEOREM.source,
      run: () => P.proveNldLagrangian(seed),
    },
    ...P.RECIPE_THEOREMS.map(({ head, run }) => ({
      id: head.id,
      title: head.title,
      source: head.source,
      run: () => run(seed),
    })),
  ];
}

export function proveCommand(p: Parsed, io: IO, out: Output): ExitCode {
  const format = formatOption('prove', p);
  const seed = intOption(p, 'seed', 0, 0xffffffff) ?? 1;
  if (flag(p, 'quiet') && optionValue(p, 'format') !== undefined)
    throw new UsageError('--quiet prints one summary line per theorem; it cannot be combined with --format');
  const all = theorems(seed);
  if (flag(p, 'list')) {
    io.stdout(all.map((t) => `${t.id}  ${t.title}  [${t.source}]`).join('\n') + '\n');
    return EXIT.ok;
  }
  if (!flag(p, 'all') && p.positionals.length === 0)
    throw new UsageError("prove needs a theorem id or --all (see 'noether prove --list')");
  if (flag(p, 'all') && p.positionals.length)
    throw new UsageError(`prove --all takes no theorem ids, got '${excerpt(p.positionals[0]!)}'`);
  const unknown = p.positionals.filter((id) => !all.some((t) => t.id === id));
  if (unknown.length)
    throw new UsageError(`unknown theorem '${excerpt(unknown[0]!)}' (see 'noether prove --list')`);
  const chosen = flag(p, 'all') ? all : all.filter((t) => p.positionals.includes(t.id));
  const codes: ExitCode[] = [];
  const texts: string[] = [];
  for (const t of chosen) {
    const c = t.run();
    codes.push(exitFor(c.verdict));
    if (flag(p, 'quiet')) io.stdout(summaryLine(c.theorem, c.verdict));
    else if (format === 'json') out.report(JSON.stringify(c, null, 2), format);
    else texts.push(renderCertificate(c, format));
  }
  if (texts.length) out.report(texts.join('\n\n'), format);
  return worstExit(codes);
}
