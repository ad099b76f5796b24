/** A teleport report as text: settings, the laws with verdicts, the speed-up, one line per seed. */
import { describeVerdict } from '../verdict';
import type { TeleportReport, TeleportRun } from './report';

const f = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toPrecision(digits) : String(x));
const e = (x: number): string => (Number.isFinite(x) ? x.toExponential(2) : String(x));

function runLine(r: TeleportRun): string {
  const it = (n: number | null): string => (n === null ? 'not reached' : String(n));
  const gains = r.teleports.map((t) => t.gradNormSqAfter / t.gradNormSqBefore);
  const jumps = r.teleports.map((t) => t.chargeJump?.observed ?? 0);
  const loss = (x: number | null): string => (x === null ? 'diverged' : e(x));
  return (
    `  seed ${r.seed}: threshold ${r.threshold === null ? 'none (plain descent diverged)' : e(r.threshold)}; ` +
    `iterations ${it(r.plain.iterations)} plain, ` +
    `${it(r.teleport.iterations)} with teleports` +
    (r.speedup !== null ? ` (speed-up ${f(r.speedup)})` : '') +
    `; final loss ${loss(r.plain.finalLoss)} vs ${loss(r.teleport.finalLoss)}; ‖∇L‖² ×` +
    gains.map((g) => f(g)).join(', ×') +
    (r.teleports.some((t) => t.chargeJump) ? `; Σ|ΔQ| ${jumps.map((j) => e(j)).join(', ')}` : '')
  );
}

/** Evaluations the teleports cost in all (H v products and gradients at the points tried). */
const evaluations = (r: TeleportReport): number =>
  r.runs.reduce((n, x) => n + x.teleports.reduce((m, t) => m + t.hessianProducts + t.pointsTried, 0), 0);

/** The report as text. */
export function renderTeleport(r: TeleportReport): string {
  const s = r.speedup;
  const lines = [
    `teleport: ${r.declaration.name} on ${r.architecture} (${r.sites} sites, one group parameter each)`,
    `data: ${r.data}`,
    `descent: ${r.rule}, ${r.steps} steps, full batch; teleports at step 0 and every ${r.every} steps`,
    `threshold: ${r.threshold}`,
    '',
    ...r.laws.flatMap((l, i) => [
      `${i + 1}. ${l.title}`,
      `   ${l.statement}`,
      `   verdict: ${describeVerdict(l.verdict)}`,
    ]),
    '',
    s.kind === 'measured'
      ? `speed-up (iterations without / with teleports, ${s.runs - s.plainDiverged} seeds` +
        (s.plainDiverged ? `; ${s.plainDiverged} left out: plain descent diverged` : '') +
        `): median ` +
        `${f(s.median)}, quartiles ${f(s.q1)}–${f(s.q3)}, min ${f(s.min)}, max ${f(s.max)}` +
        (s.notReached
          ? `; ${s.notReached} seeds never reached the threshold with teleports (speed-up 0)`
          : '') +
        `; final loss with/without (median) ${s.finalLossRatio === null ? 'diverged' : f(s.finalLossRatio)}`
      : r.laws[0]?.verdict.kind === 'refuted' || r.laws[0]?.verdict.kind === 'inconclusive'
        ? 'speed-up: not measured (the loss moved along the declared orbit: no teleport was made)'
        : `speed-up: not measured (${s.runs} seeds run, ${s.plainDiverged} with plain descent diverged)`,
    ...(r.runs.length === 0
      ? []
      : [
          `cost: ${evaluations(r)} ` +
            'evaluations in the teleports (H v products and gradients at the points tried), not counted as iterations',
        ]),
    ...r.runs.map(runLine),
  ];
  return lines.join('\n');
}
