/**
 * `noether recipe <penalty> [--lambda MU] [--seed N] [--runs N] [--steps N] [--format text|latex|json]`:
 * the reparametrisation and weight decay that induce a penalty (src/recipe), the certificate of the
 * equivalence of minima (proofs/recipe-*.ts) and the check on trajectories; the exit code is the
 * report's weakest verdict. A penalty no family induces is refused (exit 2) naming it.
 */
import { excerpt } from '../../declaration/errors';
import { latexReport } from '../../render/latexReport';
import { formatOption, intOption, optionValue, type Parsed } from '../args';
import { UsageError } from '../errors';
import type { ExitCode, IO } from '../io';
import type { Output } from '../output';
import { exitFor } from '../verdictExit';

/**
 * Defaults: penalty strength, sampled problems, gradient-descent steps at most. Descent stops once
 * converged (median 650–2600 steps over 40 problems per family); a problem with an entry near the
 * edge of the penalised optimality conditions converges slowly (l1: 37 467 and 58 217 steps; nuclear
 * norm: 20 849), hence the cap well above them.
 */
export const RECIPE_DEFAULTS = { lambda: 0.1, runs: 5, steps: 200_000 } as const;

function strength(p: Parsed): number {
  const v = optionValue(p, 'lambda');
  if (v === undefined) return RECIPE_DEFAULTS.lambda;
  const x = /^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(x > 0 && x <= 100))
    throw new UsageError(`--lambda must be a number in (0, 100], got '${excerpt(v)}'`);
  return x;
}

export function recipeCommand(p: Parsed, _io: IO, out: Output): ExitCode {
  const format = formatOption('recipe', p);
  if (p.positionals.length !== 1)
    throw new UsageError("recipe needs one penalty, e.g. noether recipe l1 (see 'noether help recipe')");
  const mu = strength(p);
  const seed = intOption(p, 'seed', 0, 2 ** 32 - 1) ?? 1;
  const runs = intOption(p, 'runs', 1, 100) ?? RECIPE_DEFAULTS.runs;
  const steps = intOption(p, 'steps', 1, 1_000_000) ?? RECIPE_DEFAULTS.steps;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only for this command */
  const R = require('../../recipe') as typeof import('../../recipe');
  const P = require('../../../proofs') as typeof import('../../../proofs');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const penalty = R.parsePenalty(p.positionals[0]!);
  const derivation = R.recipeFor(penalty, seed);
  const certificate = P.proveRecipe(derivation.family, seed);
  const exponent = Number(penalty.exponent.n) / Number(penalty.exponent.d);
  const check = R.checkTrajectories(
    derivation.family,
    { domain: penalty.domain, exponent, mu },
    Number(derivation.coefficient),
    { seed, runs, steps },
  );
  const report = R.recipeReport(penalty, mu, derivation, certificate, { ...check, seed, maxSteps: steps });
  const text =
    format === 'json'
      ? JSON.stringify(report, null, 2)
      : format === 'latex'
        ? latexReport(`noether recipe ${penalty.text}`, R.recipeHeading(report), R.recipeBody(report))
        : R.renderRecipe(report);
  out.report(text, format);
  return exitFor(report.verdict);
}
