// The lifecycle commands: start, stop, restart, kill, rm, pause, unpause. Each works on ONE
// project's containers, found by the project label, under the project lock (lock.ts: the
// same lock, wait and lock-wait event as `up`). Where order matters it comes from the
// containers' own `com.docker.compose.depends_on` labels (api/dependency-order.ts), so these
// commands work from labels alone (no stack file needed with `-p`): start in dependency
// order, stop in reverse.
//
// Ownership: each acts only on the containers stack created for the project
// (`projectContainers`, the one rule of api/ownership.ts); those that merely carry the
// project's labels are left alone, and the hooks hear which (a `left-alone` event).
//
// Nothing here prints: each returns which containers it acted on and which failed (errors
// redacted); the CLI renders them.

import type { ContainerState, ObservedContainer } from '../api/engine-types.js';
import { COMPOSE, parseDependsOn } from '../api/labels.js';
import { startOrder } from '../api/dependency-order.js';
import type { RunHooks } from './events.js';
import { withProjectLock, type LockOptions } from './lock.js';
import { containerService, Project, projectContainers } from './project.js';
import { redactError, redactingErrors, redactingHooks } from './redaction.js';

export interface ActionResult {
  /** Names of the containers acted on. */
  readonly done: readonly string[];
  readonly failed: readonly { readonly name: string; readonly error: unknown }[];
}

export interface LifecycleOptions extends LockOptions {
  /**
   * False: act without taking the project lock. Only for attached `up` ending its own run on
   * Ctrl-C or an abort policy: that stop is bounded and followed by a kill, and must never
   * wait behind another run. Default true.
   */
  readonly lock?: boolean;
}

const isUp = (state: ContainerState): boolean => state === 'running' || state === 'paused' || state === 'restarting';

/** Default bound on each dependency wait of `start` (as `up`'s waits, the engine's health checks must fit). */
const DEFAULT_START_WAIT_MS = 120_000;

/** Starts the stopped containers of the services, dependencies first, honouring their conditions. */
export async function startServices(
  project: Project,
  services: readonly string[],
  options: LifecycleOptions & { readonly waitTimeoutMs?: number } = {},
  hooks: RunHooks = {},
): Promise<ActionResult> {
  return act(project, 'stack start', options, hooks, async (events) => {
    const containers = await projectContainers(project, { services }, events);
    const { gateway } = Project.connectionOf(project);
    const waitTimeoutMs = options.waitTimeoutMs ?? DEFAULT_START_WAIT_MS;
    return inLevels(
      containers,
      startOrder(containers),
      async (c) => {
        if (!isUp(c.state)) await gateway.startContainer(c.id);
      },
      (level) => waitForDependencies(project, containers, level, waitTimeoutMs),
    );
  });
}

/** Before a level starts, the conditions its services declare on earlier services must hold. */
async function waitForDependencies(project: Project, containers: readonly ObservedContainer[], level: readonly string[], timeoutMs: number): Promise<void> {
  const { waitForCondition } = await import('../engine/waits.js');
  const { gateway } = Project.connectionOf(project);
  const waits: Promise<void>[] = [];
  for (const c of containers.filter((x) => level.includes(containerService(x)))) {
    for (const dep of parseDependsOn(c.labels[COMPOSE.dependsOn])) {
      if (dep.condition === 'service_started') continue;
      for (const d of containers.filter((x) => containerService(x) === dep.service)) {
        waits.push(
          waitForCondition(gateway, { containerId: d.id, containerName: d.name, service: dep.service }, dep.condition, {
            timeoutMs,
            eventLabels: [`${COMPOSE.project}=${project.projectName}`],
          }),
        );
      }
    }
  }
  await Promise.all(waits);
}

/** Stops the running containers of the services, dependents first. */
export async function stopServices(
  project: Project,
  services: readonly string[],
  options: LifecycleOptions & { readonly timeoutSeconds?: number } = {},
  hooks: RunHooks = {},
): Promise<ActionResult> {
  return act(project, 'stack stop', options, hooks, (events) => stopUnlocked(project, services, options.timeoutSeconds, events));
}

async function stopUnlocked(project: Project, services: readonly string[], timeoutSeconds: number | undefined, events: RunHooks): Promise<ActionResult> {
  const containers = await projectContainers(project, { services }, events);
  const { gateway } = Project.connectionOf(project);
  return inLevels(containers, [...startOrder(containers)].reverse(), async (c) => {
    if (isUp(c.state)) await gateway.stopContainer(c.id, timeoutSeconds);
  });
}

/** Restarts the containers of the services, dependencies first. */
export async function restartServices(
  project: Project,
  services: readonly string[],
  options: LifecycleOptions & { readonly timeoutSeconds?: number } = {},
  hooks: RunHooks = {},
): Promise<ActionResult> {
  return act(project, 'stack restart', options, hooks, async (events) => {
    const containers = await projectContainers(project, { services }, events);
    const { gateway } = Project.connectionOf(project);
    return inLevels(containers, startOrder(containers), (c) => gateway.restartContainer(c.id, options.timeoutSeconds));
  });
}

/** Sends a signal (default SIGKILL) to the running containers of the services, all at once. */
export async function killServices(
  project: Project,
  services: readonly string[],
  options: LifecycleOptions & { readonly signal?: string } = {},
  hooks: RunHooks = {},
): Promise<ActionResult> {
  return act(project, 'stack kill', options, hooks, async (events) => {
    const containers = (await projectContainers(project, { services }, events)).filter((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused');
    const { gateway } = Project.connectionOf(project);
    return inLevels(containers, [containers.map(containerService)], (c) => gateway.killContainer(c.id, options.signal ?? 'SIGKILL'));
  });
}

export async function pauseServices(project: Project, services: readonly string[], options: LifecycleOptions = {}, hooks: RunHooks = {}): Promise<ActionResult> {
  return act(project, 'stack pause', options, hooks, async (events) => {
    const containers = (await projectContainers(project, { services }, events)).filter((c) => c.state === 'running');
    const { gateway } = Project.connectionOf(project);
    return inLevels(containers, [containers.map(containerService)], (c) => gateway.pauseContainer(c.id));
  });
}

export async function unpauseServices(project: Project, services: readonly string[], options: LifecycleOptions = {}, hooks: RunHooks = {}): Promise<ActionResult> {
  return act(project, 'stack unpause', options, hooks, async (events) => {
    const containers = (await projectContainers(project, { services }, events)).filter((c) => c.state === 'paused');
    const { gateway } = Project.connectionOf(project);
    return inLevels(containers, [containers.map(containerService)], (c) => gateway.unpauseContainer(c.id));
  });
}

export interface RemoveResult extends ActionResult {
  /** Containers left because they run (without `stop`). */
  readonly stillRunning: readonly string[];
}

/**
 * Removes the STOPPED containers of the services (running ones only with `stop`, which stops
 * them first, dependents first), one-off containers included. Anonymous volumes go too with
 * `volumes`.
 */
export async function removeServices(
  project: Project,
  services: readonly string[],
  options: LifecycleOptions & { readonly stop?: boolean; readonly volumes?: boolean; readonly timeoutSeconds?: number } = {},
  hooks: RunHooks = {},
): Promise<RemoveResult> {
  return act(project, 'stack rm', options, hooks, async (events) => {
    if (options.stop) {
      // What is left alone is said once, by the listing below (it includes one-offs).
      const stopped = await stopUnlocked(project, services, options.timeoutSeconds, {});
      if (stopped.failed.length > 0) return { ...stopped, done: [], stillRunning: [] };
    }
    const containers = await projectContainers(project, { services, oneoff: true }, events);
    const removable = containers.filter((c) => !isUp(c.state));
    const stillRunning = containers.filter((c) => isUp(c.state)).map((c) => c.name);
    const { gateway } = Project.connectionOf(project);
    const result = await inLevels(removable, [removable.map(containerService)], (c) =>
      gateway.removeContainer(c.id, { force: false, removeAnonymousVolumes: options.volumes === true }),
    );
    return { ...result, stillRunning };
  });
}

/** Takes the lock (unless told not to), runs the action (with the redacting hooks), and redacts everything that leaves. */
async function act<R extends ActionResult>(project: Project, command: string, options: LifecycleOptions, hooks: RunHooks, body: (events: RunHooks) => Promise<R>): Promise<R> {
  const events = redactingHooks(hooks, project.redact);
  const run = async (): Promise<R> => {
    const result = await body(events);
    return { ...result, failed: result.failed.map((f) => ({ name: f.name, error: redactError(f.error, project.redact) })) } as R;
  };
  return redactingErrors(project.redact, () =>
    options.lock === false ? run() : withProjectLock(Project.connectionOf(project), project.projectName, command, options, events, run),
  );
}

/** Runs `action` on containers level by level (all of a level at once); stops after a level with a failure. */
async function inLevels(
  containers: readonly ObservedContainer[],
  levels: readonly string[][],
  action: (c: ObservedContainer) => Promise<void>,
  between?: (nextLevel: readonly string[]) => Promise<void>,
): Promise<ActionResult> {
  const done: string[] = [];
  const failed: { name: string; error: unknown }[] = [];
  for (const [i, level] of levels.entries()) {
    if (i > 0 && between) await between(level);
    const inLevel = containers.filter((c) => level.includes(containerService(c)));
    await Promise.all(
      inLevel.map(async (c) => {
        try {
          await action(c);
          done.push(c.name);
        } catch (e) {
          failed.push({ name: c.name, error: e });
        }
      }),
    );
    if (failed.length > 0) break;
  }
  return { done: done.sort(), failed };
}
