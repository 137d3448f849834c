// Catch-up, the container side: bring each container of a service to what its sync rules would
// send now, from the host walk and the container's synced manifest (watch/catch-up.ts decides
// what differs). Run when watch starts, whenever a watched service's container is created or
// started (a restart, a recreate behind our back, a rebuild), and when the rules change.
//
// A container that is not running keeps its pending deletions in its manifest (they are made at
// its next start, when `rm` can run); its writes go in at once, since the archive API writes
// into a stopped container too.

import { planCatchUp, walkSyncRules, type CatchUpRule } from '../watch/catch-up.js';
import { recreateService } from './watch-actions.js';
import type { BatchContext } from './watch-batch.js';
import type { CatchUpRequest } from './watch-catch-up-requests.js';
import { isRunning, type ServiceContainer } from './watch-containers.js';
import { errorSummary } from './watch-events.js';
import { syncIntoContainers, type RecreateReason, type SyncContext } from './watch-sync.js';

export interface ContainerCatchUp {
  readonly container: ServiceContainer;
  readonly written: number;
  readonly deleted: number;
  /** Deletions need a recreate (the image has no `rm`). */
  readonly recreate?: RecreateReason;
  readonly elapsedMs: number;
}

/** Catches up the given containers of one service (one host walk for all of them). */
export async function catchUpContainers(ctx: SyncContext, rules: readonly CatchUpRule[], containers: readonly ServiceContainer[]): Promise<ContainerCatchUp[]> {
  if (rules.length === 0 || containers.length === 0) return [];
  const started = performance.now();
  const local = await walkSyncRules(rules);
  return Promise.all(
    containers.map(async (container) => {
      const manifest = await ctx.manifests.get(container.id);
      const plan = await planCatchUp(rules, local, manifest);
      if (plan.refreshed.length > 0 || plan.forgotten.length > 0) await ctx.manifests.update(container.id, plan.refreshed, plan.forgotten);
      const deletions = isRunning(container) ? plan.deletions : [];
      const [outcome] = await syncIntoContainers(ctx, [container], { deletions, writes: plan.writes });
      return {
        container,
        written: outcome?.written ?? 0,
        deleted: outcome?.deleted ?? 0,
        ...(outcome?.recreate ? { recreate: outcome.recreate } : {}),
        elapsedMs: performance.now() - started,
      };
    }),
  );
}

/**
 * Runs the pending catch-ups, services in parallel: reports what was sent or deleted, and
 * recreates a service whose image cannot delete (a catch-up of the new container follows).
 */
export async function runCatchUps(ctx: BatchContext, requests: readonly CatchUpRequest[]): Promise<void> {
  const byService = await ctx.containers();
  await Promise.all(
    requests.map(async (request) => {
      const rules = ctx.syncRulesOf(request.service);
      const all = byService.get(request.service) ?? [];
      const containers = request.containers === 'all' ? all : all.filter((c) => request.containers.includes(c.id));
      try {
        const results = await catchUpContainers(ctx.sync, rules, containers);
        for (const r of results) {
          if (r.written === 0 && r.deleted === 0) continue;
          ctx.emit({
            type: 'watch-catch-up',
            at: Date.now(),
            service: request.service,
            containerName: r.container.name,
            reason: request.reason,
            written: r.written,
            deleted: r.deleted,
            elapsedMs: Math.round(r.elapsedMs),
          });
        }
        const needing = results.filter((r) => r.recreate !== undefined);
        if (needing.length === 0) return;
        ctx.emit({
          type: 'watch-notice',
          at: Date.now(),
          service: request.service,
          message: `${needing.map((r) => r.container.name).join(', ')}: deleting files needs a recreate (its image has no rm); recreating and syncing again`,
        });
        await recreateService(ctx.actions, request.service, needing.some((r) => isRunning(r.container)));
        ctx.requestCatchUp(request.service, 'recreated to delete files');
      } catch (error) {
        ctx.emit({ type: 'watch-error', at: Date.now(), service: request.service, error: errorSummary(error, ctx.redact()) });
      }
    }),
  );
}
