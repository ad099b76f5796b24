/**
 * Every JSON record the CLI prints, as one union: the output schema
 * (schema/output.schema.json) is generated from these types, and the tests validate every
 * command's output against it.
 */
import type { Derivation } from '../derivation';
import type { Certificate } from '../certificate';
import type { CheckReport } from '../check/report';
import type { ScanReport } from '../scan';
import type { Dynamics } from '../rules/dynamics';
import type { CatalogListing } from '../catalog';
import type { LawsReport } from '../laws';
import type { TeleportReport } from '../teleport/report';
import type { RecipeReport } from '../recipe/report';

/** A record `noether … --format json` prints (several inputs print several records, one after another). */
export type OutputRecord =
  | Derivation
  | Dynamics
  | CheckReport
  | ScanReport
  | Certificate
  | CatalogListing
  | LawsReport
  | TeleportReport
  | RecipeReport;
