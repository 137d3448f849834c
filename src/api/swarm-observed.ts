// What the Swarm target's observe returns and its planner reads: one snapshot of a stack on a
// swarm manager. A leaf beside observed.ts, so the swarm planner and the engine share it.

import type { ObservedNetwork } from './engine-types.js';
import type { ObservedService, ObservedSwarmFile } from './swarm-types.js';

export interface SwarmObservedState {
  readonly projectName: string;
  /**
   * Services carrying the stack's namespace label (ours, and `docker stack deploy`'s), plus
   * any service whose name the model would use (a foreign one is reported, never adopted).
   */
  readonly services: readonly ObservedService[];
  /** Networks carrying the namespace label, plus those whose names the model uses (external ones). */
  readonly networks: readonly ObservedNetwork[];
  /** Configs and secrets carrying the namespace label, plus the external ones the model names. */
  readonly configs: readonly ObservedSwarmFile[];
  readonly secrets: readonly ObservedSwarmFile[];
}
