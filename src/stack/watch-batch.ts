// Applying one batch (watch/types.ts WatchBatch): the stack files first (reload, then `up`),
// then every service's part in parallel, each in its order — rebuild; or deletions, writes,
// restart, exec steps. A part that fails is reported with its files and the others go on;
// nothing is retried in a loop: a later change, start or recreate brings the container up to
// date through catch-up.

import type { WatchRuleSpec } from '../model/types.js';
import type { CatchUpRule } from '../watch/catch-up.js';
import { foldDeletions } from '../watch/catch-up.js';
import type { ServiceFailure } from '../watch/batcher.js';
import type { ServiceBatch, WatchBatch } from '../watch/types.js';
import { posix } from 'node:path';
import type { StackEvent } from './events.js';
import type { Redact } from './redaction.js';
import { execInContainers, rebuildService, recreateService, restartContainers, type ActionContext } from './watch-actions.js';
import { isRunning, type ServiceContainer } from './watch-containers.js';
import type { WatchEvent } from './watch-events.js';
import { syncIntoContainers, type SyncContext } from './watch-sync.js';

export interface BatchContext {
  readonly sync: SyncContext;
  readonly actions: ActionContext;
  readonly syncRulesOf: (service: string) => CatchUpRule[];
  /** Load the stack file again and apply it (throws when it is invalid: nothing changed). */
  readonly reload: () => Promise<void>;
  /** Ask for a catch-up of every container of a service once this batch is done. */
  readonly requestCatchUp: (service: string, reason: string) => void;
  readonly emit: (event: WatchEvent | StackEvent) => void;
  readonly redact: () => Redact;
  /** The project's service containers by service (kept between batches, see ContainerDirectory). */
  readonly containers: () => Promise<Map<string, ServiceContainer[]>>;
}

export async function executeBatch(ctx: BatchContext, batch: WatchBatch<WatchRuleSpec>): Promise<ServiceFailure[]> {
  const failures: ServiceFailure[] = [];
  if (batch.stackFiles.length > 0) {
    try {
      await ctx.reload();
    } catch (error) {
      failures.push({ error });
    }
  }
  if (batch.services.length === 0) return failures;
  const containers = await ctx.containers();
  await Promise.all(
    batch.services.map(async (part) => {
      try {
        await applyPart(ctx, part, containers.get(part.service) ?? []);
      } catch (error) {
        failures.push({ service: part.service, error });
      }
    }),
  );
  return failures;
}

async function applyPart(ctx: BatchContext, part: ServiceBatch<WatchRuleSpec>, containers: readonly ServiceContainer[]): Promise<void> {
  if (part.rebuild) {
    await rebuildService(ctx.actions, part.service);
    // The new containers hold the image's files: send them what the syncs (also those this
    // rebuild superseded) put there.
    ctx.requestCatchUp(part.service, 'rebuilt');
    return;
  }
  if (part.sync.length > 0) {
    const recreated = await syncPart(ctx, part, containers);
    // A recreated container runs fresh: restarting it or running the exec steps on it adds nothing.
    if (recreated) return;
  }
  if (part.restart) await restartContainers(ctx.actions, containers);
  for (const step of part.exec) {
    if (step.rule.exec) await execInContainers(ctx.actions, step.rule.exec, containers);
  }
}

/** Deletions and writes of a part into every container; true when the service had to be recreated to delete. */
async function syncPart(ctx: BatchContext, part: ServiceBatch<WatchRuleSpec>, containers: readonly ServiceContainer[]): Promise<boolean> {
  const deletions = foldDeletions(part.sync.filter((f) => !f.exists).map((f) => posix.resolve('/', f.containerPath)));
  const writes = part.sync.filter((f) => f.exists).map((f) => ({ hostPath: f.hostPath, containerPath: posix.resolve('/', f.containerPath) }));
  const outcomes = await syncIntoContainers(ctx.sync, containers, { deletions, writes });
  const needing = outcomes.filter((o) => o.recreate !== undefined);
  if (needing.length === 0) return false;
  const why = needing.some((o) => o.recreate === 'no-rm') ? 'its image has no rm' : 'it is not running';
  ctx.emit({
    type: 'watch-notice',
    at: Date.now(),
    service: part.service,
    message: `${needing.map((o) => o.container.name).join(', ')}: deleting files needs a recreate (${why}); recreating and syncing again`,
  });
  // Started again when one ran: the deletions tried in each container say so (an `rm` ran, or
  // found no `rm` to run), fresher than the listed states.
  await recreateService(ctx.actions, part.service, outcomes.some((o) => !o.gone && o.recreate !== 'not-running'));
  ctx.requestCatchUp(part.service, 'recreated to delete files');
  return true;
}
