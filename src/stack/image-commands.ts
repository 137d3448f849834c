// build, pull and push: the image commands. Each loads the model, opens the engine, observes
// once, plans image operations only (planner/image-commands.ts) and applies them with the
// executor, reporting as events; nothing of the project's containers, networks or volumes is
// touched. No project lock: like Compose's, these commands change images only, which the lock
// does not cover (and `watch` rebuilds through `up`, under its lock).

import type { Plan } from '../planner/types.js';
import type { CurrentImage, SkippedImage } from '../planner/image-commands.js';
import type { StackModel } from '../model/types.js';
import { UsageError } from '../errors.js';
import { applyPlan, executePlan } from './apply.js';
import { connect, type EngineConnection } from './connect.js';
import type { RunHooks } from './events.js';
import { engineBaseImages, ImageRun, selectServices } from './images.js';
import { loadModel } from './model.js';
import { redactError, redactingErrors, redactingHooks, redactorFor } from './redaction.js';
import { observeProject, type CommonOptions } from './up-down.js';

export type { SkippedImage } from '../planner/image-commands.js';

export interface ImageCommandOptions extends CommonOptions {
  /** The services (none: all). */
  readonly services?: readonly string[];
}

export interface BuildOptions extends ImageCommandOptions {
  /** Also build the services the named ones depend on (`--with-dependencies`). */
  readonly withDependencies?: boolean;
  readonly noCache?: boolean;
  /** Always try to pull newer versions of the base images (`--pull`). */
  readonly pull?: boolean;
  /** `--build-arg`: over the file's args (values are kept out of every output). */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

export interface BuiltImage {
  readonly service: string;
  readonly image: string;
  /** The id of the image; for a tag, the id the build of the same section gave (when built in this run). */
  readonly imageId?: string;
  /** Bytes of build context sent (builds only). */
  readonly contextBytes?: number;
  readonly durationMs?: number;
  /**
   * Built; tagged from the image of an identical build; or not built at all because the image
   * present was built from the same inputs on the same base images (nothing would change).
   */
  readonly how: 'built' | 'tagged' | 'up-to-date';
}

export interface BuildResult {
  readonly model: StackModel;
  readonly plan: Plan;
  readonly built: readonly BuiltImage[];
  readonly durationMs: number;
}

export interface PullOptions extends ImageCommandOptions {
  /** Also pull the images of the services the named ones depend on (`--include-deps`). */
  readonly includeDeps?: boolean;
  /** A failed pull is reported, and the others go on (`--ignore-pull-failures`). */
  readonly ignorePullFailures?: boolean;
}

export interface PushOptions extends ImageCommandOptions {
  readonly includeDeps?: boolean;
  readonly ignorePushFailures?: boolean;
}

export interface ImageFailure {
  readonly image: string;
  readonly service?: string;
  readonly message: string;
}

export interface TransferResult {
  readonly model: StackModel;
  readonly plan: Plan;
  /** References pulled (or pushed). */
  readonly done: readonly string[];
  /** With --ignore-pull-failures (--ignore-push-failures): what failed. */
  readonly failed: readonly ImageFailure[];
  readonly skipped: readonly SkippedImage[];
}

interface Prepared {
  readonly model: StackModel;
  readonly connection: EngineConnection;
  readonly images: ImageRun;
  readonly plan: Plan;
  readonly skipped: readonly SkippedImage[];
  readonly upToDate: readonly CurrentImage[];
}

/** Load, connect, hash, observe, plan: what the three commands share. */
async function prepare(
  model: StackModel,
  options: ImageCommandOptions,
  command: 'build' | 'pull' | 'push',
  withDependencies: boolean,
  hooks: RunHooks,
  extra: { buildArgs?: Readonly<Record<string, string>>; noCache?: boolean; pullBaseImages?: boolean } = {},
): Promise<Prepared> {
  for (const name of options.services ?? []) {
    if (!model.services[name]) throw new UsageError(`no such service: ${name}`, { hint: `services in this stack: ${Object.keys(model.services).sort().join(', ') || '(none)'}` });
  }
  const connection = await connect(options);
  const services = selectServices(model, { services: options.services ?? [], noDeps: !withDependencies }).map((s) => s.name);
  const images = await ImageRun.start(model, {
    env: connection.env,
    endpoint: connection.endpoint,
    baseImage: engineBaseImages(connection.gateway),
    services,
    noDeps: true,
    ...(command === 'build' ? { build: { policy: 'always' } } : { build: { policy: 'never' } }),
    ...extra,
  });
  const observed = await observeProject(connection, model.projectName, model, undefined, hooks);
  const { planImageCommand } = await import('../planner/image-commands.js');
  const { plan, skipped, upToDate } = planImageCommand(model, observed, { command, services, images: await images.inputs(observed) });
  return { model, connection, images, plan, skipped, upToDate };
}

/** `stack build`: builds the services' images (all with a build section, or those named). */
export async function build(options: BuildOptions, hooks: RunHooks = {}): Promise<BuildResult> {
  const model = await loadModel(options.load, hooks);
  const redact = redactorFor({ model });
  const events = redactingHooks(hooks, redact);
  return redactingErrors(redact, async () => {
    const extra = {
      ...(options.buildArgs !== undefined ? { buildArgs: options.buildArgs } : {}),
      ...(options.noCache ? { noCache: true } : {}),
      ...(options.pull ? { pullBaseImages: true } : {}),
    };
    const prepared = await prepare(model, options, 'build', options.withDependencies === true, events, extra);
    const applied = await applyPlan(prepared.plan, prepared.connection.gateway, options, events, { images: prepared.images.lazyPorts() });
    const ids = new Map<string, string>();
    const built: BuiltImage[] = [];
    for (const outcome of applied.outcomes) {
      const op = prepared.plan.operations.find((o) => o.id === outcome.opId);
      if (op?.kind === 'image.build' && outcome.imageId !== undefined) ids.set(op.image, outcome.imageId);
      if (op?.kind !== 'image.build' && op?.kind !== 'image.tag') continue;
      const imageId = op.kind === 'image.build' ? outcome.imageId : ids.get(op.source);
      built.push({
        service: op.service ?? '',
        image: op.image,
        how: op.kind === 'image.build' ? 'built' : 'tagged',
        ...(imageId !== undefined ? { imageId } : {}),
        ...(outcome.contextBytes !== undefined ? { contextBytes: outcome.contextBytes } : {}),
        ...(outcome.durationMs !== undefined ? { durationMs: outcome.durationMs } : {}),
      });
    }
    for (const current of prepared.upToDate) built.push({ ...current, how: 'up-to-date' });
    return { model, plan: prepared.plan, built, durationMs: applied.durationMs };
  });
}

/** `stack pull`: pulls the services' images as `docker compose pull` decides. */
export async function pull(options: PullOptions, hooks: RunHooks = {}): Promise<TransferResult> {
  return transfer(options, hooks, 'pull', options.includeDeps === true, options.ignorePullFailures === true);
}

/** `stack push`: pushes the images of services with both build and image. */
export async function push(options: PushOptions, hooks: RunHooks = {}): Promise<TransferResult> {
  return transfer(options, hooks, 'push', options.includeDeps === true, options.ignorePushFailures === true);
}

async function transfer(options: ImageCommandOptions, hooks: RunHooks, command: 'pull' | 'push', withDependencies: boolean, ignoreFailures: boolean): Promise<TransferResult> {
  const model = await loadModel(options.load, hooks);
  const redact = redactorFor({ model });
  const events = redactingHooks(hooks, redact);
  return redactingErrors(redact, async () => {
    const prepared = await prepare(model, options, command, withDependencies, events);
    const ports = prepared.images.lazyPorts();
    if (!ignoreFailures) {
      const applied = await applyPlan(prepared.plan, prepared.connection.gateway, options, events, { images: ports });
      return { model, plan: prepared.plan, done: applied.outcomes.filter((o) => o.status === 'done').map((o) => o.target), failed: [], skipped: prepared.skipped };
    }
    const result = await executePlan(prepared.plan, prepared.connection.gateway, options, events, { images: ports });
    const outcomes = result?.outcomes ?? [];
    if (result?.interrupted) throw redactError(result.error!, redactorFor({ plan: prepared.plan }));
    const redactPlan = redactorFor({ plan: prepared.plan });
    const failed = outcomes
      .filter((o) => o.status === 'failed')
      .map((o) => ({ image: o.target, ...(o.service !== undefined ? { service: o.service } : {}), message: redactPlan(o.error?.message ?? 'failed') }));
    return { model, plan: prepared.plan, done: outcomes.filter((o) => o.status === 'done').map((o) => o.target), failed, skipped: prepared.skipped };
  });
}
