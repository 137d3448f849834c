// plan, up and down: each runs the whole pipeline for one command — load the model, open the
// engine, (lock), observe ONCE, plan purely, execute dumbly, release — and reports what happens
// as events. Nothing here prints; every event and error leaves redacted.

import { readFileSync } from 'node:fs';
import type { LoadOptions } from '../model/load-options.js';
import type { StackModel } from '../model/types.js';
import type { Plan, ReconcileOptions } from '../planner/types.js';
import type { ObservedState } from '../api/observed.js';
import { connect, type ConnectRequest, type EngineConnection } from './connect.js';
import { interruptible, type RunHooks } from './events.js';
import { withProjectLock, type LockOptions } from './lock.js';
import { applyPlan, converge, type ApplyOptions } from './apply.js';
import { loadModel } from './model.js';
import { Project } from './project.js';
import { noRedaction, redactingErrors, redactingHooks, redactorFor } from './redaction.js';

export interface CommonOptions extends ConnectRequest, LockOptions, ApplyOptions {
  readonly load: LoadOptions;
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
  /** The project on the engine `up` used, for what follows it (attached `up` follows its logs). */
  readonly project: Project;
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

/** What `up` would do, without the lock and without changing anything. */
export async function plan(options: PlanOptions, hooks: RunHooks = {}): Promise<PlanResult> {
  const model = await loadModel(options.load, hooks);
  const redact = redactorFor({ model });
  const events = redactingHooks(hooks, redact);
  return redactingErrors(redact, async () => {
    const connection = await connect(options);
    return { model, plan: await observeAndReconcile(connection, model, options.reconcile, events) };
  });
}

/** Brings the project to the model: observe once, plan, apply under the project lock. */
export async function up(options: UpOptions, hooks: RunHooks = {}): Promise<UpResult> {
  const model = await loadModel(options.load, hooks);
  const redact = redactorFor({ model });
  const events = redactingHooks(hooks, redact);
  return redactingErrors(redact, async () => {
    const connection = await connect(options);
    return withProjectLock(connection, model.projectName, 'stack up', options, events, () =>
      converge(events, async () => {
        const planned = await observeAndReconcile(connection, model, options.reconcile, events);
        const { durationMs, done } = await applyPlan(planned, connection.gateway, options, events, { model });
        return { model, plan: planned, durationMs, done, project: new Project(connection, model.projectName, model) };
      }),
    );
  });
}

/** Takes the project down from its labels: containers in reverse dependency order, networks, and with `removeVolumes` its volumes. */
export async function down(options: DownOptions, hooks: RunHooks = {}): Promise<DownResult> {
  const model = options.projectName === undefined ? await loadModel(options.load, hooks) : undefined;
  const projectName = options.projectName ?? model!.projectName;
  const redact = model ? redactorFor({ model }) : noRedaction;
  const events = redactingHooks(hooks, redact);
  return redactingErrors(redact, async () => {
    const connection = await connect(options);
    return withProjectLock(connection, projectName, 'stack down', options, events, async () => {
      const { planDown } = await import('../planner/down.js');
      return converge(events, async () => {
        const observed = await observeProject(connection, projectName, model, undefined, events);
        const planned = planDown(observed, {
          removeVolumes: options.removeVolumes === true,
          ...(options.removeOrphans !== undefined ? { removeOrphans: options.removeOrphans } : {}),
          ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
          ...(model ? { model } : {}),
        });
        const { durationMs } = await applyPlan(planned, connection.gateway, options, events);
        return { projectName, plan: planned, durationMs };
      });
    });
  });
}

/** One snapshot of the project (`--scale` makes observe look up the names of the extra replicas too). */
export async function observeProject(
  connection: EngineConnection,
  projectName: string,
  model: StackModel | undefined,
  reconcile: ReconcileOptions | undefined,
  hooks: RunHooks,
): Promise<ObservedState> {
  const { observe } = await import('../engine/observe.js');
  return interruptible(hooks, () =>
    observe(connection.gateway, projectName, model, { ...(reconcile?.scale ? { scale: reconcile.scale } : {}), ...(hooks.signal ? { signal: hooks.signal } : {}) }),
  );
}

/** What `reconcile` is asked: the command's options (for `run`, `resourcesFor` the service whose resources alone are planned). */
export type PlanRequest = ReconcileOptions;

/** Observe once, then plan purely: the plan `up` (and `run`) applies, and `plan` shows. */
export async function observeAndReconcile(connection: EngineConnection, model: StackModel, request: PlanRequest | undefined, hooks: RunHooks): Promise<Plan> {
  return (await snapshotAndPlan(connection, model, request, hooks)).plan;
}

/** The snapshot a plan was made from, with the plan. */
export async function snapshotAndPlan(
  connection: EngineConnection,
  model: StackModel,
  request: PlanRequest | undefined,
  hooks: RunHooks,
): Promise<{ observed: ObservedState; plan: Plan }> {
  const [observed, { reconcile }] = await Promise.all([
    observeProject(connection, model.projectName, model, request, hooks),
    import('../planner/reconcile.js'),
  ]);
  return { observed, plan: reconcile(model, observed, { stackVersion: stackVersion(), ...request }) };
}

let version: string | undefined;

/** Our version, written into labels (`dev.stack.version`). */
export function stackVersion(): string {
  version ??= readVersion();
  return version;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
