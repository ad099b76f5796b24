/**
 * The functions that sample networks, loaded on first call. Their modules (src/check/,
 * src/mirror/threshold.ts, src/mirror/noise.ts, src/scan.ts) import fast-check and the network
 * arbitraries when they load; the public entry point exports these wrappers instead, so that
 * `require('noether')` for deriving never loads fast-check. Each wrapper has its target's signature
 * (test/readme.test.ts asserts the types are identical to `typeof import(…)`'s, so they cannot drift).
 */
import type { ArchConstraints } from '../numeric/sample';
import type { SiteKind } from '../numeric/sites';
import type { BlockDeclaration, BlockMirrorDeclaration, Declaration } from './declaration/types';
import type { Derivation } from './derivation';
import type { Rule } from './rules/rule';
import type { MlpSpec } from '../numeric/mlp';
import type { BlockCheckReport, CheckOptions, CheckReport, MirrorCheckReport } from './check/report';
import type { TrajectoryOptions, TrajectoryReport } from './check/trajectory';
import type { NetworkCollapseReport } from './mirror/threshold';
import type { NoiseReport } from './mirror/noise';
import type { ScanOptions, ScanReport } from './scan';
import type { GraphModel } from '../numeric/graph/sites';

type CheckModule = typeof import('./check');
type ScanModule = typeof import('./scan');
type ThresholdModule = typeof import('./mirror/threshold');
type NoiseModule = typeof import('./mirror/noise');

let checkModule: CheckModule | undefined;
let scanModule: ScanModule | undefined;
let thresholdModule: ThresholdModule | undefined;
let noiseModule: NoiseModule | undefined;

/* eslint-disable @typescript-eslint/no-require-imports -- loading on first call is this module's purpose */
const checks = (): CheckModule => (checkModule ??= require('./check') as CheckModule);
const scans = (): ScanModule => (scanModule ??= require('./scan') as ScanModule);
const thresholds = (): ThresholdModule =>
  (thresholdModule ??= require('./mirror/threshold') as ThresholdModule);
const noises = (): NoiseModule => (noiseModule ??= require('./mirror/noise') as NoiseModule);
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Check every law a declaration implies, whatever its kind: a block-level symmetry's or mirror's
 * laws on sampled networks at its sites (with the mirror experiments where the symmetric set
 * exists), a concrete or mirror declaration's laws at random points. The same seed gives the same
 * report. Loads fast-check on first call.
 *
 * @param decl - The declaration, e.g. from {@link loadCatalog} or {@link parseDeclarationText}.
 * @param opts - Seed (default 1), sampled networks per site kind (default 100), architecture
 *   constraints ({@link parseArch}), site kinds, a replay path, a progress callback.
 * @returns One record per declaration kind (`kind: 'block-check' | 'mirror-check' | 'point-check'`);
 *   its `verdict` is the weakest of its laws'.
 *
 * @example
 * ```ts
 * import { check, loadCatalog } from 'noether';
 * const report = check(loadCatalog('rescale')!, { runs: 20, seed: 7 });
 * report.kind; // 'block-check'
 * report.verdict.kind; // 'numerically-verified'
 * ```
 */
export function check(decl: Declaration, opts?: CheckOptions): CheckReport {
  return checks().check(decl, opts);
}

/**
 * Check the laws by which a learning rule moves a block-level symmetry's charge (those of
 * {@link deriveDynamics}), step by step on minibatch trajectories of sampled networks: the rule runs
 * with its numeric hyper-parameters, missing ones sampled per case. Loads fast-check on first call.
 *
 * @param decl - A block-level declaration; other kinds throw {@link InputError} (a rule moves a charge).
 * @param rule - The learning rule, from {@link parseRule}.
 * @param opts - Seed (default 1), networks per site kind (default 10), steps per trajectory
 *   (default 100), architecture constraints, a progress callback.
 * @returns Each per-step law's verdict, and the first trajectory, predicted against observed.
 *
 * @example
 * ```ts
 * import { checkRule, loadCatalog, parseRule } from 'noether';
 * const report = checkRule(loadCatalog('scale')!, parseRule('sgd(lr=0.01)'), { runs: 2, steps: 50 });
 * report.laws.map((l) => l.verdict.kind); // ['numerically-verified', 'numerically-verified']
 * ```
 */
export function checkRule(decl: Declaration, rule: Rule, opts?: TrajectoryOptions): TrajectoryReport {
  return checks().checkRule(decl, rule, opts);
}

/**
 * The derivation of a block-level declaration with its invariance tested on a few sampled networks
 * at the declaration's sites, as the first law (what `noether derive` prints): `derive` alone
 * assumes invariance at block level. Loads fast-check on first call.
 *
 * @example
 * ```ts
 * import { derive, withTestedInvariance, loadCatalog } from 'noether';
 * const decl = loadCatalog('rescale')!;
 * if (decl.kind === 'block') withTestedInvariance(decl, derive(decl)).laws[0]!.verdict.kind; // 'numerically-verified'
 * ```
 */
export function withTestedInvariance(
  decl: BlockDeclaration | BlockMirrorDeclaration,
  d: Derivation,
  opts?: { readonly seed?: number; readonly runs?: number },
): Derivation {
  return checks().withTestedInvariance(decl, d, opts);
}

/**
 * Check a continuous block-level declaration's laws on sampled networks at its sites. Loads
 * fast-check on first call.
 *
 * @param decl - A block-level declaration.
 * @param opts - As for {@link check}.
 * @param derivation - The laws to check (default: the declaration's own); passing another, e.g. a
 *   deliberately wrong law, checks that instead.
 */
export function checkDeclaration(
  decl: BlockDeclaration,
  opts?: CheckOptions,
  derivation?: Derivation,
): BlockCheckReport {
  return checks().checkDeclaration(decl, opts, derivation);
}

/**
 * Check a block-level mirror on sampled networks: the symmetry itself, its laws, SGD staying on the
 * symmetric set, and the predicted attraction threshold against gradient descent
 * ({@link networkCollapse}), with SIS's gradient-noise criterion where it applies
 * ({@link noiseExperiment}). Loads fast-check on first call.
 *
 * @param decl - A block-level mirror declaration; one that is not an orthogonal reflection throws
 *   {@link InputError}.
 * @param opts - As for {@link check}, plus `collapseSamples`: networks for the threshold experiment.
 */
export function checkBlockMirror(
  decl: BlockMirrorDeclaration,
  opts?: CheckOptions & { readonly collapseSamples?: number },
): MirrorCheckReport {
  return checks().checkBlockMirror(decl, opts);
}

/**
 * Every symmetry site of an architecture, with the catalog's block-level symmetries (continuous and
 * mirrors) that act there and their laws: what `noether scan` prints. Loads fast-check on first call (it names the
 * architecture as `check` does).
 *
 * @param spec - A concrete architecture, from {@link archSpec}, or a graph model (a transformer block,
 *   a CNN, a residual MLP) from {@link graphModelSpec}.
 * @param opts - `sites: true` lists every site (up to a limit); by default they are counted by place.
 * @returns The parameter count and the site kinds found, each with its sites counted by place and
 *   the laws of the symmetries acting there.
 *
 * @example
 * ```ts
 * import { archSpec, scan } from 'noether';
 * const report = scan(archSpec('4-8-8-3:relu:ce'));
 * report.parameters; // 139
 * report.siteKinds.map((k) => `${k.kind}: ${k.symmetries.map((s) => s.name).join(', ')}`);
 * // ['unit-pair: unit-swap', 'hidden-unit: rescale', 'softmax-column: translation', 'softmax-bias: translation']
 * ```
 */
export function scan(spec: MlpSpec | GraphModel, opts: ScanOptions = {}): ScanReport {
  return scans().scan(spec, opts);
}

/**
 * The attraction threshold of a block-level mirror's symmetric set on real networks: per sampled
 * network, γ* = −λ_min(OᵀHO)/2 at a minimum on the set, against what gradient descent with weight
 * decay γ does to a small perturbation off the set. Loads fast-check on first call.
 *
 * @param decl - A block-level mirror declaration.
 * @param opts - Samples per site kind (default 50; per graph site kind, graphSamples: at most 10 by
 *   default), seed (default 1), architecture constraints, site kinds.
 */
export function networkCollapse(
  decl: BlockMirrorDeclaration,
  opts?: {
    samples?: number;
    graphSamples?: number;
    seed?: number;
    arch?: ArchConstraints;
    sites?: readonly SiteKind[];
  },
): NetworkCollapseReport {
  return thresholds().networkCollapse(decl, opts);
}

/**
 * SIS's gradient-noise criterion for one-sample SGD near a block-level mirror's symmetric set,
 * against the mean-field (full-batch) reading and the observed fate of a perturbation; cases where
 * the criterion does not apply are counted with the reason. Loads fast-check on first call.
 *
 * @param decl - A block-level mirror declaration.
 * @param opts - Samples per site kind (default 50), seed (default 1), site kinds.
 */
export function noiseExperiment(
  decl: BlockMirrorDeclaration,
  opts?: { samples?: number; seed?: number; sites?: readonly SiteKind[] },
): NoiseReport {
  return noises().noiseExperiment(decl, opts);
}
