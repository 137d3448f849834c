// plan, up and down: each runs the whole pipeline for one command — load the model, open the
// engine, (lock), observe ONCE, plan purely, execute dumbly, release — and reports what happens
// as events. Nothing here prints; every event and error leaves redacted.

import { readFileSync } from 'node:fs';
import type { LoadOptions } from '../model/load-options.js';
import type { StackModel } from '../model/types.js';
import type { BuildPolicy, Plan, PullOverride, ReconcileOptions } from '../planner/types.js';
import type { ObservedState } from '../api/observed.js';
import { connect, type ConnectRequest, type EngineConnection } from './connect.js';
import type { ImagePorts } from '../engine/image-ports.js';
import { interruptible, sayLeftAlone, type RunHooks } from './events.js';
import { leftAloneOf } from '../api/ownership.js';
import { withProjectLock, type LockOptions } from './lock.js';
import { applyPlan, converge, type ApplyOptions } from './apply.js';
import { loadModel } from './model.js';
import { Project } from './project.js';
import { noRedaction, redactingErrors, redactingHooks, redactorFor } from './redaction.js';
import { resolveTarget, type Target } from './target.js';
import type { ResolveImage } from './swarm.js';
import { engineBaseImages, ImageRun, SETTLED, type ImageInputSource } from './images.js';
import type { ImagesFirst } from './image-phase.js';

export interface CommonOptions extends ConnectRequest, LockOptions, ApplyOptions {
  readonly load: LoadOptions;
  /** `--target`: `engine` or `swarm` (else STACK_TARGET, else `x-stack.target` in the file: target.ts). */
  readonly target?: string;
  /** `--resolve-image` (swarm target). */
  readonly resolveImage?: ResolveImage;
}

export interface PlanOptions extends CommonOptions {
  readonly reconcile?: ReconcileOptions;
  /**
   * When images are built: `auto` (the default) when missing or their build changed,
   * `always` (`up --build`; with `services`, only those), `never` (`up --no-build`).
   */
  readonly build?: BuildPolicy;
  /** `up --pull`: replaces every service's pull_policy. */
  readonly pull?: PullOverride;
}

export interface PlanResult {
  readonly model: StackModel;
  readonly plan: Plan;
  /** Where the plan is for. */
  readonly target?: Target;
}

export interface UpOptions extends PlanOptions {}

export interface UpResult extends PlanResult {
  /** How long the apply took (ms), plan excluded; the images `up` got first included. */
  readonly durationMs: number;
  /** Operations that ran, by status. */
  readonly done: number;
  /** The project on the engine `up` used, for what follows it (attached `up` follows its logs). */
  readonly project: Project;
  /** The image operations `up` ran first (builds, tags, pulls), when it had any; `plan` is what it applied after them. */
  readonly imagePlan?: Plan;
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
  /** Take the project down although its containers were brought up from another folder (`--take-over`). */
  readonly takeOver?: boolean;
}

export interface DownResult {
  readonly target?: Target;
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
    if (resolveTarget(options.target, options.connect.env, model) === 'swarm') {
      const { planOnSwarm } = await import('./swarm.js');
      const { plan: planned } = await planOnSwarm(connection, model, swarmRequest(options), events, stackVersion());
      return { model, plan: planned, target: 'swarm' as const };
    }
    const images = await startImages(model, options, connection);
    return { model, plan: await observeAndReconcile(connection, model, planRequest(options), events, images) };
  });
}

/**
 * Brings the project to the model under the project lock: images first (builds and pulls,
 * image-phase.ts), then observe, plan and apply, observing and planning again if the engine
 * changed under the plan.
 */
export async function up(options: UpOptions, hooks: RunHooks = {}): Promise<UpResult> {
  const model = await loadModel(options.load, hooks);
  const redact = redactorFor({ model });
  const events = redactingHooks(hooks, redact);
  return redactingErrors(redact, async () => {
    const connection = await connect(options);
    if (resolveTarget(options.target, options.connect.env, model) === 'swarm') {
      const { upOnSwarm } = await import('./swarm.js');
      return withProjectLock(connection, model.projectName, 'stack up', options, events, () =>
        converge(events, async () => {
          const applied = await upOnSwarm(connection, model, swarmRequest(options), options, events, stackVersion());
          return { model, ...applied, project: new Project(connection, model.projectName, model), target: 'swarm' as const };
        }),
      );
    }
    return withProjectLock(connection, model.projectName, 'stack up', options, events, async () => {
      const request = planRequest(options);
      const images = await startImages(model, options, connection);
      const ports = images.lazyPorts();
      const { observed, plan: first } = await snapshotAndPlan(connection, model, request, events, images);
      // Said once: the observations `converge` may make again see the same foreign containers.
      sayLeftAlone(events, model.projectName, leftAloneOf(model.projectName, { containers: observed.containers }));
      const imagesStarted = Date.now();
      const gotImages = await imagesFirst(first, {
        gateway: connection.gateway,
        options,
        hooks: events,
        ports,
        replan: (pullFailed) => observeAndReconcile(connection, model, request, events, withPullFailed(images, pullFailed)),
      });
      const imagesDone = Date.now();
      // After the images: plan again from what the engine has now; the first plan's warnings were said.
      let pending: Plan | undefined = gotImages ? undefined : first;
      const said = new Set(gotImages ? first.warnings.map((w) => w.message) : []);
      return converge(events, async () => {
        const planned = pending ?? (await observeAndReconcile(connection, model, request, events, gotImages ? SETTLED : images));
        pending = undefined;
        const result = await applyUp(connection, model, { ...planned, warnings: planned.warnings.filter((w) => !said.has(w.message)) }, options, events, ports);
        if (!gotImages) return result;
        const imagePlan = (await import('../planner/image-plan.js')).imagePart(first);
        return { ...result, imagePlan, durationMs: result.durationMs + (imagesDone - imagesStarted) };
      });
    });
  });
}

/** Runs the plan's image operations first, when it has any (image-phase.ts). Returns whether it did. */
async function imagesFirst(planned: Plan, run: ImagesFirst): Promise<boolean> {
  const { hasImageWork } = await import('../planner/image-plan.js');
  if (!hasImageWork(planned)) return false;
  const { getImagesFirst } = await import('./image-phase.js');
  await getImagesFirst(planned, run);
  return true;
}

async function applyUp(connection: EngineConnection, model: StackModel, planned: Plan, options: UpOptions, events: RunHooks, ports: ImagePorts): Promise<UpResult> {
  const { durationMs, done } = await applyPlan(planned, connection.gateway, options, events, { images: ports, model });
  return { model, plan: planned, durationMs, done, project: new Project(connection, model.projectName, model) };
}

/** The reconcile options of a plan or up: the command's, with its build and pull choices. */
function planRequest(options: PlanOptions): ReconcileOptions {
  return {
    ...options.reconcile,
    ...(options.build !== undefined ? { build: options.build } : {}),
    ...(options.pull !== undefined ? { pull: options.pull } : {}),
  };
}

/** Hashes the builds the plan is about (in scope, not with --no-build). */
async function startImages(model: StackModel, options: PlanOptions, connection: EngineConnection): Promise<ImageRun> {
  const request = options.reconcile ?? {};
  return ImageRun.start(model, {
    env: connection.env,
    endpoint: connection.endpoint,
    baseImage: engineBaseImages(connection.gateway),
    ...(request.services !== undefined ? { services: request.services } : {}),
    ...(request.noDeps ? { noDeps: true } : {}),
    ...(options.build !== undefined ? { build: options.build } : {}),
    ...(options.pull !== undefined ? { pull: options.pull } : {}),
  });
}

/** The run's image inputs, with pulls that failed marked (so that the services that can build are built). */
function withPullFailed(images: ImageInputSource, pullFailed: readonly string[]): ImageInputSource {
  return { inputs: async (observed) => ({ ...(await images.inputs(observed)), pullFailed }) };
}

/** Takes the project down from its labels: containers in reverse dependency order, networks, and with `removeVolumes` its volumes. */
export async function down(options: DownOptions, hooks: RunHooks = {}): Promise<DownResult> {
  const model = options.projectName === undefined ? await loadModel(options.load, hooks) : undefined;
  const projectName = options.projectName ?? model!.projectName;
  const redact = model ? redactorFor({ model }) : noRedaction;
  const events = redactingHooks(hooks, redact);
  return redactingErrors(redact, async () => {
    const connection = await connect(options);
    const said = onlyOnce();
    if (resolveTarget(options.target, options.connect.env, model) === 'swarm') {
      const { downOnSwarm } = await import('./swarm.js');
      return withProjectLock(connection, projectName, 'stack down', options, events, async () => ({
        target: 'swarm' as const,
        projectName,
        ...(await downOnSwarm(connection, projectName, model, options.removeVolumes === true, options, events)),
      }));
    }
    return withProjectLock(connection, projectName, 'stack down', options, events, async () => {
      const { planDown } = await import('../planner/down.js');
      return converge(events, async () => {
        const observed = await observeProject(connection, projectName, model, undefined, events);
        const planned = planDown(observed, {
          removeVolumes: options.removeVolumes === true,
          ...(options.removeOrphans !== undefined ? { removeOrphans: options.removeOrphans } : {}),
          ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
          ...(options.takeOver ? { takeOver: true } : {}),
          ...(model ? { model } : {}),
        });
        // Volumes are only ever removed with -v: only then is leaving one alone worth saying.
        const left = leftAloneOf(projectName, { containers: observed.containers, networks: observed.networks, ...(options.removeVolumes ? { volumes: observed.volumes } : {}) });
        said(() => sayLeftAlone(events, projectName, left));
        const { durationMs } = await applyPlan(planned, connection.gateway, options, events);
        return { projectName, plan: planned, durationMs };
      });
    });
  });
}

function swarmRequest(options: PlanOptions): { reconcile?: ReconcileOptions; resolveImage?: ResolveImage } {
  return { ...(options.reconcile ? { reconcile: options.reconcile } : {}), ...(options.resolveImage ? { resolveImage: options.resolveImage } : {}) };
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
export async function observeAndReconcile(connection: EngineConnection, model: StackModel, request: PlanRequest | undefined, hooks: RunHooks, images?: ImageInputSource): Promise<Plan> {
  return (await snapshotAndPlan(connection, model, request, hooks, images)).plan;
}

/** The snapshot a plan was made from, with the plan. `images`: where the images phase's inputs come from (none: no image facts). */
export async function snapshotAndPlan(
  connection: EngineConnection,
  model: StackModel,
  request: PlanRequest | undefined,
  hooks: RunHooks,
  images?: ImageInputSource,
): Promise<{ observed: ObservedState; plan: Plan }> {
  const [observed, { reconcile }] = await Promise.all([
    observeProject(connection, model.projectName, model, request, hooks),
    import('../planner/reconcile.js'),
  ]);
  const imageInputs = images ? await images.inputs(observed) : undefined;
  return { observed, plan: reconcile(model, observed, { stackVersion: stackVersion(), ...request, ...(imageInputs ? { images: imageInputs } : {}) }) };
}

/** Runs a thing the first time only: what a run says once, although `converge` may observe again. */
function onlyOnce(): (thing: () => void) => void {
  let done = false;
  return (thing) => {
    if (done) return;
    done = true;
    thing();
  };
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
