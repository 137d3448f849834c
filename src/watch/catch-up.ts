// Catch-up, the host side: what a container lacks compared with what its service's sync rules
// would send, decided from a walk of the host (a stat per path, listSyncManifest) and the
// container's synced manifest (synced-manifest.ts). No peer does this: Compose only copies on
// events, so a change made while watch was off, or before a container was recreated, never
// arrives.
//
// Per path:
//   - not in the manifest, or of another type              → write;
//   - a file or link whose size and mtime match             → nothing (the common case: a stat);
//   - a file whose size matches and mtime does not          → hash it: same content → only the
//     manifest's mtime is refreshed (a `touch`, a checkout of the same content), else write;
//   - in the manifest, under a rule's target, gone from the host → delete in the container;
//   - in the manifest, on the host but no longer synced (a rule's ignore changed) → forgotten:
//     the manifest drops it, the container keeps it (we never delete what the user still has);
//   - in the manifest but under no current rule target     → left alone.
import { readFile, lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { listSyncManifest, type ManifestEntry } from './manifest.js';
import { relativeTo } from './paths.js';
import type { CompiledRule } from './rules.js';
import type { SyncedEntries } from './synced-manifest.js';
import { sha256, type SyncedRecord, type TarSource } from './sync-tar.js';
import type { WatchRuleInput } from './types.js';

/** A sync rule as catch-up needs it: where it reads and where it writes. */
export interface CatchUpRule {
  /** The rule's path (resolved), and what a walk below it may skip. */
  readonly compiled: Pick<CompiledRule<WatchRuleInput>, 'root' | 'ignored'>;
  /** Absolute container path the rule's path maps to. */
  readonly target: string;
}

/** One host path a rule syncs, with where it goes. */
export interface LocalEntry extends ManifestEntry {
  readonly hostPath: string;
  readonly containerPath: string;
}

/** Everything the service's sync rules would send now: container path → entry (a later rule wins, as its copy lands last). */
export type LocalTree = Map<string, LocalEntry>;

export interface CatchUpPlan {
  /** To send, sorted by container path (parents first). */
  readonly writes: readonly TarSource[];
  /** To delete in the container, sorted; a directory stands for what is below it. */
  readonly deletions: readonly string[];
  /** Same content, new mtime: the manifest is refreshed, nothing is sent. */
  readonly refreshed: readonly SyncedRecord[];
  /** No longer synced (ignored now), still on the host: dropped from the manifest only. */
  readonly forgotten: readonly string[];
  /** Paths already up to date. */
  readonly unchanged: number;
}

export async function walkSyncRules(rules: readonly CatchUpRule[]): Promise<LocalTree> {
  const tree: LocalTree = new Map();
  for (const rule of rules) {
    for (const entry of await listSyncManifest(rule.compiled.root, rule.compiled.ignored)) {
      const containerPath = entry.relPath === '' ? posix.resolve('/', rule.target) : posix.resolve('/', rule.target, entry.relPath);
      const hostPath = entry.relPath === '' ? rule.compiled.root : join(rule.compiled.root, entry.relPath);
      tree.delete(containerPath);
      tree.set(containerPath, { ...entry, hostPath, containerPath });
    }
  }
  return tree;
}

export async function planCatchUp(rules: readonly CatchUpRule[], local: LocalTree, manifest: SyncedEntries): Promise<CatchUpPlan> {
  const writes: TarSource[] = [];
  const refreshed: SyncedRecord[] = [];
  let unchanged = 0;
  for (const entry of local.values()) {
    const sent = manifest.get(entry.containerPath);
    const verdict = await compare(entry, sent);
    if (verdict === 'same') unchanged++;
    else if (verdict === 'write') writes.push({ hostPath: entry.hostPath, containerPath: entry.containerPath });
    else refreshed.push(verdict);
  }
  const deletions: string[] = [];
  const forgotten: string[] = [];
  for (const containerPath of manifest.keys()) {
    if (local.has(containerPath)) continue;
    const hostPath = hostPathOf(rules, containerPath);
    if (hostPath === undefined) continue;
    if (await exists(hostPath)) forgotten.push(containerPath);
    else deletions.push(containerPath);
  }
  writes.sort((a, b) => compareText(a.containerPath, b.containerPath));
  return { writes, deletions: foldDeletions(deletions), refreshed, forgotten, unchanged };
}

async function compare(entry: LocalEntry, sent: SyncedRecord | undefined): Promise<'same' | 'write' | SyncedRecord> {
  if (!sent || sent.type !== entry.type) return 'write';
  if (entry.type === 'directory') return 'same';
  if (sent.size !== entry.size) return 'write';
  if (sent.mtimeMs === entry.mtimeMs) return 'same';
  if (entry.type !== 'file') return 'write';
  const content = await readFile(entry.hostPath).catch(() => undefined);
  if (content === undefined || sha256(content) !== sent.hash) return 'write';
  return { ...sent, mtimeMs: entry.mtimeMs };
}

/** The host path a container path came from, through the first rule whose target holds it. */
function hostPathOf(rules: readonly CatchUpRule[], containerPath: string): string | undefined {
  for (const rule of rules) {
    const rel = relativeTo(posix.resolve('/', rule.target), containerPath);
    if (rel !== undefined) return rel === '' ? rule.compiled.root : join(rule.compiled.root, rel);
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

/** Sorted, without paths below another one in the list. */
export function foldDeletions(paths: readonly string[]): string[] {
  const all = new Set(paths);
  return [...all].sort(compareText).filter((p) => !hasAncestorIn(p, all));
}

function hasAncestorIn(path: string, set: ReadonlySet<string>): boolean {
  for (let parent = posix.dirname(path); parent !== path && parent !== '/'; path = parent, parent = posix.dirname(parent)) {
    if (set.has(parent)) return true;
  }
  return false;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
