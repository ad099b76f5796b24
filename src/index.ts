/**
 * Public API.
 *
 * @example
 * import { derive, loadCatalog } from 'noether';
 * const d = derive(loadCatalog('rescale')!);
 * d.laws.find((l) => l.id === 'charge')?.statement.text; // 'Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²'
 */
export { derive, type DeriveOptions } from './derive';
export { deriveBlock } from './derive/block';
export { deriveConcrete } from './derive/concrete';
export { readDeclaration, parseDeclarationText, loadDeclarationFile } from './declaration/load';
export { InputError } from './declaration/errors';
export type {
  Declaration,
  BlockDeclaration,
  ConcreteDeclaration,
  Shape,
  Constant,
  Structure,
  ActionEntry,
} from './declaration/types';
export { loadCatalog, catalogNames } from './catalog';
export type { Derivation, Law, LawId, LawData, Generator, Rendered } from './derivation';
export type { Certificate, ProofStep } from './certificate';
export {
  type Verdict,
  type Counterexample,
  describeVerdict,
  weakest,
  IDENTITY_TOLERANCE,
  REFUTATION_THRESHOLD,
} from './verdict';
export { type Expr } from './expr/ast';
export { parseExpr, ExprSyntaxError } from './expr/parse';
export { toText, toLatex } from './expr/print';
export { decideZero, type ZeroQuestion, type Variable } from './verify/zero';
export { renderDerivation, type Format } from './render';
export type { Letter, Word, WordSum, TraceSum } from './derive/words';
export { main, type IO } from './cli/main';
export { checkDeclaration, lawResiduals } from './check/block';
export { chargeDrift } from './check/drift';
export type { CheckReport, CheckOptions, LawCheck } from './check/report';
export { scan, type ScanReport } from './scan';
export { parseRule, RuleError, type Rule } from './rules/rule';
export { deriveDynamics, type Dynamics, type DynamicsLaw } from './rules/dynamics';
export { checkTrajectories, type TrajectoryReport } from './rules/trajectory';
export { deriveMirror, reflectionOf } from './mirror/derive';
export { collapseExperiment, type CollapseReport } from './mirror/toyCollapse';
export type { MirrorDeclaration } from './declaration/types';
