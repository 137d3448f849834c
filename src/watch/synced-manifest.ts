// What watch has put into each container: per container id, container path → (type, size,
// mtime, hash) of what was sent (sync-tar.ts). Catch-up compares the host with it, so that
// bringing a container up to date costs a walk and a stat per file, not a copy of everything.
//
// Kept in memory for the session and persisted in the cache directory
// (`<cache>/watch/<container id>.json`, cache-dir.cts; STACK_CACHE=0: memory only), so that a
// change made while watch was stopped is found by the next session without copying the rest.
// A container's writable layer survives restarts, so its id names its content well; a
// recreated container has a new id and starts with an empty manifest (everything is sent).
//
// Writes are atomic (temporary file, rename) with mode 0600 in a directory only we can write,
// and never on the path of a sync: a save is queued and coalesced per container, `flush()`
// waits for the queue. A manifest that cannot be read is an empty one (everything is sent
// again); one that cannot be written is only lost for the next session.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir } from '../cache-dir.cjs';
import type { SyncedRecord, SyncedType } from './sync-tar.js';

/** Container path → what was sent there. */
export type SyncedEntries = Map<string, SyncedRecord>;

export interface SyncedManifestStore {
  /** The manifest of a container (a fresh empty one when nothing is known). */
  get(containerId: string): Promise<SyncedEntries>;
  /** Record what a successful sync sent (and what it deleted). */
  update(containerId: string, sent: readonly SyncedRecord[], deleted: readonly string[]): Promise<void>;
  /** Forget a container (removed). */
  forget(containerId: string): Promise<void>;
  /** Wait until every queued save is on disk. */
  flush(): Promise<void>;
}

const FORMAT = 1;
/** Manifests of containers not seen for this long are removed when a store opens. */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;
const CONTAINER_ID = /^[0-9a-f]{12,64}$/;

/** A store persisted in `dir` (created private), or memory-only when `dir` is undefined or unusable. */
export function openSyncedManifestStore(dir: string | undefined): SyncedManifestStore {
  const usable = dir !== undefined && ensurePrivateDir(dir) ? dir : undefined;
  if (usable) void pruneOld(usable);
  return new ManifestStore(usable);
}

class ManifestStore implements SyncedManifestStore {
  private readonly loaded = new Map<string, Promise<SyncedEntries>>();
  private readonly saving = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();

  constructor(private readonly dir: string | undefined) {}

  get(containerId: string): Promise<SyncedEntries> {
    let entries = this.loaded.get(containerId);
    if (!entries) {
      entries = this.read(containerId);
      this.loaded.set(containerId, entries);
    }
    return entries;
  }

  async update(containerId: string, sent: readonly SyncedRecord[], deleted: readonly string[]): Promise<void> {
    const entries = await this.get(containerId);
    for (const path of deleted) {
      entries.delete(path);
      // A deleted directory takes everything below it.
      const prefix = path.endsWith('/') ? path : path + '/';
      for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key);
    }
    for (const record of sent) entries.set(record.containerPath, record);
    this.queueSave(containerId);
  }

  async forget(containerId: string): Promise<void> {
    this.loaded.delete(containerId);
    this.dirty.delete(containerId);
    await this.saving.get(containerId);
    if (this.dir && CONTAINER_ID.test(containerId)) await rm(this.fileOf(containerId), { force: true }).catch(() => undefined);
  }

  async flush(): Promise<void> {
    while (this.saving.size > 0) await Promise.all(this.saving.values());
  }

  private fileOf(containerId: string): string {
    return join(this.dir!, `${containerId}.json`);
  }

  private async read(containerId: string): Promise<SyncedEntries> {
    const entries: SyncedEntries = new Map();
    if (!this.dir || !CONTAINER_ID.test(containerId)) return entries;
    try {
      const doc = JSON.parse(await readFile(this.fileOf(containerId), 'utf8')) as { format?: unknown; containerId?: unknown; entries?: unknown };
      if (doc.format !== FORMAT || doc.containerId !== containerId || !Array.isArray(doc.entries)) return entries;
      for (const row of doc.entries) {
        const record = recordOf(row);
        if (record) entries.set(record.containerPath, record);
      }
    } catch {
      // No manifest, or one we cannot read: everything is sent again.
    }
    return entries;
  }

  /** One save in flight per container; changes made meanwhile are saved by the next one. */
  private queueSave(containerId: string): void {
    if (!this.dir || !CONTAINER_ID.test(containerId)) return;
    this.dirty.add(containerId);
    if (this.saving.has(containerId)) return;
    const run = (async () => {
      while (this.dirty.delete(containerId)) {
        const entries = this.loaded.get(containerId);
        if (!entries) break;
        await this.write(containerId, await entries).catch(() => undefined);
      }
    })().finally(() => this.saving.delete(containerId));
    this.saving.set(containerId, run);
  }

  private async write(containerId: string, entries: SyncedEntries): Promise<void> {
    const rows = [...entries.values()].map((r) => [r.containerPath, r.type, r.size, r.mtimeMs, r.hash]);
    const text = JSON.stringify({ format: FORMAT, containerId, entries: rows });
    const temp = join(this.dir!, `.${containerId}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temp, text, { mode: 0o600 });
      await rename(temp, this.fileOf(containerId));
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }
}

const TYPES: ReadonlySet<string> = new Set<SyncedType>(['file', 'directory', 'symlink']);

function recordOf(row: unknown): SyncedRecord | undefined {
  if (!Array.isArray(row) || row.length !== 5) return undefined;
  const [containerPath, type, size, mtimeMs, hash] = row as unknown[];
  if (typeof containerPath !== 'string' || typeof type !== 'string' || !TYPES.has(type)) return undefined;
  if (typeof size !== 'number' || typeof mtimeMs !== 'number' || typeof hash !== 'string') return undefined;
  return { containerPath, type: type as SyncedType, size, mtimeMs, hash };
}

async function pruneOld(dir: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = join(dir, name);
    const st = await stat(file).catch(() => undefined);
    if (st && now - st.mtimeMs > MAX_AGE_MS) await rm(file, { force: true }).catch(() => undefined);
  }
}
