// Turns the coalesced changes of one batch into the value handed to the executor: per service,
// a rebuild or the sync → restart → exec steps. Pure: the batcher owns time and state.
//
// Policies decided here, once:
// - every rule a path matched counts (as in Compose: two sync rules with two targets copy the
//   file twice; a file under a sync rule and a restart rule is synced, then the service restarts);
// - per service, a rebuild supersedes the syncs, restarts and execs of that batch; the
//   superseded syncs are listed (not dropped) so the caller can catch up the new container;
// - a deleted directory stands for the deleted paths below it for the same rule.
import type {
  ExecStep,
  FileChange,
  FileState,
  MatchedFile,
  ServiceActionLabel,
  ServiceBatch,
  SyncFile,
  WatchBatch,
  WatchRuleInput,
} from './types.js';

export interface BatchTiming {
  readonly seq: number;
  readonly firstEventAt: number;
  readonly lastEventAt: number;
  readonly dispatchedAt: number;
  readonly eventCount: number;
}

interface ServiceAccumulator<R extends WatchRuleInput> {
  rebuild: boolean;
  restart: boolean;
  sync: SyncFile<R>[];
  exec: Map<number, ExecStep<R>>;
  files: MatchedFile<R>[];
}

/** Build the batch value from the last state of each changed path (in any order). */
export function buildBatch<R extends WatchRuleInput>(changes: Iterable<FileChange<R>>, timing: BatchTiming): WatchBatch<R> {
  const stackFiles: FileState[] = [];
  const byService = new Map<string, ServiceAccumulator<R>>();
  for (const change of changes) {
    const state: FileState = { hostPath: change.hostPath, exists: change.exists, isDirectory: change.isDirectory };
    if (change.stackFile) stackFiles.push(state);
    for (const match of change.matches) {
      let acc = byService.get(match.service);
      if (!acc) {
        acc = { rebuild: false, restart: false, sync: [], exec: new Map(), files: [] };
        byService.set(match.service, acc);
      }
      acc.files.push({ ...state, rule: match.rule, ruleIndex: match.ruleIndex, action: match.action });
      if (match.action === 'rebuild') acc.rebuild = true;
      if (match.action === 'restart' || match.action === 'sync+restart') acc.restart = true;
      if (match.action === 'sync+exec') acc.exec.set(match.ruleIndex, { rule: match.rule, ruleIndex: match.ruleIndex });
      if (match.containerPath !== undefined && match.action !== 'rebuild' && match.action !== 'restart') {
        acc.sync.push({ ...state, containerPath: match.containerPath, rule: match.rule, ruleIndex: match.ruleIndex });
      }
    }
  }
  const services = [...byService.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([service, acc]) => serviceBatch(service, acc));
  stackFiles.sort((a, b) => compareText(a.hostPath, b.hostPath));
  return { ...timing, stackFiles, services };
}

function serviceBatch<R extends WatchRuleInput>(service: string, acc: ServiceAccumulator<R>): ServiceBatch<R> {
  const sync = foldDeletedDirectories(acc.sync);
  const files = acc.files.sort((a, b) => compareText(a.hostPath, b.hostPath) || a.ruleIndex - b.ruleIndex);
  if (acc.rebuild) {
    return { service, action: 'rebuild', rebuild: true, sync: [], restart: false, exec: [], superseded: sync, files };
  }
  const exec = [...acc.exec.values()].sort((a, b) => a.ruleIndex - b.ruleIndex);
  return {
    service,
    action: actionLabel(sync.length > 0, acc.restart, exec.length > 0),
    rebuild: false,
    sync,
    restart: acc.restart,
    exec,
    superseded: [],
    files,
  };
}

function actionLabel(sync: boolean, restart: boolean, exec: boolean): ServiceActionLabel {
  if (sync && restart && exec) return 'sync+restart+exec';
  if (sync && exec) return 'sync+exec';
  if (sync && restart) return 'sync+restart';
  if (sync) return 'sync';
  // A sync+exec match always brings a file to sync, so exec without sync cannot happen.
  return 'restart';
}

/**
 * Sorted by container path; a deleted path below a deleted directory of the same rule is
 * dropped because removing the directory removes it (chokidar reports every tracked child of a
 * removed directory, so `rm -rf` of 1,000 files becomes one deletion here).
 */
function foldDeletedDirectories<R extends WatchRuleInput>(files: SyncFile<R>[]): SyncFile<R>[] {
  const sorted = [...files].sort((a, b) => compareText(a.containerPath, b.containerPath) || a.ruleIndex - b.ruleIndex);
  const deletedDirs = new Set<string>();
  for (const f of sorted) if (!f.exists && f.isDirectory) deletedDirs.add(`${f.ruleIndex}\0${f.containerPath}`);
  if (deletedDirs.size === 0) return sorted;
  return sorted.filter((f) => f.exists || !hasDeletedAncestor(f, deletedDirs));
}

function hasDeletedAncestor(file: SyncFile<WatchRuleInput>, deletedDirs: ReadonlySet<string>): boolean {
  let path = file.containerPath;
  for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/')) {
    path = path.slice(0, slash);
    if (deletedDirs.has(`${file.ruleIndex}\0${path}`)) return true;
  }
  return false;
}

/** Code-unit order: stable across locales, the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
