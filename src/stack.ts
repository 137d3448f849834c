// The library façade: what the CLI and the tests call. Each function runs the whole pipeline
// for one command — load the model, open the engine, (lock), observe ONCE, plan purely,
// execute dumbly, release — and reports what happens as events. Nothing here prints.
//
// Secrets: every text that leaves through an event or an error passes through the model's
// redactor first (values of interpolated variables, env files and inline secrets).

import { loadModel, type LoadOptions } from './model/load.js';
import type { StackModel } from './model/types.js';
import type { EngineGateway } from './engine/gateway.js';
import type { OpenedGateway } from './engine/connect.js';
import type { ProgressEvent } from './engine/progress.js';
import type { Operation, Plan, ReconcileOptions } from './planner/types.js';
import { readFileSync } from 'node:fs';
import { ConflictError, InterruptedError, isStackError, NotFoundError } from './errors.js';
import { operationTarget } from './planner/ids.js';
import { projectFilter } from './api/labels.js';
import { strayDuplicates } from './network/stray-duplicates.js';

/** Where the engine is, as the user said it; resolved the way the Docker CLI does. */
export interface ConnectOptions {
  readonly host?: string;
  readonly context?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Receives one line per engine call (`--debug`); the CLI decides where it goes. */
  readonly debug?: (line: string) => void;
}

/** One operation of a plan as renderers need it: no request bodies (they hold env values). */
export interface PlanStepSummary {
  readonly id: string;
  readonly kind: Operation['kind'];
  readonly service?: string;
  readonly group?: string;
  /** The container, network, volume or image the operation is about. */
  readonly target: string;
  /** The cause, already redacted by the planner. */
  readonly cause: string;
}

/** What the façade reports besides the executor's own progress events. */
export type StackEvent =
  | ProgressEvent
  | { readonly type: 'lock-wait'; readonly at: number; readonly holder: string }
  | { readonly type: 'model-warning'; readonly at: number; readonly message: string; readonly path?: string }
  | {
      readonly type: 'plan';
      readonly at: number;
      readonly projectName: string;
      readonly steps: readonly PlanStepSummary[];
      readonly warnings: readonly string[];
    };

export interface RunHooks {
  readonly onEvent?: (event: StackEvent) => void;
  /** Aborting stops new operations from starting; the run then ends with InterruptedError. */
  readonly signal?: AbortSignal;
}

export interface CommonOptions {
  readonly load: LoadOptions;
  readonly connect: ConnectOptions;
  /** Engine operations at once (`--parallel`); default follows the engine's CPUs. */
  readonly parallel?: number;
  /** How long to wait for another run holding the project lock. Default 10 minutes. */
  readonly lockWaitMs?: number;
  /**
   * An engine already open (long-lived callers such as watch, and tests with an in-memory
   * engine); `connect` is then only used for the lock's environment.
   */
  readonly gateway?: EngineGateway;
}

export interface PlanOptions extends CommonOptions {
  readonly reconcile?: ReconcileOptions;
}

export interface PlanResult {
  readonly model: StackModel;
  readonly plan: Plan;
}

export interface UpOptions extends PlanOptions {}

export interface UpResult extends PlanResult {
  /** How long the apply took (ms), plan excluded. */
  readonly durationMs: number;
  /** Operations that ran, by status. */
  readonly done: number;
}

export interface DownOptions extends CommonOptions {
  /**
   * The project to take down from its labels alone, without reading a stack file
   * (`down -p NAME`). When undefined the stack file is loaded to learn the project.
   */
  readonly projectName?: string;
  readonly removeVolumes?: boolean;
  readonly removeOrphans?: boolean;
  readonly timeoutSeconds?: number;
}

export interface DownResult {
  readonly projectName: string;
  readonly plan: Plan;
  readonly durationMs: number;
}

const DEFAULT_LOCK_WAIT_MS = 10 * 60_000;

/** Loads the model (parse → … → normalise). Throws StackFileError (exit 65). */
export async function load(options: LoadOptions): Promise<StackModel> {
  return loadModel(options);
}

/** What `up` would do, without the lock and without changing anything. */
export async function plan(options: PlanOptions, hooks: RunHooks = {}): Promise<PlanResult> {
  const model = await loadModel(options.load);
  const redact = redactor(model.sensitiveValues);
  emitModelWarnings(model, hooks, redact);
  const gateway = await connect(options);
  const { observe } = await import('./engine/observe.js');
  const { reconcile } = await import('./planner/reconcile.js');
  try {
    const observed = await interruptible(hooks, () => observe(gateway, model.projectName, model, observeOptions(options.reconcile, hooks)));
    const planned = reconcile(model, observed, withVersion(options.reconcile));
    return { model, plan: planned };
  } catch (e) {
    throw redactError(e, redact);
  }
}

/** Brings the project to the model: observe once, plan, apply under the project lock. */
export async function up(options: UpOptions, hooks: RunHooks = {}): Promise<UpResult> {
  const model = await loadModel(options.load);
  const redact = redactor(model.sensitiveValues);
  emitModelWarnings(model, hooks, redact);
  const gateway = await connect(options);
  return withProjectLock(gateway, model.projectName, 'stack up', options, hooks, async () => {
    try {
      const { observe } = await import('./engine/observe.js');
      const { reconcile } = await import('./planner/reconcile.js');
      return await converge(hooks, redact, async () => {
        const observed = await interruptible(hooks, () => observe(gateway, model.projectName, model, observeOptions(options.reconcile, hooks)));
        const planned = reconcile(model, observed, withVersion(options.reconcile));
        const { durationMs, done } = await apply(planned, gateway, options, hooks, redact);
        return { model, plan: planned, durationMs, done };
      });
    } catch (e) {
      throw redactError(e, redact);
    }
  });
}

/** Takes the project down from its labels: containers in reverse dependency order, networks, and with `removeVolumes` its volumes. */
export async function down(options: DownOptions, hooks: RunHooks = {}): Promise<DownResult> {
  let model: StackModel | undefined;
  let projectName = options.projectName;
  if (projectName === undefined) {
    model = await loadModel(options.load);
    projectName = model.projectName;
  }
  const redact = redactor(model?.sensitiveValues ?? []);
  if (model) emitModelWarnings(model, hooks, redact);
  const gateway = await connect(options);
  const name = projectName;
  return withProjectLock(gateway, name, 'stack down', options, hooks, async () => {
    try {
      const { observe } = await import('./engine/observe.js');
      const { planDown } = await import('./planner/down.js');
      return await converge(hooks, redact, async () => {
        const observed = await interruptible(hooks, () => observe(gateway, name, model, observeOptions(undefined, hooks)));
        const planned = planDown(observed, {
          removeVolumes: options.removeVolumes === true,
          ...(options.removeOrphans !== undefined ? { removeOrphans: options.removeOrphans } : {}),
          ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
          ...(model ? { model } : {}),
        });
        const { durationMs } = await apply(planned, gateway, options, hooks, redact);
        return { projectName: name, plan: planned, durationMs };
      });
    } catch (e) {
      throw redactError(e, redact);
    }
  });
}

/** The plan as renderers see it: ids, kinds, targets and causes, never request bodies. */
export function planSteps(planned: Plan): PlanStepSummary[] {
  return planned.operations.map((op) => ({
    id: op.id,
    kind: op.kind,
    ...(op.service !== undefined ? { service: op.service } : {}),
    ...(op.group !== undefined ? { group: op.group } : {}),
    target: operationTarget(op),
    cause: op.cause.text,
  }));
}


// ---------------------------------------------------------------------------------------------

/** A gateway and the endpoint it talks to (the lock is per endpoint and project). */
type Connected = EngineGateway & { readonly endpoint?: OpenedGateway['endpoint'] };

async function connect(options: CommonOptions): Promise<Connected> {
  if (options.gateway) return options.gateway;
  const { openGateway } = await import('./engine/connect.js');
  return openGateway(options.connect);
}

/** `--scale` makes observe look up the names of the extra replicas too. */
function observeOptions(reconcile: ReconcileOptions | undefined, hooks: RunHooks): { scale?: Readonly<Record<string, number>>; signal?: AbortSignal } {
  return { ...(reconcile?.scale ? { scale: reconcile.scale } : {}), ...(hooks.signal ? { signal: hooks.signal } : {}) };
}

function withVersion(options: ReconcileOptions | undefined): ReconcileOptions {
  return { stackVersion: STACK_VERSION, ...options };
}

/** Our version, written into labels (`dev.stack.version`). */
const STACK_VERSION = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

async function withProjectLock<T>(
  gateway: Connected,
  projectName: string,
  command: string,
  options: CommonOptions,
  hooks: RunHooks,
  body: () => Promise<T>,
): Promise<T> {
  const { acquireProjectLock } = await import('./engine/lock.js');
  const lock = await interruptible(hooks, () => acquireProjectLock({
    projectName,
    endpoint: gateway.endpoint?.url ?? 'injected-gateway',
    waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
    command,
    env: options.connect.env,
    onWait: (holder: unknown) => hooks.onEvent?.({ type: 'lock-wait', at: Date.now(), holder: describeHolder(holder) }),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  }));
  try {
    return await body();
  } finally {
    lock.release();
  }
}

/** At most this many observe → plan → apply passes in one run. */
const MAX_PASSES = 3;
const PASS_PAUSE_MS = 1000;

/**
 * Observe once, plan, apply — and when the engine answers that an object the plan was built
 * on is not what the snapshot said (a 409 "already exists" on a create, a 404 on a remove),
 * observe again and plan again, a bounded number of times. This happens after a run was
 * killed: the engine goes on with the requests the dead process had in flight and finishes
 * them after our snapshot. Each pass is a whole level-based reconcile, so the executor still
 * never decides anything; everything the failed pass did is in the next snapshot.
 */
async function converge<T>(hooks: RunHooks, redact: (text: string) => string, pass: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pass();
    } catch (e) {
      const stale = e instanceof ConflictError || e instanceof NotFoundError;
      if (!stale || attempt >= MAX_PASSES || hooks.signal?.aborted) throw e;
      hooks.onEvent?.({
        type: 'warning',
        at: Date.now(),
        message: redact(`the engine changed while the plan was applied (${(e as Error).message}); observing again`),
      });
      await pause(PASS_PAUSE_MS * attempt, hooks.signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs a step that honours the abort signal; an abort becomes our InterruptedError (exit 130). */
async function interruptible<T>(hooks: RunHooks, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (hooks.signal?.aborted && !isStackError(e)) throw new InterruptedError('interrupted before anything was changed');
    throw e;
  }
}

function describeHolder(holder: unknown): string {
  if (holder && typeof holder === 'object') {
    const h = holder as { pid?: number; command?: string; startedAt?: string };
    return [h.command, h.pid !== undefined ? `pid ${h.pid}` : undefined, h.startedAt ? `since ${h.startedAt}` : undefined]
      .filter(Boolean)
      .join(', ');
  }
  return String(holder ?? 'another run');
}

/** Runs a plan with the executor, forwarding its events (redacted). Throws the first failure. */
async function apply(
  planned: Plan,
  gateway: EngineGateway,
  options: CommonOptions,
  hooks: RunHooks,
  redact: (text: string) => string,
): Promise<{ durationMs: number; done: number }> {
  const emit = (event: StackEvent) => hooks.onEvent?.(redactEvent(event, redact));
  emit({
    type: 'plan',
    at: Date.now(),
    projectName: planned.projectName,
    steps: planSteps(planned),
    warnings: planned.warnings.map((w) => w.message),
  });
  // Nothing to do: no executor, no engine info call (a no-op `up` should cost one observe).
  if (planned.operations.length === 0) return { durationMs: 0, done: 0 };
  const { execute } = await import('./engine/executor.js');
  const result = await execute(planned, gateway, {
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
    onEvent: (e: ProgressEvent) => emit(e),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
  if (result.error) throw result.error;
  if (result.interrupted || hooks.signal?.aborted) {
    throw new InterruptedError('interrupted: the run stopped before finishing its plan', { hint: 'run the same command again to finish it' });
  }
  if (result.createdNetworks.size > 0) await removeStrayNetworks(planned.projectName, result.createdNetworks, gateway, emit);
  return { durationMs: result.durationMs, done: result.outcomes.filter((o) => o.status === 'done').length };
}

/**
 * After a run that created networks: remove the same-named networks of the project that an
 * interrupted run's in-flight create left behind (see network/stray-duplicates.ts). The
 * engine refuses to remove a network with containers on it, so nothing in use is lost.
 */
async function removeStrayNetworks(projectName: string, created: ReadonlyMap<string, string>, gateway: EngineGateway, emit: (event: StackEvent) => void): Promise<void> {
  const listed = await gateway.listNetworks({ labels: projectFilter(projectName) });
  for (const stray of strayDuplicates(listed, projectName, created)) {
    const which = `network ${stray.name} (${stray.id.slice(0, 12)})`;
    try {
      await gateway.removeNetwork(stray.id);
      emit({ type: 'warning', at: Date.now(), message: `removed ${which}: a duplicate left by an interrupted run` });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      emit({ type: 'warning', at: Date.now(), message: `${which} duplicates one this run created and could not be removed: ${why}` });
    }
  }
}

function emitModelWarnings(model: StackModel, hooks: RunHooks, redact: (text: string) => string): void {
  for (const w of model.warnings) {
    hooks.onEvent?.({ type: 'model-warning', at: Date.now(), message: redact(w.message), ...(w.path ? { path: w.path } : {}) });
  }
}

// --- redaction --------------------------------------------------------------------------------

/** Values shorter than this are only redacted when a whole text equals them (`1`, `on`...). */
const MIN_SUBSTRING_SECRET = 3;

/** A function that replaces every sensitive value in a text with `(sensitive)`. */
export function redactor(sensitiveValues: readonly string[]): (text: string) => string {
  const long = [...new Set(sensitiveValues.filter((v) => v.length >= MIN_SUBSTRING_SECRET))].sort((a, b) => b.length - a.length);
  const short = new Set(sensitiveValues.filter((v) => v.length > 0 && v.length < MIN_SUBSTRING_SECRET));
  if (long.length === 0 && short.size === 0) return (text) => text;
  return (text) => {
    if (short.has(text)) return '(sensitive)';
    let out = text;
    for (const secret of long) if (out.includes(secret)) out = out.split(secret).join('(sensitive)');
    return out;
  };
}

function redactEvent(event: StackEvent, redact: (text: string) => string): StackEvent {
  switch (event.type) {
    case 'op-failed':
      return { ...event, error: { ...event.error, message: redact(event.error.message), ...(event.error.hint ? { hint: redact(event.error.hint) } : {}) } };
    case 'wait-progress':
      return { ...event, message: redact(event.message) };
    case 'warning':
      return { ...event, message: redact(event.message) };
    case 'plan':
      return { ...event, warnings: event.warnings.map(redact), steps: event.steps.map((s) => ({ ...s, cause: redact(s.cause) })) };
    default:
      return event;
  }
}

/** The same error with its message and hint redacted (a new StackError of the same kind when needed). */
function redactError(e: unknown, redact: (text: string) => string): unknown {
  if (!isStackError(e)) return e;
  const message = redact(e.message);
  const hint = e.hint !== undefined ? redact(e.hint) : undefined;
  if (message === e.message && hint === e.hint) return e;
  // Messages are readonly on purpose; rewrite in place is the least surprising here because
  // the error keeps its class, exit code and typed fields.
  Object.defineProperty(e, 'message', { value: message });
  if (hint !== undefined) Object.defineProperty(e, 'hint', { value: hint });
  return e;
}
