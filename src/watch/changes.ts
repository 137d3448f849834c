// The glue between the watcher and the batcher: a file event, read through the compiled
// rules, becomes the change the batcher takes (its last state and every rule it matched).
import type { CompiledWatchRules } from './rules.js';
import type { FileChange, WatchRuleInput } from './types.js';
import type { FileEvent } from './watcher.js';

export function fileChangeOf<R extends WatchRuleInput>(rules: CompiledWatchRules<R>, event: FileEvent): FileChange<R> {
  const isDirectory = event.kind === 'addDir' || event.kind === 'unlinkDir';
  const exists = event.kind !== 'unlink' && event.kind !== 'unlinkDir';
  const stackFile = rules.isStackFile(event.path);
  return {
    hostPath: event.path,
    exists,
    isDirectory,
    matches: rules.matchesFor(event.path, isDirectory),
    ...(stackFile ? { stackFile } : {}),
  };
}
