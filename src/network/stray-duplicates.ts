// Networks that arrived after this run looked.
//
// A run killed while a network create was in flight leaves the engine to finish that create
// on its own. When the next run lists networks before it lands, the next run creates the
// network too, and the project ends with two networks of one name (the engine does not stop
// it: TRAPS). The run's containers are on its own network, joined by id, so the other one is
// empty: a stray. Found after the apply, it is removed then, instead of being left for the
// next run's plan to find, where it would show as a change nobody made.

import type { ObservedNetwork } from '../api/engine-types.js';
import { isManagedBy } from '../api/labels.js';

/**
 * The networks of `projectName` that share a name with one this run created, other than the
 * one it created. `created` is name → id, as the executor reports it.
 */
export function strayDuplicates(listed: readonly ObservedNetwork[], projectName: string, created: ReadonlyMap<string, string>): ObservedNetwork[] {
  return listed.filter((n) => {
    const ours = created.get(n.name);
    return ours !== undefined && n.id !== ours && isManagedBy(n.labels, projectName);
  });
}
