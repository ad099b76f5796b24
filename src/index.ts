/**
 * noether's public API: declare a symmetry of a loss, derive the laws it implies (generator,
 * gradient and Hessian constraints, Noether charge, or what obstructs one), each with a verdict, and
 * check them on sampled networks, at random points or on learning-rule trajectories.
 *
 * Deriving never loads fast-check: the functions that sample networks ({@link check},
 * {@link checkRule}, {@link checkDeclaration}, {@link checkBlockMirror}, {@link scan},
 * {@link networkCollapse}, {@link noiseExperiment}) load it on their first call.
 *
 * {@link lawsForArch} and {@link lawsForDeclaration} count every conservation law of gradient flow
 * (or momentum) a polynomial model has, find them, and prove the list complete when it is.
 *
 * @example
 * ```ts
 * import { derive, loadCatalog } from 'noether';
 * const d = derive(loadCatalog('rescale')!);
 * d.laws.find((l) => l.id === 'charge')?.statement.text; // 'Q = 1/2 ‖w_in‖² - 1/2 ‖w_out‖²'
 * ```
 *
 * @packageDocumentation
 */

// Derivation: one entry point for every kind of declaration, and its records.
export { derive, type DeriveOptions } from './derive';
export { deriveMirror, reflectionOf } from './mirror/derive';
export { deriveBlockMirror } from './mirror/deriveBlock';
export {
  SCHEMA_VERSION,
  type Derivation,
  type DeclarationRef,
  type Law,
  type LawId,
  type LawOf,
  type LawData,
  type LawDataById,
  type ExprData,
  type VectorData,
  type ExprMatrixData,
  type TraceData,
  type MatrixData,
  type HvpData,
  type BlocksData,
  type NoData,
  type Generator,
  type GeneratorComponent,
  type Rendered,
  type LawCount,
} from './derivation';
export type { Letter, LetterKind, Word, WordTerm, WordSum, TraceSum } from './derive/words';

// Declarations: files, text, plain objects, and the built-in catalog.
export { readDeclaration, parseDeclarationText, loadDeclarationFile } from './declaration/load';
export { loadCatalog, catalogNames } from './catalog';
export type {
  Declaration,
  BlockDeclaration,
  ConcreteDeclaration,
  MirrorDeclaration,
  BlockMirrorDeclaration,
  BlockShaped,
  Shape,
  Dim,
  Constant,
  Structure,
  ActionEntry,
  Loc,
} from './declaration/types';

// Verdicts and tolerances.
export {
  describeVerdict,
  weakest,
  IDENTITY_TOLERANCE,
  REFUTATION_THRESHOLD,
  type Verdict,
  type Counterexample,
  type PointCounterexample,
  type NetworkCounterexample,
  type SampleCounterexample,
  type MismatchCounterexample,
} from './verdict';

// Errors: UserInputError and its subclasses are the user's input (the CLI exits 2).
export { UserInputError, DegenerateSample } from '../numeric/errors';
export { InputError } from './declaration/errors';

// Checks: the functions that sample networks load fast-check on first call (src/lazy.ts).
export {
  check,
  checkRule,
  withTestedInvariance,
  checkDeclaration,
  checkBlockMirror,
  scan,
  networkCollapse,
  noiseExperiment,
} from './lazy';
export { checkConcrete, type PointCheckOptions } from './check/concrete';
export type {
  CheckReport,
  NetworkCheckReport,
  BlockCheckReport,
  MirrorCheckReport,
  PointCheckReport,
  CheckCounterexample,
  CheckOptions,
  LawCheck,
} from './check/report';
export type { Progress } from './check/progress';
export type {
  TrajectoryReport,
  TrajectoryOptions,
  TrajectoryLawCheck,
  TrajectoryPoint,
} from './check/trajectory';
export type { Drift } from './check/drift';
export type { FlowCheck, FlowNotRun } from './check/flow';
export type { OrderReport } from './check/order';
export type { EffectiveRate, EffectiveRatePoint } from './check/effectiveRate';
export type { LagrangianLaw, LagrangianData } from './rules/dynamics/types';
export type { NetworkCollapseReport, NetworkCollapseSample } from './mirror/threshold';
export type { NoiseReport, NoiseSample } from './mirror/noise';
export { collapseExperiment, type CollapseReport, type CollapseSample } from './mirror/toyCollapse';
export type { ScanReport, ScanKind, ScanOptions, RoleShapes, ArchLawCount } from './scan';

// Every conservation law of a polynomial model (noether laws), and whether that is all.
export {
  lawsForArch,
  lawsForDeclaration,
  lawCount,
  type LawsReport,
  type LawEntry,
  type LawsOptions,
} from './laws';
export type { SymmetryReport } from './laws/symmetries';
export type { DeclaredReport, DeclaredGenerator } from './laws/declared';
export type { SiteKind } from '../numeric/sites';

// Learning rules.
export {
  parseRule,
  RuleError,
  type Rule,
  type RuleKind,
  type RuleOf,
  type RuleParameters,
  type HyperParameter,
} from './rules/rule';
export { deriveDynamics, type Dynamics, type DynamicsLaw, type DynamicsData } from './rules/dynamics';

// Architectures.
export { parseArch, archSpec, specText, graphModelSpec, ArchError } from './arch';
export type { ArchConstraints } from '../numeric/sample';
export type { GraphConstraints, GraphModel } from '../numeric/graph/sites';
export type { TransformerSpec, CnnSpec, ResidualSpec } from '../numeric/graph/models';
export type { GraphActivation } from '../numeric/graph/ops';
export type { MlpSpec, Activation, Norm, Loss, Network, Block, Batch } from '../numeric/mlp';
export type { Mat } from '../numeric/linalg';
export type { Site, View } from '../numeric/sites';

// Charges on a user's own network: evaluated per site, residuals on a batch, predicted trajectories.
export {
  evaluator,
  ruleValues,
  type Evaluator,
  type EvaluatorOptions,
  type ChargeValue,
  type SiteResiduals,
  type SiteRef,
  type Prediction,
} from './evaluator/evaluator';
export {
  sequentialNames,
  type NamedNetwork,
  type ParameterName,
  type Parameters,
  type NamedArray,
  type BatchInput,
} from './evaluator/params';

// Models read from ONNX (PyTorch nn.Sequential exports): the architecture and the tensor each block is.
export {
  readOnnx,
  loadModel,
  ModelError,
  MODEL_BYTES_LIMIT,
  type Model,
  type ModelParameter,
  type ModelOptions,
} from './model/onnx';

// CNNs and transformer blocks read from ONNX into the graph models (spec, θ, tensor names).
export {
  readOnnxGraph,
  loadGraphModel,
  onnxModelKind,
  DEFAULT_GRAPH_BATCH,
  type OnnxGraphModel,
  type GraphModelOptions,
} from './model/onnxGraph';

// Symmetry teleportation: climb ‖∇L‖² along a declared orbit, the loss unchanged, then descend.
export {
  teleportExperiment,
  teleport,
  orbitOf,
  renderTeleport,
  ORBIT_TOLERANCE,
  type TeleportData,
  type TeleportOptions,
  type AscentOptions,
  type TeleportStep,
  type OrbitBreak,
  type Orbit,
  type OrbitSite,
  type SparseVector,
  type TeleportReport,
  type TeleportLaw,
  type TeleportEvent,
  type TeleportArm,
  type TeleportRun,
  type SpeedupSummary,
} from './teleport';

// Certificates (what `noether prove` prints) and rendering.
export type { Certificate, ProofStep } from './certificate';
export { renderDerivation, type Format } from './render';

// Expressions and deciding identities.
export type { Expr, FnName } from './expr/ast';
export type { Rational } from './expr/rational';
export { parseExpr, ExprSyntaxError } from './expr/parse';
export { toText, toLatex } from './expr/print';
export { decideZero, type ZeroQuestion, type Variable, type Role } from './verify/zero';
