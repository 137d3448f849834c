// What `engine/observe` returns and the planner reads: one snapshot of a project's objects.
// A leaf beside the engine data shapes, so planner, network, volume and engine share it
// without importing each other.

import type { Labels, ObservedContainer, ObservedNetwork, ObservedVolume } from './engine-types.js';

/** An engine object holding a name the model would use: its labels say who made it (api/ownership.ts). */
export interface NameHolder {
  readonly name: string;
  readonly labels: Labels;
}

/** What `engine/observe` returns: one snapshot of the project's objects. */
export interface ObservedState {
  readonly projectName: string;
  /** Every container carrying the project label (ours and foreign ones; the planner tells them apart). */
  readonly containers: readonly ObservedContainer[];
  /** Networks carrying the project label, plus the external networks the model names. */
  readonly networks: readonly ObservedNetwork[];
  /** Volumes carrying the project label, plus the external volumes the model names. */
  readonly volumes: readonly ObservedVolume[];
  /** Image ids by reference for the images the model uses; missing = not present locally. */
  readonly images: Readonly<Record<string, string>>;
  /**
   * The build hash label (`dev.stack.build-hash`) of those images, by the same reference, for
   * the images that carry one (stack built them): the images phase compares it with the hash
   * of the build as it is now. Absent: no image carries one (or an older snapshot).
   */
  readonly imageBuildHashes?: Readonly<Record<string, string>>;
  /** Reference → the base images its build started from (label dev.stack.build-bases), for images that carry it. */
  readonly imageBuildBases?: Readonly<Record<string, string>>;
  /**
   * Objects whose *name* we would use but that stack did not create for this project (found
   * by name lookup, whoever made them: by hand, Compose, or stack for another project), so the
   * planner can name the owner and refuse, or share, instead of failing mid-run.
   */
  readonly foreignByName?: {
    readonly containers: readonly NameHolder[];
    readonly networks: readonly NameHolder[];
    readonly volumes: readonly NameHolder[];
  };
}
