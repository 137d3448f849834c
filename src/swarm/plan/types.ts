// The swarm planner's inputs beyond the model and the snapshot, and its options.

import type { FileContent } from '../../api/swarm-types.js';

/**
 * What the façade read for the planner, which does no I/O: the content of every config and
 * secret the stack creates (by key), and the digests a registry gave for its images.
 */
export interface SwarmPlanInputs {
  readonly configs: ReadonlyMap<string, FileContent>;
  readonly secrets: ReadonlyMap<string, FileContent>;
  /** Image reference as written → `name@sha256:...`; absent = not resolved (no registry answered, or `--resolve-image never`). */
  readonly imageDigests: ReadonlyMap<string, string>;
}

export const NO_INPUTS: SwarmPlanInputs = { configs: new Map(), secrets: new Map(), imageDigests: new Map() };

export interface SwarmPlanOptions {
  /** Services named on the command line. Empty = all. */
  readonly services?: readonly string[];
  /** Remove services of the stack that are no longer in the file. */
  readonly removeOrphans?: boolean;
  /** `--force-recreate`: roll every service's tasks although nothing changed (ForceUpdate). */
  readonly forceUpdate?: boolean;
  /** Version string written into labels. */
  readonly stackVersion?: string;
}
