/**
 * Symmetry teleportation (docs/theory.md §9): climb ‖∇L‖² along a declared symmetry's orbit, the loss
 * unchanged, then descend; measured against plain descent.
 */
export { teleportExperiment, type TeleportData, type TeleportOptions } from './experiment';
export { teleport, type AscentOptions, type TeleportStep, type OrbitBreak } from './ascent';
export { orbitOf, sparseDot, type Orbit, type OrbitSite, type SparseVector } from './orbit';
export { actOnBlock, type ActionValues } from './action';
export { ORBIT_TOLERANCE, lossScale, lossAt } from './loss';
export { renderTeleport } from './text';
export type {
  TeleportReport,
  TeleportLaw,
  TeleportEvent,
  TeleportArm,
  TeleportRun,
  SpeedupSummary,
} from './report';
