// Copying files into a service's containers and deleting them there: one tar for the whole
// request, sent to every replica in parallel, deletions first (a directory deleted and made
// anew in one batch must end up holding the new files).
//
// Writes of a small batch go through the container's file receiver when it can run one
// (watch-receiver.ts: an exec kept open, ~10 ms a save where an archive-API copy costs a
// re-exec of dockerd, 120–160 ms on Docker 20.10); anything it does not confirm goes as a tar.
//
// Deletions: the archive API cannot delete, so `rm -rf -- <paths>` runs in the container as
// root (uid 0, which needs no /etc/passwd), whoever owns the files: the engine extracted them
// as root in the first place. When that cannot run (the container is not running, or its image
// has no `rm`: the engine answers exit 126/127), the container is reported as needing a
// recreate: a fresh container plus a catch-up holds exactly the host's files, so a deletion is
// never dropped. Files baked into the image stay, as they would with any copy-in tool.

import type { SyncedManifestStore } from '../watch/synced-manifest.js';
import { buildSyncTar, type PackedEntry, type SyncedRecord, type TarSource } from '../watch/sync-tar.js';
import type { EngineGateway } from '../engine/gateway.js';
import { ConflictError, NotFoundError, OperationError } from '../errors.js';
import { isRunning, putTar, runInContainer, type OwnerCache, type ServiceContainer } from './watch-containers.js';
import type { Owner } from '../watch/container-user.js';
import type { FileReceivers } from './watch-receiver.js';

export interface SyncContext {
  readonly gateway: EngineGateway;
  readonly owners: OwnerCache;
  readonly manifests: SyncedManifestStore;
  /** Something to tell the user (an owner that could not be resolved). */
  readonly notice: (message: string) => void;
  /** The containers' file receivers (absent: every write goes through the archive API). */
  readonly receivers?: FileReceivers;
}

export interface SyncRequest {
  /** Container paths to delete (a directory takes what is below it). */
  readonly deletions: readonly string[];
  /** Host files, directories and links to copy, parents before children. */
  readonly writes: readonly TarSource[];
}

export type RecreateReason = 'no-rm' | 'not-running';

export interface ContainerSyncOutcome {
  readonly container: ServiceContainer;
  readonly written: number;
  readonly deleted: number;
  /** Deletions could not be made in this container: recreate it and catch up. */
  readonly recreate?: RecreateReason;
  /** The container was removed meanwhile (its successor gets a catch-up). */
  readonly gone?: boolean;
}

/** Paths per `rm` command: far below the kernel's argument limits. */
const RM_BATCH = 200;
/** Exit codes of an exec whose command could not be found or run. */
const CANNOT_RUN = new Set([126, 127]);

export async function syncIntoContainers(ctx: SyncContext, containers: readonly ServiceContainer[], request: SyncRequest): Promise<ContainerSyncOutcome[]> {
  if (containers.length === 0 || (request.deletions.length === 0 && request.writes.length === 0)) return [];
  const groups = await groupByOwner(ctx, containers);
  const outcomes = await Promise.all(
    [...groups.values()].map(async ({ owner, members }) => {
      const tars = await buildTars(request.writes, owner);
      return Promise.all(members.map((c) => syncOne(ctx, c, request.deletions, tars, owner)));
    }),
  );
  return outcomes.flat();
}

interface Tars {
  readonly tars: readonly Buffer[];
  readonly records: readonly SyncedRecord[];
  /** What the tars hold, entry by entry (for a receiver). */
  readonly entries: readonly PackedEntry[];
}

async function buildTars(writes: readonly TarSource[], owner: Owner): Promise<Tars> {
  const tars: Buffer[] = [];
  const records: SyncedRecord[] = [];
  const entries: PackedEntry[] = [];
  let left = writes;
  while (left.length > 0) {
    const built = await buildSyncTar(left, owner);
    if (built.records.length > 0) tars.push(built.tar);
    records.push(...built.records);
    entries.push(...built.entries);
    left = built.remaining;
  }
  return { tars, records, entries };
}

async function groupByOwner(ctx: SyncContext, containers: readonly ServiceContainer[]): Promise<Map<string, { owner: Owner; members: ServiceContainer[] }>> {
  const groups = new Map<string, { owner: Owner; members: ServiceContainer[] }>();
  const resolved = await Promise.all(containers.map(async (c) => ({ c, found: await ctx.owners.ownerOf(c.id).catch(() => undefined) })));
  for (const { c, found } of resolved) {
    // A container we cannot inspect is being removed: its successor gets a catch-up.
    const owner = found?.owner ?? { uid: 0, gid: 0 };
    if (found?.warning) ctx.notice(`${c.name}: ${found.warning}`);
    const key = `${owner.uid}:${owner.gid}`;
    const group = groups.get(key) ?? { owner, members: [] };
    group.members.push(c);
    groups.set(key, group);
  }
  return groups;
}

async function syncOne(ctx: SyncContext, container: ServiceContainer, deletions: readonly string[], tars: Tars, owner: Owner): Promise<ContainerSyncOutcome> {
  try {
    const removable = deletions.filter((p) => p !== '/' && p !== '');
    if (removable.length > 0) {
      const reason = await deleteIn(ctx.gateway, container, removable);
      if (reason) return { container, written: 0, deleted: 0, recreate: reason };
    }
    const received = removable.length === 0 && tars.entries.length > 0 && (await ctx.receivers?.deliver(container.id, tars.entries, owner));
    if (!received) for (const tar of tars.tars) await putTar(ctx.gateway, container.id, tar);
    await ctx.manifests.update(container.id, tars.records, removable);
    return { container, written: tars.records.length, deleted: removable.length };
  } catch (e) {
    if (e instanceof NotFoundError) return { container, written: 0, deleted: 0, gone: true };
    throw e;
  }
}

/** Deletes the paths; says why it could not when it could not. */
async function deleteIn(gateway: EngineGateway, container: ServiceContainer, paths: readonly string[]): Promise<RecreateReason | undefined> {
  // The engine says whether it runs (an exec in a container that does not is a 409), not the
  // listed state: watch keeps its list between batches, and a list made before the first start
  // said `created` of a running container, which then was recreated and left stopped.
  for (let i = 0; i < paths.length; i += RM_BATCH) {
    let result;
    try {
      result = await runInContainer(gateway, container.id, { cmd: ['rm', '-rf', '--', ...paths.slice(i, i + RM_BATCH)], user: '0' });
    } catch (e) {
      // 409: it stopped (or was paused) since it was listed.
      if (e instanceof ConflictError) return 'not-running';
      throw e;
    }
    if (CANNOT_RUN.has(result.exitCode)) return 'no-rm';
    if (result.exitCode !== 0) {
      throw new OperationError(`deleting files in ${container.name} failed (rm exited with ${result.exitCode}): ${result.output.trim()}`, {
        hint: 'a read-only filesystem or a mount at that path refuses deletions; `stack up --force-recreate` resets the container',
      });
    }
  }
  return undefined;
}
