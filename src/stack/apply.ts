// Applying a plan: the executor walks it, its events go out redacted, and the first failure
// (or an interruption) comes back as the error. Shared by up, down and run, so a plan is
// applied one way whichever command made it.

import type { EngineGateway } from '../engine/gateway.js';
import type { ProgressEvent } from '../engine/progress.js';
import type { ExecutionResult, OperationOutcome } from '../engine/executor.js';
import type { ImagePorts } from '../engine/image-ports.js';
import type { Plan } from '../planner/types.js';
import { ConflictError, InterruptedError, NotFoundError } from '../errors.js';
import { projectFilter } from '../api/labels.js';
import type { StackModel } from '../model/types.js';
import { strayDuplicates } from '../network/stray-duplicates.js';
import { explainFailure, failedOperation, removeUnstartedCreations } from './failures.js';
import { planSteps, type RunHooks, type StackEvent } from './events.js';
import { pause } from '../api/pause.js';
import { redactError, redactingListener, redactorFor } from './redaction.js';

export interface ApplyOptions {
  /** Engine operations at once (`--parallel`); default follows the engine's CPUs. */
  readonly parallel?: number;
}


export interface Applied {
  /** How long the apply took (ms). */
  readonly durationMs: number;
  /** Operations that ran to completion. */
  readonly done: number;
  /** Networks this run created: id by name. */
  readonly createdNetworks: ReadonlyMap<string, string>;
  /** Every operation's outcome, in plan order. */
  readonly outcomes: readonly OperationOutcome[];
}

/**
 * What a run needs besides the plan: the image ports (context tars, credentials) when it has
 * image operations, and the model, for its errors (a failed start names its `ports` entry).
 */
export interface ApplyExtras {
  readonly images?: ImagePorts;
  readonly model?: StackModel;
}

/**
 * Runs a plan with the executor, forwarding its events redacted with the plan's own sensitive
 * values (on top of whatever the caller's hooks redact). Throws the first failure.
 */
export async function applyPlan(planned: Plan, gateway: EngineGateway, options: ApplyOptions, hooks: RunHooks, extras: ApplyExtras = {}): Promise<Applied> {
  const redact = redactorFor({ plan: planned });
  const emit = redactingListener(hooks.onEvent, redact);
  const result = await executePlan(planned, gateway, options, hooks, extras);
  if (result === undefined) return { durationMs: 0, done: 0, createdNetworks: new Map(), outcomes: [] };
  if (result.error) {
    await removeUnstartedCreations(planned, result, gateway, emit);
    throw redactError(explainFailure(result.error, failedOperation(planned, result), extras.model), redact);
  }
  if (result.interrupted || hooks.signal?.aborted) {
    throw new InterruptedError('interrupted: the run stopped before finishing its plan', { hint: 'run the same command again to finish it' });
  }
  if (result.createdNetworks.size > 0) await removeStrayNetworks(planned.projectName, result.createdNetworks, gateway, emit);
  return { durationMs: result.durationMs, done: result.outcomes.filter((o) => o.status === 'done').length, createdNetworks: result.createdNetworks, outcomes: result.outcomes };
}

/**
 * Announces the plan and runs it; the result as the executor gives it (failures included, not
 * thrown), for callers that decide what a failure means (`pull --ignore-pull-failures`, a pull
 * a build replaces). Undefined for an empty plan: no executor, no engine info call (a no-op
 * `up` should cost one observe).
 */
export async function executePlan(planned: Plan, gateway: EngineGateway, options: ApplyOptions, hooks: RunHooks, extras: ApplyExtras = {}): Promise<ExecutionResult | undefined> {
  const redact = redactorFor({ plan: planned });
  const emit = redactingListener(hooks.onEvent, redact);
  emit({
    type: 'plan',
    at: Date.now(),
    projectName: planned.projectName,
    steps: planSteps(planned),
    warnings: planned.warnings.map((w) => w.message),
  });
  if (planned.operations.length === 0) return undefined;
  const { execute } = await import('../engine/executor.js');
  return execute(planned, gateway, {
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
    onEvent: (e: ProgressEvent) => emit(e),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(extras.images ? { images: extras.images } : {}),
  });
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
export async function converge<T>(hooks: RunHooks, pass: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pass();
    } catch (e) {
      const stale = e instanceof ConflictError || e instanceof NotFoundError;
      if (!stale || attempt >= MAX_PASSES || hooks.signal?.aborted) throw e;
      hooks.onEvent?.({ type: 'warning', at: Date.now(), message: `the engine changed while the plan was applied (${(e as Error).message}); observing again` });
      await pause(PASS_PAUSE_MS * attempt, hooks.signal);
    }
  }
}
