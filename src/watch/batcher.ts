// The batcher: turns a stream of file changes into batches, one at a time, as an explicit
// state machine with an injected clock (tests drive time; nothing here sleeps).
//
//   idle ──change──▶ settling ──quiet window over (or max reached)──▶ running ──done──▶ idle
//                                                                      │  ▲
//                                                                change│  │done, with changes
//                                                                      ▼  │ (settle what is left)
//                                                                     queued
//   any ──stop──▶ stopped (the running batch finishes; what is pending is handed back)
//
// Rules (issue 11):
// - the first change goes out at once: a quiet window of SETTLE_MS, not Compose's 500 ms;
// - a burst is one batch: while many paths are pending the window widens to BURST_SETTLE_MS
//   (measured here: 1,000 files written by one process reached chokidar over 150–570 ms with
//   gaps up to 85 ms on this loaded 2-core machine), and whatever arrives while a batch runs is
//   coalesced into the next one;
// - a continuous stream cannot postpone a batch forever: MAX_SETTLE_MS after the first pending
//   event the batch goes out whatever keeps arriving — BURST_MAX_SETTLE_MS while a burst is
//   pending: a 1,000-file directory moved into a watched tree reached the batcher over more than
//   400 ms on this loaded machine (load average 13 on 2 cores: 721 files, then 280, in two
//   batches), and a burst is worth more as one tar than a few hundred ms sooner;
// - one path is one entry holding its last state (changed then deleted = deleted; deleted then
//   re-created = changed);
// - nothing is dropped: a batch that fails is reported with its files, and `stop()` hands back
//   what was never dispatched.
import { buildBatch } from './batch.js';
import type { Clock, TimerHandle } from './clock.js';
import type { FileChange, FileState, WatchBatch, WatchRuleInput } from './types.js';

/** Quiet time after the last change before a batch goes out. */
export const SETTLE_MS = 25;
/** Quiet time while a burst is pending (at least BURST_PATHS paths). */
export const BURST_SETTLE_MS = 100;
export const BURST_PATHS = 16;
/** Longest a pending change waits for quiet, counted from the first pending change. */
export const MAX_SETTLE_MS = 400;
/** The same bound while a burst (at least BURST_PATHS paths) is pending. */
export const BURST_MAX_SETTLE_MS = 2000;

export type BatcherState = 'idle' | 'settling' | 'running' | 'queued' | 'stopped';

/** A service whose part of a batch failed; `service` absent: the stack reload failed. */
export interface ServiceFailure {
  readonly service?: string;
  readonly error: unknown;
}

/** What the executor says about a batch: nothing (all done) or the parts that failed. */
export type BatchOutcome = void | readonly ServiceFailure[];

export interface BatchFailure extends ServiceFailure {
  /** The files of the failed part, so a report can name them. */
  readonly files: readonly FileState[];
}

export type BatcherReport<R extends WatchRuleInput = WatchRuleInput> =
  | { readonly kind: 'batch-started'; readonly batch: WatchBatch<R> }
  | {
      readonly kind: 'batch-finished';
      readonly batch: WatchBatch<R>;
      readonly finishedAt: number;
      /** From the batch's first event to the end of its execution. */
      readonly elapsedMs: number;
      readonly failures: readonly BatchFailure[];
    };

export interface BatcherOptions<R extends WatchRuleInput> {
  readonly clock: Clock;
  readonly execute: (batch: WatchBatch<R>) => Promise<BatchOutcome>;
  readonly report?: (report: BatcherReport<R>) => void;
  readonly settleMs?: number;
  readonly burstSettleMs?: number;
  readonly burstPaths?: number;
  readonly maxSettleMs?: number;
  readonly burstMaxSettleMs?: number;
}

type BatcherEvent = 'change' | 'timer' | 'finished' | 'stop';

export class WatchBatcher<R extends WatchRuleInput = WatchRuleInput> {
  private current: BatcherState = 'idle';
  private readonly pending = new Map<string, FileChange<R>>();
  private pendingEvents = 0;
  private firstPendingAt = 0;
  private lastPendingAt = 0;
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private seq = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly settleMs: number;
  private readonly burstSettleMs: number;
  private readonly burstPaths: number;
  private readonly maxSettleMs: number;
  private readonly burstMaxSettleMs: number;

  constructor(private readonly options: BatcherOptions<R>) {
    this.settleMs = options.settleMs ?? SETTLE_MS;
    this.burstSettleMs = options.burstSettleMs ?? BURST_SETTLE_MS;
    this.burstPaths = options.burstPaths ?? BURST_PATHS;
    this.maxSettleMs = options.maxSettleMs ?? MAX_SETTLE_MS;
    this.burstMaxSettleMs = options.burstMaxSettleMs ?? BURST_MAX_SETTLE_MS;
  }

  get state(): BatcherState {
    return this.current;
  }

  /** Number of distinct paths waiting for the next batch. */
  get pendingPaths(): number {
    return this.pending.size;
  }

  /** Take a change; one with no match and no stack file means nothing and is not kept. */
  add(change: FileChange<R>): void {
    if (change.matches.length === 0 && !change.stackFile) return;
    const now = this.options.clock.now();
    if (this.pending.size === 0) this.firstPendingAt = now;
    this.lastPendingAt = now;
    this.pendingEvents++;
    // Delete first so the map's order is the order of last changes.
    this.pending.delete(change.hostPath);
    this.pending.set(change.hostPath, change);
    this.on('change');
  }

  /** Resolves when nothing is pending or running (at once if so already). */
  whenIdle(): Promise<void> {
    if (this.current === 'idle' || (this.current === 'stopped' && !this.inFlight)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stop batching: no new batch starts; the running one finishes. Resolves with the changes
   * that were never dispatched, so the caller can report them rather than lose them.
   */
  async stop(): Promise<FileChange<R>[]> {
    this.on('stop');
    await this.inFlight;
    return [...this.pending.values()];
  }

  /** Every transition of the machine, in one place. */
  private on(event: BatcherEvent): void {
    switch (this.current) {
      case 'idle':
        if (event === 'change') this.settle();
        else if (event === 'stop') this.current = 'stopped';
        break;
      case 'settling':
        if (event === 'timer') this.settleOrDispatch();
        else if (event === 'stop') this.halt();
        // 'change': the armed timer re-reads the deadline when it fires.
        break;
      case 'running':
        if (event === 'change') this.current = 'queued';
        else if (event === 'finished') this.becomeIdle();
        else if (event === 'stop') this.current = 'stopped';
        break;
      case 'queued':
        if (event === 'finished') this.settleOrDispatch();
        else if (event === 'stop') this.current = 'stopped';
        break;
      case 'stopped':
        if (event === 'finished') this.wakeIdleWaiters();
        break;
    }
  }

  private settle(): void {
    this.current = 'settling';
    this.armTimer(this.deadline() - this.options.clock.now());
  }

  /** The time the pending changes go out, unless more keep arriving. */
  private deadline(): number {
    const burst = this.pending.size >= this.burstPaths;
    const quiet = burst ? this.burstSettleMs : this.settleMs;
    return Math.min(this.lastPendingAt + quiet, this.firstPendingAt + (burst ? this.burstMaxSettleMs : this.maxSettleMs));
  }

  private settleOrDispatch(): void {
    const wait = this.deadline() - this.options.clock.now();
    if (wait > 0) {
      this.current = 'settling';
      this.armTimer(wait);
    } else {
      this.dispatch();
    }
  }

  private armTimer(delayMs: number): void {
    this.disarmTimer();
    this.timer = this.options.clock.setTimer(() => {
      this.timer = undefined;
      this.on('timer');
    }, Math.max(0, delayMs));
  }

  private disarmTimer(): void {
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private halt(): void {
    this.disarmTimer();
    this.current = 'stopped';
    this.wakeIdleWaiters();
  }

  private becomeIdle(): void {
    this.current = 'idle';
    this.wakeIdleWaiters();
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private dispatch(): void {
    const clock = this.options.clock;
    const batch = buildBatch(this.pending.values(), {
      seq: ++this.seq,
      firstEventAt: this.firstPendingAt,
      lastEventAt: this.lastPendingAt,
      dispatchedAt: clock.now(),
      eventCount: this.pendingEvents,
    });
    this.pending.clear();
    this.pendingEvents = 0;
    this.current = 'running';
    this.options.report?.({ kind: 'batch-started', batch });
    this.inFlight = this.run(batch).finally(() => {
      this.inFlight = undefined;
      this.on('finished');
    });
  }

  private async run(batch: WatchBatch<R>): Promise<void> {
    let failures: readonly BatchFailure[];
    try {
      failures = withFiles(batch, (await this.options.execute(batch)) ?? []);
    } catch (error) {
      failures = everyPartFailed(batch, error);
    }
    const finishedAt = this.options.clock.now();
    this.options.report?.({ kind: 'batch-finished', batch, finishedAt, elapsedMs: finishedAt - batch.firstEventAt, failures });
  }
}

function withFiles<R extends WatchRuleInput>(batch: WatchBatch<R>, failures: readonly ServiceFailure[]): BatchFailure[] {
  return failures.map((failure) => ({ ...failure, files: filesOf(batch, failure.service) }));
}

/** The executor threw: the stack reload (when there was one) and every service failed. */
function everyPartFailed<R extends WatchRuleInput>(batch: WatchBatch<R>, error: unknown): BatchFailure[] {
  const failures: BatchFailure[] = batch.services.map((s) => ({ service: s.service, error, files: filesOf(batch, s.service) }));
  if (batch.stackFiles.length > 0) failures.unshift({ error, files: batch.stackFiles });
  return failures;
}

function filesOf<R extends WatchRuleInput>(batch: WatchBatch<R>, service: string | undefined): FileState[] {
  if (service === undefined) return [...batch.stackFiles];
  const part = batch.services.find((s) => s.service === service);
  return (part?.files ?? []).map((f) => ({ hostPath: f.hostPath, exists: f.exists, isDirectory: f.isDirectory }));
}
