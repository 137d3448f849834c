// What a batch asks of a service besides copying files: restart it, run its `sync+exec`
// commands, rebuild it, or recreate it so that deletions its image cannot make are made.
// Rebuilds, recreates and reloads go through the façade's own `up` (plan, lock, executor), so
// watch never decides how a container is replaced: the planner does, as for any `up`.
//
// Files in place before anything starts: a container created from an image that lacks the
// synced files (httpd serving /www, an app reading its config at start) must not start without
// them. So every `up` of watch runs in two passes, as `upWithFilesInPlace`: create what is
// missing without starting anything, catch up the new containers of services with sync rules,
// then start (an ordinary `up`, which finds only starts left to do).

import type { EngineGateway } from '../engine/gateway.js';
import { OperationError } from '../errors.js';
import type { StackModel, WatchExecSpec } from '../model/types.js';
import type { ReconcileOptions } from '../planner/types.js';
import type { StackEvent } from './events.js';
import { up, type UpOptions } from './up-down.js';
import { isRunning, runInContainer, serviceContainers, type ServiceContainer } from './watch-containers.js';
import type { WatchEvent } from './watch-events.js';

/**
 * `up` with the images façade's build request (the images issue's contract): `always` with
 * `services: [svc]` builds that service now, the others as `auto` does.
 */
export interface BuildRequest {
  readonly policy: 'auto' | 'always' | 'never';
  readonly services?: readonly string[];
}
export type UpWithBuild = UpOptions & { readonly build?: BuildRequest };

export interface ActionContext {
  readonly gateway: EngineGateway;
  readonly projectName: string;
  /** The options every `up` of this watch session starts from (files, engine, services named). */
  readonly upOptions: UpOptions;
  /** Remove the image a rebuild superseded (Compose's `watch --prune`). */
  readonly prune: boolean;
  readonly emit: (event: WatchEvent | StackEvent) => void;
  /** Does this service have sync rules (so its new containers need their files first)? */
  readonly hasSyncRules: (service: string) => boolean;
  /** Catch up every container of these services now (not queued). */
  readonly catchUpNow: (services: readonly string[], reason: string) => Promise<void>;
  /** Aborted when watch stops: a running `up` stops starting new operations. */
  readonly signal: AbortSignal;
  /** Say that the project's containers changed (after an `up` or a restart of watch's own). */
  readonly containersChanged: () => void;
}

/**
 * `up` in two passes (see the header): create without starting, catch up the created
 * containers of services with sync rules, then start. With `noStart` asked, the second pass is
 * left out.
 */
export async function upWithFilesInPlace(ctx: ActionContext, options: UpOptions): Promise<void> {
  const hooks = { onEvent: ctx.emit, signal: ctx.signal };
  const first = await up({ ...options, reconcile: { ...options.reconcile, noStart: true } }, hooks);
  ctx.containersChanged();
  const created = new Set<string>();
  const recreated = new Set<string>();
  for (const op of first.plan.operations) {
    if (op.kind !== 'container.create' || op.service === undefined) continue;
    created.add(op.service);
    if (op.change?.verb === 'recreate') recreated.add(op.service);
  }
  const needFiles = [...created].filter((s) => ctx.hasSyncRules(s)).sort();
  if (needFiles.length > 0) await ctx.catchUpNow(needFiles, 'created');
  if (options.reconcile?.noStart) return;
  await up(startPass(options), hooks);
  ctx.containersChanged();
  await restartDependents(ctx, first.model, recreated, created);
}

/**
 * The planner restarts a running dependent that declares `depends_on: {restart: true}` when its
 * dependency is recreated in the same plan (planner/phases/readiness.ts). With the recreate in
 * the first pass and the start in the second, neither plan holds both: the same rule is applied
 * here, after the start pass, to the dependents neither pass created.
 */
async function restartDependents(ctx: ActionContext, model: StackModel, recreated: ReadonlySet<string>, created: ReadonlySet<string>): Promise<void> {
  const dependents = Object.values(model.services).filter(
    (s) => !created.has(s.name) && Object.keys(s.dependsOn).some((dep) => recreated.has(dep) && s.dependsOn[dep]!.restart),
  );
  if (dependents.length === 0) return;
  const containers = await serviceContainers(ctx.gateway, ctx.projectName);
  const running = dependents.flatMap((s) => (containers.get(s.name) ?? []).filter(isRunning));
  await Promise.all(running.map((c) => ctx.gateway.restartContainer(c.id)));
  ctx.containersChanged();
  for (const c of running) ctx.emit({ type: 'watch-notice', at: Date.now(), service: c.service, message: `restarted ${c.name}: a dependency it declares restart: true on was recreated` });
}

/**
 * The second pass of a two-pass `up`: the first built and recreated what it was asked to; this
 * one must only start (forcing again would replace the containers just caught up).
 */
export function startPass<T extends UpOptions>(options: T): T {
  const { build: _built, ...rest } = options as T & { build?: BuildRequest };
  const { forceRecreate: _force, renewAnonVolumes: _renew, ...reconcile } = options.reconcile ?? {};
  return { ...(rest as T), reconcile };
}

/** Restarts the running containers of a service, in parallel; the log follower re-attaches on its own. */
export async function restartContainers(ctx: ActionContext, containers: readonly ServiceContainer[]): Promise<void> {
  await Promise.all(containers.filter(isRunning).map((c) => ctx.gateway.restartContainer(c.id)));
  ctx.containersChanged();
}

/** Runs a `sync+exec` command in every running container; its output goes out line by line with the container's name. */
export async function execInContainers(ctx: ActionContext, exec: WatchExecSpec, containers: readonly ServiceContainer[]): Promise<void> {
  const env = Object.keys(exec.environment).map((k) => `${k}=${exec.environment[k]}`);
  await Promise.all(
    containers.filter(isRunning).map(async (c) => {
      const result = await runInContainer(
        ctx.gateway,
        c.id,
        {
          cmd: exec.command,
          ...(env.length > 0 ? { env } : {}),
          ...(exec.user !== undefined ? { user: exec.user } : {}),
          ...(exec.workingDir !== undefined ? { workingDir: exec.workingDir } : {}),
          privileged: exec.privileged,
        },
        (stream, text) => ctx.emit({ type: 'watch-exec-output', at: Date.now(), service: c.service, containerName: c.name, number: c.number, stream, text }),
      );
      if (result.exitCode !== 0) throw new OperationError(`${c.name}: \`${exec.command.join(' ')}\` exited with ${result.exitCode}`);
    }),
  );
}

/**
 * Builds the service now and brings the stack to the model: its containers are recreated from
 * the new image (anonymous volumes kept, as for any recreate), the dependents that declare
 * `depends_on: {restart: true}` restart, nothing else changes. With `prune`, the image the
 * service ran before is removed once nothing uses or names it.
 */
export async function rebuildService(ctx: ActionContext, service: string): Promise<void> {
  const before = await imageIdsOf(ctx, service);
  const request: UpWithBuild = { ...ctx.upOptions, build: { policy: 'always', services: [service] } };
  await upWithFilesInPlace(ctx, request);
  if (ctx.prune) await pruneSuperseded(ctx, service, before);
}

/**
 * Replaces a service's containers (anonymous volumes kept), started only if one was running:
 * the way to delete files in a container that cannot run `rm`.
 */
export async function recreateService(ctx: ActionContext, service: string, start: boolean): Promise<void> {
  const reconcile: ReconcileOptions = { services: [service], noDeps: true, forceRecreate: true, ...(start ? {} : { noStart: true }) };
  await upWithFilesInPlace(ctx, { ...ctx.upOptions, reconcile: { ...ctx.upOptions.reconcile, ...reconcile } });
}

async function imageIdsOf(ctx: ActionContext, service: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const c of (await serviceContainers(ctx.gateway, ctx.projectName)).get(service) ?? []) {
    const details = await ctx.gateway.inspectContainer(c.id).catch(() => undefined);
    if (details?.imageId) ids.add(details.imageId);
  }
  return ids;
}

/** Removes images the service no longer runs, once no reference names them and no container uses them (dangling). */
async function pruneSuperseded(ctx: ActionContext, service: string, before: ReadonlySet<string>): Promise<void> {
  const now = await imageIdsOf(ctx, service);
  const inUse = new Set((await ctx.gateway.listContainers({}, { all: true })).map((c) => c.imageId));
  for (const id of before) {
    if (now.has(id) || inUse.has(id)) continue;
    const image = await ctx.gateway.inspectImage(id).catch(() => undefined);
    if (!image || image.repoTags.length > 0) continue;
    try {
      await ctx.gateway.removeImage(id);
      ctx.emit({ type: 'watch-notice', at: Date.now(), service, message: `removed the superseded image ${id.replace(/^sha256:/, '').slice(0, 12)}` });
    } catch (e) {
      ctx.emit({ type: 'watch-notice', at: Date.now(), service, message: `could not remove the superseded image ${id.slice(0, 19)}: ${(e as Error).message}` });
    }
  }
}
