// reconcile(model, observed, options) → Plan. Pure: no I/O, no clock, no engine.
//
// Compose's rules, which users rely on: create what is missing; recreate a container when
// its canonical spec (hash) differs, its image reference now resolves to another id, or an
// expected network/volume is not attached; start what is stopped; scale up and down (lower
// numbers kept); orphans warned, removed only with --remove-orphans; a changed network is
// recreated with its containers; a changed volume is refused without -y; external objects
// must exist and are never touched; objects without our ownership label are never adopted.
//
// Crash safety by construction. Every composite change is ordered so that a run killed
// after ANY operation leaves a state the next reconcile finishes:
//   recreate = stop old → remove old (volumes kept) → create new → connect → start.
//   - killed after stop: the old container is stopped with the old hash → recreated again;
//   - after remove: nothing has the name → created (anonymous volumes have deterministic
//     names, so the new container still gets the old data);
//   - after create/connect: the new container exists with the new hash, stopped → started
//     (a missing extra network shows as "not attached" → recreated, harmless);
//   no temporary names are ever used, so nothing can be left behind under another name, and
//   two containers can never hold one replica number for long: duplicates are removed.

import type { StackModel } from '../model/types.js';
import type { ObservedState } from '../api/observed.js';
import { checkDeliveries, emitContainerOperations, emitRemovals } from './phases/containers.js';
import { dedupeWarnings, problemError, reconcileContext } from './phases/context.js';
import { ImagePhase } from './phases/images.js';
import { planReadiness } from './phases/readiness.js';
import { decideResources, emitResourceOperations, orderResourceRemovals } from './phases/resources.js';
import { partitionObserved, resolveScope } from './phases/scope.js';
import { decideSlots } from './phases/slots.js';
import { SensitiveValues } from './redact.js';
import type { Plan, ReconcileOptions } from './types.js';

export { DEFAULT_WAIT_TIMEOUT_MS } from './phases/context.js';
export { observedImageId } from './phases/images.js';

/**
 * The phases, in the order the work happens (one file each under ./phases/): every decision
 * is made, and every problem found, before the first operation is planned.
 */
export function reconcile(model: StackModel, observed: ObservedState, options: ReconcileOptions = {}): Plan {
  const ctx = reconcileContext(model, observed, options);
  // 1. Scope and the observed partition.
  const scope = resolveScope(ctx);
  const partition = partitionObserved(ctx);
  // 2. Networks and volumes: decisions (a recreated one pulls its users into scope).
  const resources = decideResources(ctx, scope, partition);
  // 3. Images: how each service's image is had (operations planned when a container needs one).
  const images = new ImagePhase(ctx);
  // 4. Container slots and the recreate rules.
  const table = decideSlots(ctx, scope, partition, resources, images);
  checkDeliveries(ctx, table.order);
  if (ctx.problems.length > 0) throw problemError(ctx.problems);

  // The operations, in the same order of phases.
  const resourceOps = emitResourceOperations(ctx, resources);
  const removals = emitRemovals(ctx, table, partition, resources);
  emitContainerOperations(ctx, { table, resources, resourceOps, images, removals });
  orderResourceRemovals(ctx, resources, partition.managed, removals);
  // 5. Readiness: dependency waits, depends_on.restart restarts, --wait.
  planReadiness(ctx, table, partition);

  return { projectName: model.projectName, operations: ctx.builder.build(), warnings: dedupeWarnings(ctx.warnings), sensitive: new SensitiveValues(model.sensitiveValues, model.secretValues) };
}
