// The values that flow through watch: a rule as the watch core needs it, what a changed path
// matched, and the batch handed to the executor. Engine-independent; the caller turns a batch
// into syncs, restarts, execs and rebuilds.

export type WatchAction = 'sync' | 'rebuild' | 'sync+restart' | 'restart' | 'sync+exec';

/**
 * The part of a `develop.watch` rule (the model's WatchRuleSpec) that the watch core reads.
 * The model's rule type is assignable to it; the compiled rules hand the caller's own rule
 * value back in every match, so an executor reads `exec` (user, environment...) from it.
 */
export interface WatchRuleInput {
  readonly action: WatchAction;
  /** Absolute host path: a directory or a single file. */
  readonly path: string;
  /** Container path the rule's `path` maps to (sync actions). */
  readonly target?: string;
  /** `.dockerignore`-syntax patterns relative to `path`. */
  readonly ignore: readonly string[];
  /** `.dockerignore`-syntax patterns relative to `path`; when non-empty only matching paths count. */
  readonly include: readonly string[];
  readonly initialSync: boolean;
}

/** What a changed host path means for one rule of one service. */
export interface WatchMatch<R extends WatchRuleInput = WatchRuleInput> {
  readonly service: string;
  /** The caller's rule value, exactly as given to the compiler. */
  readonly rule: R;
  /** Position of the rule in the service's `develop.watch` list. */
  readonly ruleIndex: number;
  readonly action: WatchAction;
  /** Where the path goes in the container; only for the sync actions. */
  readonly containerPath?: string;
}

/** The last known state of a host path. */
export interface FileState {
  readonly hostPath: string;
  /** False: the path was deleted (the last event about it was an unlink). */
  readonly exists: boolean;
  readonly isDirectory: boolean;
}

/** One changed path as the batcher receives it: its state and every rule it matched. */
export interface FileChange<R extends WatchRuleInput = WatchRuleInput> extends FileState {
  readonly matches: readonly WatchMatch<R>[];
  /** A stack file (or an env, config, secret or included file): the model must be reloaded. */
  readonly stackFile?: boolean;
}

/** A file to copy into (exists) or delete from (not exists) a service's containers. */
export interface SyncFile<R extends WatchRuleInput = WatchRuleInput> extends FileState {
  readonly containerPath: string;
  readonly rule: R;
  readonly ruleIndex: number;
}

/** A changed path and the rule that made it count, for reports ("3 files → sync+restart web"). */
export interface MatchedFile<R extends WatchRuleInput = WatchRuleInput> extends FileState {
  readonly rule: R;
  readonly ruleIndex: number;
  readonly action: WatchAction;
}

/** The rule of a `sync+exec` match, to run once per batch after the files are synced. */
export interface ExecStep<R extends WatchRuleInput = WatchRuleInput> {
  readonly rule: R;
  readonly ruleIndex: number;
}

/** The steps of a service batch, as a label for reports; the booleans and lists are the data. */
export type ServiceActionLabel = 'rebuild' | 'sync' | 'restart' | 'sync+restart' | 'sync+exec' | 'sync+restart+exec';

/**
 * What one service must do for a batch. Either a rebuild (build the image, recreate the
 * service), or in this order: sync the files, restart, run the exec steps.
 */
export interface ServiceBatch<R extends WatchRuleInput = WatchRuleInput> {
  readonly service: string;
  readonly action: ServiceActionLabel;
  readonly rebuild: boolean;
  /**
   * Files to write or delete, sorted by container path. A deleted directory stands for every
   * deleted path below it for the same rule (those are folded into it). Apply the deletions
   * before the writes: a directory deleted and re-created in one batch lists both. Empty for
   * a rebuild.
   */
  readonly sync: readonly SyncFile<R>[];
  readonly restart: boolean;
  /** One step per `sync+exec` rule that matched, in rule order. Empty for a rebuild. */
  readonly exec: readonly ExecStep<R>[];
  /**
   * Sync files that a pending rebuild superseded. Not lost: the recreated container must get
   * them again through catch-up (its image may not hold them).
   */
  readonly superseded: readonly SyncFile<R>[];
  /** Every changed path that counted for this service, with its rule, sorted by host path. */
  readonly files: readonly MatchedFile<R>[];
}

/** The value handed to the executor: everything that changed since the last batch went out. */
export interface WatchBatch<R extends WatchRuleInput = WatchRuleInput> {
  /** 1, 2, 3... in dispatch order. */
  readonly seq: number;
  /** Clock time of the first event in this batch (for "ms from first event to done"). */
  readonly firstEventAt: number;
  readonly lastEventAt: number;
  readonly dispatchedAt: number;
  /** Raw events coalesced into this batch (a path changed twice counts twice). */
  readonly eventCount: number;
  /** Changed stack/env/config files: reload the model and apply the plan before anything else. */
  readonly stackFiles: readonly FileState[];
  /** Sorted by service name. */
  readonly services: readonly ServiceBatch<R>[];
}
