// Dependency waits: `service_started`, `service_healthy`, `service_completed_successfully`.
//
// A wait succeeds, or throws a typed error that names the service:
//  - OperationError when the condition cannot be met (unhealthy, exited, wrong exit code,
//    no healthcheck, container gone) or the bound `timeoutMs` passed;
//  - InterruptedError when the caller's abort signal fired.
// `required: false` is the executor's business (it turns the failure into a warning).
//
// service_healthy follows the engine's event stream, so a `health_status` or `die` event
// wakes it at once, but it never trusts the stream alone: events can be missed (the stream
// connects after the first inspect, it ends when the daemon restarts, a gateway may not
// implement it), so the container is also re-inspected on a slow timer. An event only ever
// triggers an inspect; decisions are always made on inspected state. It FAILS FAST: an
// unhealthy or exited container ends the wait at once instead of running out the timeout.

import type { ContainerDetails, EngineGateway } from './gateway.js';
import type { DependencyCondition } from '../model/types.js';
import { InterruptedError, NotFoundError, OperationError } from '../errors.js';

/** The container a wait is about. */
export interface WaitTarget {
  /** The id to ask the engine about (a name works too when no id is known). */
  readonly containerId: string;
  /** The container's name, for messages. */
  readonly containerName: string;
  readonly service: string;
}

export interface WaitProgress {
  readonly elapsedMs: number;
  /** What the engine last said: `starting`, `running`, `created`... */
  readonly state?: string;
  /** Ready to print: `waiting for demo-db-1 to be healthy (12 s)`. */
  readonly message: string;
}

export interface WaitOptions {
  /** The bound on the whole wait. */
  readonly timeoutMs: number;
  /** Aborting ends the wait with an InterruptedError. */
  readonly signal?: AbortSignal;
  /** Clock for elapsed times (ms); timers still use the real clock. Default `Date.now`. */
  readonly now?: () => number;
  /** Called about every `progressIntervalMs` while the wait lasts. */
  readonly onProgress?: (progress: WaitProgress) => void;
  /** Default 1000 ms. */
  readonly progressIntervalMs?: number;
  /**
   * How often service_healthy re-inspects without being woken by an event: the safety net
   * for a missed event. Default 2000 ms (an inspect every 2 s per waiting container is cheap).
   */
  readonly recheckIntervalMs?: number;
  /** Label filters for the event subscription (e.g. the project label), to keep it small. */
  readonly eventLabels?: readonly string[];
}

const DEFAULT_PROGRESS_INTERVAL_MS = 1000;
const DEFAULT_RECHECK_INTERVAL_MS = 2000;

/** Wait until `target` meets `condition`. Resolves when it does; throws otherwise (see the header). */
export async function waitForCondition(
  gateway: EngineGateway,
  target: WaitTarget,
  condition: DependencyCondition,
  options: WaitOptions,
): Promise<void> {
  switch (condition) {
    case 'service_started':
      // The start operation this wait comes after is the whole condition (as in Compose):
      // no engine call is needed.
      return;
    case 'service_healthy':
      return waitHealthy(gateway, target, options);
    case 'service_completed_successfully':
      return waitCompleted(gateway, target, options);
    default: {
      const unknown: never = condition;
      throw new OperationError(`unknown dependency condition ${String(unknown)} for service "${target.service}"`);
    }
  }
}

/** The words a message uses for each condition. */
export function describeCondition(condition: DependencyCondition): string {
  switch (condition) {
    case 'service_started':
      return 'started';
    case 'service_healthy':
      return 'healthy';
    case 'service_completed_successfully':
      return 'complete successfully';
  }
}

function formatSeconds(ms: number): string {
  return `${Math.floor(Math.max(0, ms) / 1000)} s`;
}

function waitingMessage(target: WaitTarget, condition: DependencyCondition, elapsedMs: number): string {
  const verb = condition === 'service_completed_successfully' ? 'to complete successfully' : `to be ${describeCondition(condition)}`;
  return `waiting for ${target.containerName} ${verb} (${formatSeconds(elapsedMs)})`;
}

function timeoutError(target: WaitTarget, condition: DependencyCondition, timeoutMs: number, lastState?: string): OperationError {
  const verb = condition === 'service_completed_successfully' ? 'to complete successfully' : `to be ${describeCondition(condition)}`;
  const state = lastState ? `: ${lastState}` : '';
  return new OperationError(
    `timed out after ${formatSeconds(timeoutMs)} waiting for service "${target.service}" ${verb} (container ${target.containerName}${state})`,
    { hint: `raise the bound with --wait-timeout, or see what ${target.service} is doing with \`stack logs ${target.service}\`` },
  );
}

function interrupted(target: WaitTarget): InterruptedError {
  return new InterruptedError(`interrupted while waiting for service "${target.service}" (container ${target.containerName})`);
}

function goneError(target: WaitTarget, cause: unknown): OperationError {
  return new OperationError(`service "${target.service}" has no container ${target.containerName} any more (removed while waiting)`, {
    cause,
  });
}

/** The outcome of looking at an inspected container while waiting for it to be healthy. */
type HealthVerdict = { readonly kind: 'healthy' } | { readonly kind: 'waiting'; readonly state: string } | { readonly kind: 'failed'; readonly error: OperationError };

/** Compose's rules (isServiceHealthy): exited → fail, no healthcheck → fail, unhealthy → fail. */
export function judgeHealth(details: ContainerDetails, target: WaitTarget): HealthVerdict {
  const svc = `service "${target.service}"`;
  if (details.state === 'exited' || details.state === 'dead' || details.state === 'removing') {
    return {
      kind: 'failed',
      error: new OperationError(
        `dependency failed to start: ${svc} exited with code ${details.exitCode} before becoming healthy (container ${target.containerName})`,
        { hint: `see why with \`stack logs ${target.service}\`` },
      ),
    };
  }
  if (details.state === 'running' && details.health === undefined) {
    return {
      kind: 'failed',
      error: new OperationError(`${svc} has no healthcheck, but a dependent waits for it to be healthy (container ${target.containerName})`, {
        hint: `add a healthcheck to ${target.service}, or depend on it with condition: service_started`,
      }),
    };
  }
  if (details.health === 'healthy') return { kind: 'healthy' };
  if (details.health === 'unhealthy') {
    return {
      kind: 'failed',
      error: new OperationError(`dependency failed to start: ${svc} is unhealthy (container ${target.containerName})`, {
        hint: `the health check output is in \`docker inspect ${target.containerName}\`; logs with \`stack logs ${target.service}\``,
      }),
    };
  }
  return { kind: 'waiting', state: details.health ?? details.state };
}

/**
 * Wakes a sleeping loop early. `fire()` before `sleep()` is remembered, so a wake-up that
 * lands while the loop is busy inspecting is not lost.
 */
class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  fire(): void {
    this.pending = true;
    this.resolve?.();
  }

  /** Resolves after `ms`, on `fire()`, or when `signal` aborts, whichever comes first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending || signal?.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.resolve = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
      this.resolve = done;
    });
  }
}

/** An AbortController that also aborts when `parent` does. `dispose()` detaches it. */
function childController(parent?: AbortSignal): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  if (!parent) return { controller, dispose: () => controller.abort() };
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    controller,
    dispose: () => {
      parent.removeEventListener('abort', onAbort);
      controller.abort();
    },
  };
}

/**
 * Event actions after which the verdict can differ. Health checks run as execs, so a
 * container with a healthcheck emits exec_create / exec_start / exec_die every interval:
 * those must not each cost an inspect.
 */
function changesHealthVerdict(action: string): boolean {
  return action.startsWith('health_status') || action === 'die' || action === 'destroy' || action === 'oom' || action === 'stop' || action === 'kill';
}

async function waitHealthy(gateway: EngineGateway, target: WaitTarget, options: WaitOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const deadline = startedAt + options.timeoutMs;
  const recheckMs = options.recheckIntervalMs ?? DEFAULT_RECHECK_INTERVAL_MS;
  const { controller, dispose } = childController(options.signal);
  const wake = new Wakeup();
  let knownId: string | undefined;
  let lastState: string | undefined;

  // Follow events in the background. Until the first inspect tells the full id, any event
  // wakes the loop (a spurious wake costs one inspect, a missed one costs nothing either:
  // the re-check timer is there for that).
  const pump = (async () => {
    try {
      const events = gateway.events(
        { types: ['container'], ...(options.eventLabels ? { labels: options.eventLabels } : {}) },
        controller.signal,
      );
      for await (const event of events) {
        if ((knownId === undefined || event.id === knownId) && changesHealthVerdict(event.action)) wake.fire();
      }
    } catch {
      // The stream failed or was aborted: the slow re-check carries on alone.
    }
  })();

  const progress = startProgress(options, () => waitingMessage(target, 'service_healthy', now() - startedAt), () => lastState, now, startedAt);
  try {
    for (;;) {
      if (options.signal?.aborted) throw interrupted(target);
      let details: ContainerDetails;
      try {
        details = await gateway.inspectContainer(knownId ?? target.containerId, controller.signal);
      } catch (e) {
        if (options.signal?.aborted) throw interrupted(target);
        if (e instanceof NotFoundError) throw goneError(target, e);
        throw e;
      }
      knownId = details.id;
      const verdict = judgeHealth(details, target);
      if (verdict.kind === 'healthy') return;
      if (verdict.kind === 'failed') throw verdict.error;
      lastState = verdict.state;
      const remaining = deadline - now();
      if (remaining <= 0) throw timeoutError(target, 'service_healthy', options.timeoutMs, lastState);
      // Sleep until an event for this container, the re-check, or the deadline (then one last look).
      await wake.sleep(Math.min(recheckMs, remaining), options.signal);
    }
  } finally {
    progress.stop();
    dispose();
    // Not awaited: a gateway whose event stream ignored the abort must not hang the wait.
    void pump;
  }
}

async function waitCompleted(gateway: EngineGateway, target: WaitTarget, options: WaitOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const { controller, dispose } = childController(options.signal);
  let timedOut = false;
  const progress = startProgress(options, () => waitingMessage(target, 'service_completed_successfully', now() - startedAt), () => 'running', now, startedAt);
  let timer: NodeJS.Timeout | undefined;
  // The engine's wait call has no deadline (it is a stream): the bound is ours. The race
  // makes the bound hold even if a gateway ignored the abort signal.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(timeoutError(target, 'service_completed_successfully', options.timeoutMs));
    }, Math.max(0, options.timeoutMs));
  });
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => {
      if (!timedOut) reject(interrupted(target));
    }, { once: true });
  });
  // Neither helper promise may surface as an unhandled rejection once the race is settled.
  deadline.catch(() => undefined);
  aborted.catch(() => undefined);
  try {
    let exitCode: number;
    try {
      exitCode = await Promise.race([gateway.waitContainer(target.containerId, 'not-running', controller.signal), deadline, aborted]);
    } catch (e) {
      if (e instanceof OperationError || e instanceof InterruptedError) throw e;
      if (timedOut) throw timeoutError(target, 'service_completed_successfully', options.timeoutMs);
      if (options.signal?.aborted) throw interrupted(target);
      if (e instanceof NotFoundError) throw goneError(target, e);
      throw e;
    }
    if (exitCode !== 0) {
      throw new OperationError(
        `service "${target.service}" didn't complete successfully: exit code ${exitCode} (container ${target.containerName})`,
        { hint: `see its output with \`stack logs ${target.service}\`` },
      );
    }
  } finally {
    clearTimeout(timer);
    progress.stop();
    dispose();
  }
}

function startProgress(
  options: WaitOptions,
  message: () => string,
  state: () => string | undefined,
  now: () => number,
  startedAt: number,
): { stop: () => void } {
  const onProgress = options.onProgress;
  if (!onProgress) return { stop: () => undefined };
  const interval = setInterval(() => {
    const s = state();
    onProgress({ elapsedMs: now() - startedAt, message: message(), ...(s !== undefined ? { state: s } : {}) });
  }, options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS);
  return { stop: () => clearInterval(interval) };
}
