// reconcile(model, observed, options) → Plan. Pure: no I/O, no clock, no engine.
//
// Compose's rules, which users rely on: create what is missing; recreate a container when
// its canonical spec (hash) differs, its image reference now resolves to another id, or an
// expected network/volume is not attached; start what is stopped; scale up and down (lower
// numbers kept); orphans warned, removed only with --remove-orphans; a changed network is
// recreated with its containers; a changed volume is refused without -y; external objects
// must exist and are never touched; objects without our ownership label are never adopted (a
// project Docker Compose brought up is refused whole); a volume of fixed name another project
// holds is shared; containers brought up from another folder are never recreated or removed
// without --take-over (phases/project-directory.ts).
//
// Crash safety by construction. Every composite change is ordered so that a run killed
// after ANY operation leaves a state the next reconcile finishes:
//   recreate = [create probe → remove probe] → stop old → remove old (volumes kept) →
//              create new → connect → start.
//   - the probe is the new body created under `<name>-probe`, never started, so that a create
//     the engine refuses fails the run while the old container still runs (see emitProbe in
//     phases/containers.ts). Killed after its create: the probe is labelled as one, is
//     neither a replica nor an orphan, and the next run removes it; the old container is
//     untouched either way;
//   - killed after stop: the old container is stopped with the old hash → recreated again;
//   - after remove: nothing has the name → created (anonymous volumes have deterministic
//     names, so the new container still gets the old data);
//   - after create/connect: the new container exists with the new hash, stopped → started
//     (a missing extra network shows as "not attached" → recreated, harmless);
//   the probe's is the only temporary name, and it never becomes a replica: two containers
//   can never hold one replica number for long (duplicates are removed).

import type { StackModel } from '../model/types.js';
import type { ObservedState } from '../api/observed.js';
import { refuseComposeProject } from './phases/compose-project.js';
import { checkDeliveries, emitContainerOperations, emitRemovals } from './phases/containers.js';
import { dedupeWarnings, problemError, reconcileContext } from './phases/context.js';
import { ImagePhase } from './phases/images.js';
import { destructiveStepsOn, fromOtherFolders, otherFolderRefusal, otherFolderWarning } from './phases/project-directory.js';
import { planReadiness } from './phases/readiness.js';
import { decideResources, emitResourceOperations, orderResourceRemovals } from './phases/resources.js';
import { partitionObserved, resolveScope } from './phases/scope.js';
import { decideSlots, type SlotTable } from './phases/slots.js';
import type { ReconcileContext } from './phases/context.js';
import { checkUnsupported } from './phases/unsupported.js';
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
  // 0. Whose project it is: Compose's is refused outright; one from another folder is warned about.
  refuseComposeProject(ctx);
  // 1. Scope and the observed partition.
  const scope = resolveScope(ctx);
  checkUnsupported(ctx, scope.services);
  const partition = partitionObserved(ctx);
  const otherFolders = fromOtherFolders(partition.managed, model.projectDirectory);
  if (otherFolders.size > 0 && !options.takeOver) ctx.warnings.push({ message: otherFolderWarning(model.projectName, model.projectDirectory, otherFolders) });
  // 2. Networks and volumes: decisions (a recreated one pulls its users into scope).
  const resources = decideResources(ctx, scope, partition);
  // 3. Images: how each service's image is had (operations planned when a container needs one).
  const images = new ImagePhase(ctx);
  // 4. Container slots and the recreate rules.
  const table = decideSlots(ctx, scope, partition, resources, images);
  planImages(ctx, table, images);
  checkDeliveries(ctx, table.order);
  if (ctx.problems.length > 0) throw problemError(ctx.problems);

  // The operations, in the same order of phases.
  const resourceOps = emitResourceOperations(ctx, resources);
  const removals = emitRemovals(ctx, table, partition, resources);
  emitContainerOperations(ctx, { table, resources, resourceOps, images, removals });
  orderResourceRemovals(ctx, resources, partition.managed, removals);
  // 5. Readiness: dependency waits, depends_on.restart restarts, --wait.
  planReadiness(ctx, table, partition);

  const operations = ctx.builder.build();
  // Last, before anything reaches the engine: no destructive step on another folder's containers unless taken over.
  const refused = options.takeOver ? [] : destructiveStepsOn(operations, otherFolders);
  if (refused.length > 0) throw otherFolderRefusal(model.projectName, model.projectDirectory, otherFolders, refused, 'up');
  return { projectName: model.projectName, operations, warnings: dedupeWarnings(ctx.warnings), sensitive: new SensitiveValues(model.sensitiveValues, planSecrets(model, options)) };
}

/**
 * The images the plan's containers need (services with replicas; `run` gets its one-off's image
 * itself): their pulls and builds are planned now, before any problem stops the plan. A missing
 * image that cannot be had is a problem only for a service a container is created for.
 */
function planImages(ctx: ReconcileContext, table: SlotTable, images: ImagePhase): void {
  const { model } = ctx;
  const needing = table.order.filter((name) => (table.slotsByService.get(name) ?? []).length > 0);
  const creating = new Set(needing.filter((name) => table.slotsByService.get(name)!.some((slot) => slot.fate !== 'keep')));
  images.plan(needing.map((name) => model.services[name]!), creating);
}

/**
 * The values scrubbed out of every text of the plan, names included: the model's secrets, and
 * the values the command line added to builds (`--build-arg`: never printed, as `docker build`
 * users expect of a token passed that way).
 */
function planSecrets(model: StackModel, options: ReconcileOptions): string[] {
  const fromCommandLine = Object.values(options.images?.buildArgs ?? {});
  return fromCommandLine.length > 0 ? [...model.secretValues, ...fromCommandLine] : [...model.secretValues];
}
