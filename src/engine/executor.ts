// The executor: walks a plan's DAG and makes exactly the engine calls it lists.
//
// "Execute dumbly" (ARCHITECTURE rule 1): every operation maps to ONE gateway call (a wait
// maps to the wait helpers), chosen by its kind alone. Nothing here looks at engine state to
// decide what to do; an `if` that would is a planner bug.
//
// Scheduling:
//  - an operation starts once every operation in its `after` list is done;
//  - at most `parallel` engine calls are in flight. Waits do not count against the limit:
//    they cost the engine nothing, and a long health wait must not hold back unrelated
//    creates (the limit protects the engine's CPUs, see parallelism.ts);
//  - operations sharing a `serialKey` run one at a time (port-publishing starts: the engine
//    allocates host ports non-atomically);
//  - among ready operations, plan order decides (the plan is deterministic, so is the order
//    in which work starts with `parallel: 1`).
// Failure: a failed operation fails the run; its transitive dependents are skipped; every
// operation independent of it still runs to completion. Abort: no new operation starts,
// in-flight engine calls are left to finish (an interrupted create is worse than a finished
// one), in-flight waits end at once.
//
// Names → ids: `container.create` remembers the new container's id under its name, so later
// operations whose ContainerRef has no id (the container did not exist when the plan was
// made) reach exactly that container. A ref that carries an id always wins: in a recreate,
// the old and the new container share a name. Networks created in this run are likewise
// connected by id, never by a name that an interleaved run could have duplicated (TRAPS).
// The calls themselves are in operations.ts; this file schedules them.
//
// TEST HOOK — crash injection: when the environment has `STACK_CRASH_AFTER_OPS=N` (a
// positive integer), the process sends itself SIGKILL right after the N-th mutating
// operation (every kind but `container.wait`) has completed successfully. The integration
// suite uses it to kill `stack up` at every mutating step and check that the next run
// finishes or undoes the interrupted one. With `--parallel 1` the N-th step is
// deterministic. It is a hook for tests, not a feature: never set it otherwise.

import type { EngineGateway, EngineInfo } from './gateway.js';
import type { Operation, Plan } from '../planner/types.js';
import type { ErrorSummary, OperationRef, OperationStatus, ProgressEvent, ProgressListener } from './progress.js';
import { InternalError, InterruptedError, StackError } from '../errors.js';
import { MIN_DEFAULT_PARALLELISM, resolveParallelism } from './parallelism.js';
import { operationTarget } from '../planner/ids.js';
import { performOperation, type PerformContext, type Performed, type RunIds } from './operations.js';
import type { ImagePorts } from './image-ports.js';

export interface ExecuteOptions {
  /**
   * At most this many engine calls in flight; `-1` means no limit. Default: follows the
   * engine's CPUs (`defaultParallelism`), from `engineInfo` or one `gateway.info()` call.
   */
  readonly parallel?: number;
  /** What the caller already knows about the engine (saves the `info()` call). */
  readonly engineInfo?: Pick<EngineInfo, 'ncpu'>;
  /** Stop starting new operations; in-flight waits end, in-flight engine calls finish. */
  readonly signal?: AbortSignal;
  /** Progress events. Called synchronously; an exception thrown by it is ignored. */
  readonly onEvent?: ProgressListener;
  /** Clock in ms for events and durations. Default `Date.now`. */
  readonly now?: () => number;
  /** How often waits report progress. Default 1000 ms. */
  readonly waitProgressIntervalMs?: number;
  /** How often a health wait re-inspects when no event woke it. Default 2000 ms. */
  readonly waitRecheckIntervalMs?: number;
  /**
   * Crash injection (test hook, see the header). Default: `STACK_CRASH_AFTER_OPS` from the
   * environment.
   */
  readonly crashAfterOps?: number;
  /** What "crash" does (tests replace it). Default: SIGKILL to this process. */
  readonly crash?: () => void;
  /** Build contexts and registry credentials for image operations (see image-ports.ts). */
  readonly images?: ImagePorts;
  /** Pause before the n-th retry of a transient pull failure, ms. Default 1 s, 2 s. */
  readonly pullRetryDelayMs?: (retry: number) => number;
}

export interface OperationOutcome extends OperationRef {
  readonly status: OperationStatus;
  /** For operations that ran. */
  readonly durationMs?: number;
  readonly error?: StackError;
  readonly skipReason?: 'dependency-failed' | 'interrupted';
  /** For `dependency-failed`: the failed operation at the root of the chain. */
  readonly blockedBy?: string;
  /** A `required: false` wait that was not met: done, with this warning. */
  readonly warning?: string;
  /** For `container.create`: the new container's id. */
  readonly containerId?: string;
  /** For `image.build`: the id of the image built, and the bytes of context sent. */
  readonly imageId?: string;
  readonly contextBytes?: number;
}

export interface ExecutionResult {
  /** True when every operation is done. */
  readonly ok: boolean;
  /** One per operation, in plan order. */
  readonly outcomes: readonly OperationOutcome[];
  /**
   * The error that decides the exit code: the first failure in time, else an
   * InterruptedError when an abort left work undone. Undefined when `ok`.
   */
  readonly error?: StackError;
  readonly interrupted: boolean;
  /** Containers created by this run: id by name. */
  readonly createdContainers: ReadonlyMap<string, string>;
  /** Networks created by this run: id by name. */
  readonly createdNetworks: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

/** Operations that change the engine (every kind but waits): what the crash hook counts. */
export function isMutating(op: Operation): boolean {
  return op.kind !== 'container.wait';
}

/** Reads the crash hook from the environment; undefined when unset. */
export function crashAfterOpsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.STACK_CRASH_AFTER_OPS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InternalError(`STACK_CRASH_AFTER_OPS must be a positive integer, got "${raw}"`);
  return n;
}

function summarise(error: StackError): ErrorSummary {
  return { name: error.name, message: error.message, exitCode: error.exitCode, ...(error.hint !== undefined ? { hint: error.hint } : {}) };
}

function asStackError(op: Operation, e: unknown): StackError {
  if (e instanceof StackError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new InternalError(`unexpected error in "${op.id}": ${detail}`, { cause: e });
}

/** Checks the DAG: unique ids, known prerequisites, no cycle. A violation is a planner bug. */
function validatePlan(ops: readonly Operation[]): void {
  const ids = new Set<string>();
  for (const op of ops) {
    if (ids.has(op.id)) throw new InternalError(`plan has two operations with the id "${op.id}"`);
    ids.add(op.id);
  }
  for (const op of ops) {
    for (const dep of op.after) {
      if (!ids.has(dep)) throw new InternalError(`operation "${op.id}" comes after "${dep}", which is not in the plan`);
    }
  }
  // Kahn: whatever cannot be ordered sits on a cycle.
  const indegree = new Map<string, number>(ops.map((op) => [op.id, op.after.length]));
  const dependents = new Map<string, string[]>();
  for (const op of ops) for (const dep of op.after) (dependents.get(dep) ?? dependents.set(dep, []).get(dep)!).push(op.id);
  const queue = ops.filter((op) => op.after.length === 0).map((op) => op.id);
  let ordered = 0;
  while (queue.length > 0) {
    const id = queue.pop()!;
    ordered++;
    for (const next of dependents.get(id) ?? []) {
      const left = indegree.get(next)! - 1;
      indegree.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  if (ordered !== ops.length) {
    const stuck = ops.filter((op) => indegree.get(op.id)! > 0).map((op) => op.id);
    throw new InternalError(`plan has a dependency cycle among: ${stuck.slice(0, 5).join(', ')}`);
  }
}

type State = 'pending' | 'running' | OperationStatus;

/** Apply `plan` through `gateway`. Never throws for a failed operation: see ExecutionResult. */
export async function execute(plan: Plan, gateway: EngineGateway, options: ExecuteOptions = {}): Promise<ExecutionResult> {
  validatePlan(plan.operations);
  return new ExecutionRun(plan, gateway, options).run();
}

function refOf(op: Operation): OperationRef {
  return {
    opId: op.id,
    kind: op.kind,
    target: operationTarget(op),
    ...(op.service !== undefined ? { service: op.service } : {}),
    ...(op.group !== undefined ? { group: op.group } : {}),
  };
}

const isWait = (op: Operation): boolean => op.kind === 'container.wait';

/**
 * One execution of a plan: the scheduler's state (what is pending, ready, running, done) in
 * fields, and one method per step — pump (start what may start), startOne, settle (record an
 * outcome and release dependents or skip them), finish. The run's promise resolves exactly
 * once, when nothing runs and nothing more can start.
 */
class ExecutionRun {
  private readonly ops: readonly Operation[];
  private readonly now: () => number;
  private readonly crashAfter: number | undefined;
  private readonly crash: () => void;
  private readonly index: Map<string, number>;
  private readonly state: Map<string, State>;
  private readonly waitingOn: Map<string, number>;
  private readonly dependents = new Map<string, Operation[]>();
  private readonly outcomes = new Map<string, OperationOutcome>();
  private readonly ids: RunIds = { containers: new Map(), networks: new Map(), swarmFiles: new Map() };
  private readonly warnings: string[] = [];
  private readonly busyKeys = new Set<string>();
  /** Ready operations, kept in plan order. */
  private readonly ready: Operation[];
  private readonly perform: PerformContext;
  /** Set when no --parallel was given: the engine's CPUs are asked for, without waiting for the answer. */
  private readonly askEngine: AbortController | undefined;
  private parallel: number;
  private engineCallsInFlight = 0;
  private running = 0;
  private mutatingDone = 0;
  private firstError: StackError | undefined;
  private interrupted = false;
  private finished = false;
  private startedAt = 0;
  private resolve!: (result: ExecutionResult) => void;
  private readonly onAbort = (): void => {
    this.skipAllPending();
    if (this.running === 0) this.finish();
  };

  constructor(
    private readonly plan: Plan,
    private readonly gateway: EngineGateway,
    private readonly options: ExecuteOptions,
  ) {
    this.ops = plan.operations;
    this.now = options.now ?? Date.now;
    this.crashAfter = options.crashAfterOps ?? crashAfterOpsFromEnv();
    this.crash = options.crash ?? (() => process.kill(process.pid, 'SIGKILL'));
    this.index = new Map(this.ops.map((op, i) => [op.id, i]));
    this.state = new Map(this.ops.map((op) => [op.id, 'pending']));
    this.waitingOn = new Map(this.ops.map((op) => [op.id, op.after.length]));
    for (const op of this.ops) for (const dep of op.after) (this.dependents.get(dep) ?? this.dependents.set(dep, []).get(dep)!).push(op);
    this.ready = this.ops.filter((op) => op.after.length === 0);
    // Without --parallel the limit follows the engine's CPUs, from GET /info: 40-300 ms here.
    // The run does not wait for it: it starts at the smallest default (never above what the
    // engine will allow) and widens when the answer comes. A plan that is one chain, such as a
    // single recreate, never needs more, and stops paying for the call on its critical path.
    this.parallel =
      options.parallel !== undefined
        ? resolveParallelism(options.parallel, { ncpu: 1 })
        : options.engineInfo
          ? resolveParallelism(undefined, options.engineInfo)
          : MIN_DEFAULT_PARALLELISM;
    this.askEngine = options.parallel === undefined && !options.engineInfo ? new AbortController() : undefined;
    this.perform = {
      gateway,
      projectName: plan.projectName,
      ids: this.ids,
      ...(options.signal ? { signal: options.signal } : {}),
      now: this.now,
      ...(options.waitProgressIntervalMs !== undefined ? { waitProgressIntervalMs: options.waitProgressIntervalMs } : {}),
      ...(options.waitRecheckIntervalMs !== undefined ? { waitRecheckIntervalMs: options.waitRecheckIntervalMs } : {}),
      onWaitProgress: (op, p) =>
        this.emit({
          type: 'wait-progress',
          at: this.now(),
          ...refOf(op),
          container: op.container.name,
          condition: op.condition,
          elapsedMs: p.elapsedMs,
          message: p.message,
          ...(p.state !== undefined ? { state: p.state } : {}),
        }),
      ...(options.images ? { images: options.images } : {}),
      ...(options.pullRetryDelayMs ? { retryDelayMs: options.pullRetryDelayMs } : {}),
      onImageProgress: (op, p) => this.emit({ type: 'image-progress', at: this.now(), ...refOf(op), ...p }),
    };
  }

  run(): Promise<ExecutionResult> {
    return new Promise<ExecutionResult>((resolve) => {
      this.resolve = resolve;
      this.startedAt = this.now();
      this.emit({
        type: 'run-started',
        at: this.startedAt,
        projectName: this.plan.projectName,
        total: this.ops.length,
        parallel: Number.isFinite(this.parallel) ? this.parallel : -1,
      });
      this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
      if (this.askEngine) {
        this.gateway.info(this.askEngine.signal).then(
          (info) => {
            this.parallel = resolveParallelism(undefined, info);
            this.pump();
          },
          // Unanswered (or aborted at the end): the run goes on at the minimum.
          () => undefined,
        );
      }
      this.pump();
    });
  }

  private emit(event: ProgressEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A renderer's bug must not corrupt the run's bookkeeping.
    }
  }

  /** Starts every ready operation the limits allow, in plan order; finishes when nothing runs. */
  private pump(): void {
    if (this.finished) return;
    if (this.options.signal?.aborted) this.skipAllPending();
    for (let i = 0; i < this.ready.length; ) {
      const op = this.ready[i]!;
      const blocked = (!isWait(op) && this.engineCallsInFlight >= this.parallel) || (op.serialKey !== undefined && this.busyKeys.has(op.serialKey));
      if (blocked) {
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      this.startOne(op);
    }
    if (this.running === 0) this.finish();
  }

  private startOne(op: Operation): void {
    this.state.set(op.id, 'running');
    this.running++;
    if (!isWait(op)) this.engineCallsInFlight++;
    if (op.serialKey !== undefined) this.busyKeys.add(op.serialKey);
    const started = this.now();
    this.emit({ type: 'op-started', at: started, ...refOf(op) });
    performOperation(op, this.perform)
      .then(
        (result) => this.succeeded(op, started, result),
        (e: unknown) => this.failed(op, started, e),
      )
      .finally(() => {
        this.running--;
        if (!isWait(op)) this.engineCallsInFlight--;
        if (op.serialKey !== undefined) this.busyKeys.delete(op.serialKey);
        this.pump();
      });
  }

  private succeeded(op: Operation, started: number, result: Performed): void {
    const durationMs = this.now() - started;
    if (isMutating(op)) {
      this.mutatingDone++;
      if (this.crashAfter !== undefined && this.mutatingDone === this.crashAfter) this.crash();
    }
    this.state.set(op.id, 'done');
    const produced = {
      ...(result.containerId !== undefined ? { containerId: result.containerId } : {}),
      ...(result.imageId !== undefined ? { imageId: result.imageId } : {}),
      ...(result.contextBytes !== undefined ? { contextBytes: result.contextBytes } : {}),
    };
    this.outcomes.set(op.id, { ...refOf(op), status: 'done', durationMs, ...produced, ...(result.warning !== undefined ? { warning: result.warning } : {}) });
    for (const warning of [...(result.warning !== undefined ? [result.warning] : []), ...(result.warnings ?? [])]) {
      this.warnings.push(warning);
      this.emit({ type: 'warning', at: this.now(), message: warning, opId: op.id, ...(op.service !== undefined ? { service: op.service } : {}) });
    }
    this.emit({ type: 'op-done', at: this.now(), ...refOf(op), durationMs, ...produced });
    for (const next of this.dependents.get(op.id) ?? []) {
      const left = this.waitingOn.get(next.id)! - 1;
      this.waitingOn.set(next.id, left);
      if (left === 0 && this.state.get(next.id) === 'pending') this.insertReady(next);
    }
  }

  private failed(op: Operation, started: number, e: unknown): void {
    const durationMs = this.now() - started;
    const error = asStackError(op, e);
    this.firstError ??= error;
    this.state.set(op.id, 'failed');
    this.outcomes.set(op.id, { ...refOf(op), status: 'failed', durationMs, error });
    this.emit({ type: 'op-failed', at: this.now(), ...refOf(op), durationMs, error: summarise(error) });
    this.skipDependents(op.id);
  }

  private skip(op: Operation, reason: 'dependency-failed' | 'interrupted', blockedBy?: string): void {
    if (this.state.get(op.id) !== 'pending') return;
    this.state.set(op.id, 'skipped');
    const at = this.now();
    this.outcomes.set(op.id, { ...refOf(op), status: 'skipped', skipReason: reason, ...(blockedBy !== undefined ? { blockedBy } : {}) });
    this.emit({ type: 'op-skipped', at, ...refOf(op), reason, ...(blockedBy !== undefined ? { blockedBy } : {}) });
  }

  /** Skip everything downstream of a failed (or skipped) operation. */
  private skipDependents(rootId: string): void {
    const stack = [...(this.dependents.get(rootId) ?? [])];
    while (stack.length > 0) {
      const op = stack.pop()!;
      if (this.state.get(op.id) !== 'pending') continue;
      this.skip(op, 'dependency-failed', rootId);
      stack.push(...(this.dependents.get(op.id) ?? []));
    }
  }

  private skipAllPending(): void {
    for (const op of this.ops) {
      if (this.state.get(op.id) === 'pending') {
        this.interrupted = true;
        this.skip(op, 'interrupted');
      }
    }
    this.ready.length = 0;
  }

  private insertReady(op: Operation): void {
    const at = this.index.get(op.id)!;
    let i = this.ready.length;
    while (i > 0 && this.index.get(this.ready[i - 1]!.id)! > at) i--;
    this.ready.splice(i, 0, op);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    // A short run may end before the engine said how many CPUs it has.
    this.askEngine?.abort();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    // Every operation has an outcome by now (the plan is a validated DAG); the fallback only
    // keeps a scheduler bug from producing a hole in the report.
    const list = this.ops.map(
      (op) => this.outcomes.get(op.id) ?? { ...refOf(op), status: 'failed' as const, error: new InternalError(`operation "${op.id}" was never scheduled`) },
    );
    const count = (s: OperationStatus) => list.filter((o) => o.status === s).length;
    const ok = count('done') === list.length;
    let error = this.firstError;
    if (!error && !ok && this.interrupted) {
      error = new InterruptedError(`interrupted: ${count('skipped')} of ${list.length} operations were not run`, {
        hint: 'run the same command again: it finishes what this run left',
      });
    }
    const durationMs = this.now() - this.startedAt;
    const interrupted = this.interrupted;
    this.emit({ type: 'run-finished', at: this.now(), ok, durationMs, done: count('done'), failed: count('failed'), skipped: count('skipped'), interrupted });
    this.resolve({
      ok,
      outcomes: list,
      ...(error ? { error } : {}),
      interrupted,
      createdContainers: this.ids.containers,
      createdNetworks: this.ids.networks,
      warnings: this.warnings,
      durationMs,
    });
  }
}
