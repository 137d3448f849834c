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
//
// TEST HOOK — crash injection: when the environment has `STACK_CRASH_AFTER_OPS=N` (a
// positive integer), the process sends itself SIGKILL right after the N-th mutating
// operation (every kind but `container.wait`) has completed successfully. The integration
// suite uses it to kill `stack up` at every mutating step and check that the next run
// finishes or undoes the interrupted one. With `--parallel 1` the N-th step is
// deterministic. It is a hook for tests, not a feature: never set it otherwise.

import type { EngineGateway, EngineInfo } from './gateway.js';
import type { ContainerRef, Operation, Plan } from '../planner/types.js';
import { pinNetworkId, pinNetworkIds } from '../planner/container-spec.js';
import type { ErrorSummary, OperationRef, OperationStatus, ProgressEvent, ProgressListener } from './progress.js';
import { InternalError, InterruptedError, OperationError, StackError } from '../errors.js';
import { projectFilter } from '../api/labels.js';
import { MIN_DEFAULT_PARALLELISM, resolveParallelism } from './parallelism.js';
import { waitForCondition } from './waits.js';
import { operationTarget } from '../planner/ids.js';

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
  const now = options.now ?? Date.now;
  const ops = plan.operations;
  validatePlan(ops);
  const crashAfter = options.crashAfterOps ?? crashAfterOpsFromEnv();
  const crash = options.crash ?? (() => process.kill(process.pid, 'SIGKILL'));
  // Without --parallel the limit follows the engine's CPUs, from GET /info: 40-300 ms here.
  // The run does not wait for it: it starts at the smallest default (never above what the
  // engine will allow) and widens when the answer comes. A plan that is one chain, such as a
  // single recreate, never needs more, and stops paying for the call on its critical path.
  let parallel =
    options.parallel !== undefined
      ? resolveParallelism(options.parallel, { ncpu: 1 })
      : options.engineInfo
        ? resolveParallelism(undefined, options.engineInfo)
        : MIN_DEFAULT_PARALLELISM;
  const askEngine = options.parallel === undefined && !options.engineInfo ? new AbortController() : undefined;

  const runStarted = now();
  const emit = (event: ProgressEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A renderer's bug must not corrupt the run's bookkeeping.
    }
  };

  const index = new Map<string, number>(ops.map((op, i) => [op.id, i]));
  const state = new Map<string, State>(ops.map((op) => [op.id, 'pending']));
  const waitingOn = new Map<string, number>(ops.map((op) => [op.id, op.after.length]));
  const dependents = new Map<string, Operation[]>();
  for (const op of ops) for (const dep of op.after) (dependents.get(dep) ?? dependents.set(dep, []).get(dep)!).push(op);
  const outcomes = new Map<string, OperationOutcome>();
  const createdContainers = new Map<string, string>();
  const createdNetworks = new Map<string, string>();
  const warnings: string[] = [];
  const busyKeys = new Set<string>();
  let engineCallsInFlight = 0;
  let running = 0;
  let mutatingDone = 0;
  let firstError: StackError | undefined;
  let interrupted = false;

  const refOf = (op: Operation): OperationRef => ({
    opId: op.id,
    kind: op.kind,
    target: operationTarget(op),
    ...(op.service !== undefined ? { service: op.service } : {}),
    ...(op.group !== undefined ? { group: op.group } : {}),
  });

  // Ready operations, kept in plan order.
  const ready: Operation[] = ops.filter((op) => op.after.length === 0);

  const containerId = (ref: ContainerRef): string => ref.id ?? createdContainers.get(ref.name) ?? ref.name;
  const networkRef = (name: string, pinned?: string): string => createdNetworks.get(name) ?? pinned ?? name;

  /** The one gateway call an operation stands for. Returns the new container's id for creates. */
  async function perform(op: Operation): Promise<{ containerId?: string; warning?: string }> {
    switch (op.kind) {
      case 'image.pull': {
        // `pullImage` is an optional gateway member (not every engine target can pull).
        if (typeof gateway.pullImage !== 'function') {
          throw new OperationError(`cannot pull image ${op.image}: this engine connection does not support pulling`, {
            hint: 'pull or build the image yourself, then run the command again',
          });
        }
        await gateway.pullImage(op.image, op.platform !== undefined ? { platform: op.platform } : {});
        return {};
      }
      case 'network.create': {
        const id = await gateway.createNetwork(op.body);
        createdNetworks.set(op.network, id);
        return {};
      }
      case 'network.remove':
        await gateway.removeNetwork(op.networkId);
        return {};
      case 'network.connect': {
        // The id goes in the endpoint too: the engine keeps that endpoint for a container that
        // is not running, and looks the network up by it at start (else by name).
        const network = networkRef(op.network, op.endpoint.NetworkID);
        await gateway.connectNetwork(network, containerId(op.container), pinNetworkId(op.endpoint, network === op.network ? undefined : network));
        return {};
      }
      case 'network.disconnect':
        await gateway.disconnectNetwork(networkRef(op.network), containerId(op.container), false);
        return {};
      case 'volume.create':
        await gateway.createVolume(op.body);
        return {};
      case 'volume.remove':
        await gateway.removeVolume(op.volume);
        return {};
      case 'container.create': {
        // Networks this run created are joined by id, like those the planner found (see the header).
        const id = await gateway.createContainer(op.container.name, pinNetworkIds(op.body, createdNetworks));
        createdContainers.set(op.container.name, id);
        return { containerId: id };
      }
      case 'container.start':
        await gateway.startContainer(containerId(op.container));
        return {};
      case 'container.stop':
        await gateway.stopContainer(containerId(op.container), op.timeoutSeconds);
        return {};
      case 'container.restart':
        await gateway.restartContainer(containerId(op.container), op.timeoutSeconds);
        return {};
      case 'container.remove':
        // force: as Compose does. The plan stops a container before removing it; force only
        // covers a restart policy bringing it back in between, and never touches volumes.
        await gateway.removeContainer(containerId(op.container), { force: true, removeAnonymousVolumes: op.removeAnonymousVolumes });
        return {};
      case 'container.wait': {
        const target = { containerId: containerId(op.container), containerName: op.container.name, service: op.container.service };
        try {
          await waitForCondition(gateway, target, op.condition, {
            timeoutMs: op.timeoutMs,
            ...(options.signal ? { signal: options.signal } : {}),
            now,
            eventLabels: projectFilter(plan.projectName),
            ...(options.waitProgressIntervalMs !== undefined ? { progressIntervalMs: options.waitProgressIntervalMs } : {}),
            ...(options.waitRecheckIntervalMs !== undefined ? { recheckIntervalMs: options.waitRecheckIntervalMs } : {}),
            onProgress: (p) =>
              emit({
                type: 'wait-progress',
                at: now(),
                ...refOf(op),
                container: op.container.name,
                condition: op.condition,
                elapsedMs: p.elapsedMs,
                message: p.message,
                ...(p.state !== undefined ? { state: p.state } : {}),
              }),
          });
          return {};
        } catch (e) {
          // `required: false`: an unmet condition is a warning (an interruption is still one).
          if (!op.required && e instanceof OperationError) return { warning: e.message };
          throw e;
        }
      }
      default: {
        const unknown: never = op;
        throw new InternalError(`the executor does not know the operation kind of ${JSON.stringify(unknown)}`);
      }
    }
  }

  function skip(op: Operation, reason: 'dependency-failed' | 'interrupted', blockedBy?: string): void {
    if (state.get(op.id) !== 'pending') return;
    state.set(op.id, 'skipped');
    const at = now();
    outcomes.set(op.id, { ...refOf(op), status: 'skipped', skipReason: reason, ...(blockedBy !== undefined ? { blockedBy } : {}) });
    emit({ type: 'op-skipped', at, ...refOf(op), reason, ...(blockedBy !== undefined ? { blockedBy } : {}) });
  }

  /** Skip everything downstream of a failed (or skipped) operation. */
  function skipDependents(rootId: string): void {
    const stack = [...(dependents.get(rootId) ?? [])];
    while (stack.length > 0) {
      const op = stack.pop()!;
      if (state.get(op.id) !== 'pending') continue;
      skip(op, 'dependency-failed', rootId);
      stack.push(...(dependents.get(op.id) ?? []));
    }
  }

  function skipAllPending(): void {
    for (const op of ops) {
      if (state.get(op.id) === 'pending') {
        interrupted = true;
        skip(op, 'interrupted');
      }
    }
    ready.length = 0;
  }

  function insertReady(op: Operation): void {
    const at = index.get(op.id)!;
    let i = ready.length;
    while (i > 0 && index.get(ready[i - 1]!.id)! > at) i--;
    ready.splice(i, 0, op);
  }

  return new Promise<ExecutionResult>((resolve) => {
    let finished = false;

    const finish = (): void => {
      if (finished) return;
      finished = true;
      // A short run may end before the engine said how many CPUs it has.
      askEngine?.abort();
      options.signal?.removeEventListener('abort', onAbort);
      // Every operation has an outcome by now (the plan is a validated DAG); the fallback
      // only keeps a scheduler bug from producing a hole in the report.
      const list = ops.map(
        (op) =>
          outcomes.get(op.id) ?? { ...refOf(op), status: 'failed' as const, error: new InternalError(`operation "${op.id}" was never scheduled`) },
      );
      const count = (s: OperationStatus) => list.filter((o) => o.status === s).length;
      const ok = count('done') === list.length;
      let error = firstError;
      if (!error && !ok && interrupted) {
        error = new InterruptedError(`interrupted: ${count('skipped')} of ${list.length} operations were not run`, {
          hint: 'run the same command again: it finishes what this run left',
        });
      }
      const durationMs = now() - runStarted;
      emit({ type: 'run-finished', at: now(), ok, durationMs, done: count('done'), failed: count('failed'), skipped: count('skipped'), interrupted });
      resolve({ ok, outcomes: list, ...(error ? { error } : {}), interrupted, createdContainers, createdNetworks, warnings, durationMs });
    };

    const onAbort = (): void => {
      skipAllPending();
      if (running === 0) finish();
    };

    const startOne = (op: Operation): void => {
      const isWait = op.kind === 'container.wait';
      state.set(op.id, 'running');
      running++;
      if (!isWait) engineCallsInFlight++;
      if (op.serialKey !== undefined) busyKeys.add(op.serialKey);
      const started = now();
      emit({ type: 'op-started', at: started, ...refOf(op) });
      perform(op).then(
        (result) => {
          const durationMs = now() - started;
          if (isMutating(op)) {
            mutatingDone++;
            if (crashAfter !== undefined && mutatingDone === crashAfter) crash();
          }
          state.set(op.id, 'done');
          outcomes.set(op.id, { ...refOf(op), status: 'done', durationMs, ...result });
          if (result.warning !== undefined) {
            warnings.push(result.warning);
            emit({ type: 'warning', at: now(), message: result.warning, opId: op.id, ...(op.service !== undefined ? { service: op.service } : {}) });
          }
          emit({ type: 'op-done', at: now(), ...refOf(op), durationMs, ...(result.containerId !== undefined ? { containerId: result.containerId } : {}) });
          for (const next of dependents.get(op.id) ?? []) {
            const left = waitingOn.get(next.id)! - 1;
            waitingOn.set(next.id, left);
            if (left === 0 && state.get(next.id) === 'pending') insertReady(next);
          }
        },
        (e: unknown) => {
          const durationMs = now() - started;
          const error = asStackError(op, e);
          firstError ??= error;
          state.set(op.id, 'failed');
          outcomes.set(op.id, { ...refOf(op), status: 'failed', durationMs, error });
          emit({ type: 'op-failed', at: now(), ...refOf(op), durationMs, error: summarise(error) });
          skipDependents(op.id);
        },
      ).finally(() => {
        running--;
        if (!isWait) engineCallsInFlight--;
        if (op.serialKey !== undefined) busyKeys.delete(op.serialKey);
        pump();
      });
    };

    const pump = (): void => {
      if (finished) return;
      if (options.signal?.aborted) skipAllPending();
      for (let i = 0; i < ready.length; ) {
        const op = ready[i]!;
        const isWait = op.kind === 'container.wait';
        const blocked = (!isWait && engineCallsInFlight >= parallel) || (op.serialKey !== undefined && busyKeys.has(op.serialKey));
        if (blocked) {
          i++;
          continue;
        }
        ready.splice(i, 1);
        startOne(op);
      }
      if (running === 0) finish();
    };

    emit({ type: 'run-started', at: runStarted, projectName: plan.projectName, total: ops.length, parallel: Number.isFinite(parallel) ? parallel : -1 });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (askEngine) {
      gateway.info(askEngine.signal).then(
        (info) => {
          parallel = resolveParallelism(undefined, info);
          pump();
        },
        // Unanswered (or aborted at the end): the run goes on at the minimum.
        () => undefined,
      );
    }
    pump();
  });
}
