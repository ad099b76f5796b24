/** The recipe report as text (LaTeX goes through src/render/latexReport.ts with the same words). */
import { describeVerdict } from '../verdict';
import type { RecipeReport } from './report';

const g = (x: number): string =>
  x === 0
    ? '0'
    : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4
      ? String(Number(x.toPrecision(6)))
      : x.toExponential(2);

/** The report's body (without its heading line). */
export function recipeBody(r: RecipeReport): string {
  const d = r.derivation,
    t = r.trajectories;
  const support = r.penalty.domain === 'singular' ? 'rank' : 'support';
  const lines = [
    `reparametrisation: ${d.reparametrisation}, trained with weight decay λ‖θ‖²`,
    `symmetry of φ: ${d.symmetry}`,
    `charges (½ the rate of ‖θ‖² along each generator): ${d.charges.join('; ')}`,
    'balance: a minimum of λ‖θ‖² on a fibre {φ(θ) = w} has every charge 0',
    `induced penalty: ${d.penalty}`,
    `recipe: μ = ${g(r.penalty.strength)} asks for weight decay λ = μ/${d.coefficient} = ${g(r.weightDecay)}`,
    '',
    'derivation:',
    ...d.steps.map((s, i) => `  ${i + 1}. ${s.claim}\n     ${describeVerdict(s.verdict)}`),
    '',
    `equivalence of minima (theorem ${r.certificate.theorem}): ${r.certificate.statement.text}`,
    ...r.certificate.steps
      .filter((s) => !s.claim.startsWith('attainment:'))
      .map((s) => `  ${s.claim}\n     ${describeVerdict(s.verdict)}`),
    '  attainment: the derivation above (the balanced lift reaches the bound)',
    `  certificate: ${describeVerdict(r.certificate.verdict)}`,
    '',
    `trajectories: gradient descent (Armijo steps, at most ${t.maxSteps}) on L(φ(θ)) + λ‖θ‖², ` +
      `${t.runs.length} sampled least-squares problems from seed ${t.seed}; tolerance ${t.tolerance}`,
    ...t.runs.map((x) => {
      const pen = x.support.penalised === null ? '' : ` (penalised: ${x.support.penalised})`;
      const obj =
        x.objective.penalised === null
          ? `F = ${g(x.objective.reparametrised)}`
          : `F = ${g(x.objective.reparametrised)} (penalised ${g(x.objective.penalised)}, ` +
            `difference ${g(x.objective.reparametrised - x.objective.penalised)})`;
      const twin =
        `without weight decay: ${support} ${x.twin.support}/${x.support.total}` +
        (x.twin.distance === null ? '' : `, distance ${g(x.twin.distance)}`);
      return (
        `  seed ${x.seed}: ${x.converged ? 'converged' : 'did not converge'} in ${x.steps} steps; ` +
        `${x.measure} ${g(x.distance)}; ${obj}; ${support} ${x.support.reparametrised}/${x.support.total}${pen}; ` +
        `max |Q| ${g(x.charge.initial)} → ${g(x.charge.final)}; ${twin}`
      );
    }),
    `  ${describeVerdict(t.verdict)}`,
    '',
    `verdict: ${describeVerdict(r.verdict)}`,
  ];
  return lines.join('\n');
}

export const recipeHeading = (r: RecipeReport): string =>
  `recipe for ${r.penalty.text}: ${r.derivation.penalty}`;

export const renderRecipe = (r: RecipeReport): string => `${recipeHeading(r)}\n${recipeBody(r)}`;
