// The everyday commands' library side, beside the façade in `stack.ts`: ps, ls, start, stop,
// restart, kill, rm, pause, unpause, top, port, events. Each one works on ONE project's
// containers, found by the project label through the same gateway as `up`; mutating ones take
// the project lock. Where order matters it comes from the containers' own
// `com.docker.compose.depends_on` labels, so these commands work from labels alone (no stack
// file needed with `-p`): start in dependency order, stop in reverse.
//
// Nothing here prints: functions return values; the CLI renders them.

import type { LoadOptions } from './model/load.js';
import type { StackModel } from './model/types.js';
import type { ConnectOptions } from './stack.js';
import type { ContainerState, EngineEvent, EngineGateway, HealthState, ObservedContainer } from './engine/gateway.js';
import type { DependencyCondition } from './model/types.js';
import { setTimeout as sleep } from 'node:timers/promises';
import * as labels from './api/labels.js';
import { COMPOSE } from './api/labels.js';
import { OperationError, UsageError } from './errors.js';

// --- opening a project -----------------------------------------------------------------------

export interface ProjectRequest {
  readonly load: LoadOptions;
  readonly connect: ConnectOptions;
  /** `-p` (or the environment): work from labels alone, without reading the stack file. */
  readonly projectName?: string;
  /** Read the stack file even when the project name is known (e.g. `run` needs the service). */
  readonly needModel?: boolean;
  /** Receives one line per engine call (`--debug`). */
  readonly onDebug?: (line: string) => void;
}

export interface OpenedProject {
  readonly projectName: string;
  readonly model?: StackModel;
  readonly gateway: EngineGateway;
}

export async function openProject(request: ProjectRequest): Promise<OpenedProject> {
  let model: StackModel | undefined;
  let projectName = request.projectName;
  if (projectName === undefined || request.needModel) {
    const { loadModel } = await import('./model/load.js');
    model = await loadModel(request.load);
    projectName ??= model.projectName;
  }
  const { openGateway } = await import('./engine/connect.js');
  const { host, context, env } = request.connect;
  const gateway = await openGateway({
    env,
    ...(host !== undefined ? { host } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(request.connect.debug && request.onDebug ? { debug: request.onDebug } : {}),
  });
  return { projectName, gateway, ...(model ? { model } : {}) };
}

/** Runs `body` holding the project lock (the same lock `up` and `down` take). */
export async function withProjectLock<T>(gateway: EngineGateway, projectName: string, command: string, body: () => Promise<T>): Promise<T> {
  const { acquireProjectLock } = await import('./engine/lock.js');
  const info = await gateway.info();
  const lock = await acquireProjectLock({ projectName, endpoint: info.endpoint, waitMs: 60_000, command });
  try {
    return await body();
  } finally {
    await lock.release();
  }
}

// --- the project's containers ----------------------------------------------------------------

export interface ContainerSelection {
  /** Only these services; empty: all. */
  readonly services?: readonly string[];
  /** Stopped containers too (default true: lifecycle commands act on every state they apply to). */
  readonly all?: boolean;
  /** One-off (`run`) containers too. */
  readonly oneoff?: boolean;
}

export const serviceOf = (c: ObservedContainer): string => labels.serviceOf(c.labels);
export const numberOf = (c: ObservedContainer): number => labels.displayNumberOf(c.labels);
export const isOneOff = (c: ObservedContainer): boolean => labels.isOneOff(c.labels);

/** The project's containers, sorted by service then number then name. */
export async function projectContainers(
  gateway: EngineGateway,
  projectName: string,
  selection: ContainerSelection = {},
  model?: StackModel,
): Promise<ObservedContainer[]> {
  const services = selection.services ?? [];
  if (model) {
    const unknown = services.filter((s) => !Object.hasOwn(model.services, s) && !model.disabledServices.includes(s));
    if (unknown.length > 0) throw new UsageError(`no such service: ${unknown.join(', ')}`, { hint: `services in the stack file: ${Object.keys(model.services).sort().join(', ')}` });
  }
  const listed = await gateway.listContainers({ labels: [`${COMPOSE.project}=${projectName}`] }, { all: selection.all ?? true });
  return listed
    .filter((c) => (selection.oneoff === true || !isOneOff(c)) && (services.length === 0 || services.includes(serviceOf(c))))
    .sort((a, b) => serviceOf(a).localeCompare(serviceOf(b)) || numberOf(a) - numberOf(b) || a.name.localeCompare(b.name));
}

/**
 * Services in start order, grouped in levels: every service comes after the services it
 * depends on (per the labels of its containers). Dependencies outside the set are ignored;
 * a cycle (which `up` refuses) falls back to name order rather than looping.
 */
export function startOrder(containers: readonly ObservedContainer[]): string[][] {
  const deps = new Map<string, Set<string>>();
  for (const c of containers) {
    const s = serviceOf(c);
    const set = deps.get(s) ?? new Set<string>();
    for (const d of labels.parseDependsOn(c.labels[COMPOSE.dependsOn])) set.add(d.service);
    deps.set(s, set);
  }
  const levels: string[][] = [];
  const placed = new Set<string>();
  const remaining = new Set(deps.keys());
  while (remaining.size > 0) {
    const ready = [...remaining].filter((s) => [...deps.get(s)!].every((d) => placed.has(d) || !deps.has(d))).sort();
    const level = ready.length > 0 ? ready : [...remaining].sort();
    for (const s of level) {
      placed.add(s);
      remaining.delete(s);
    }
    levels.push(level);
  }
  return levels;
}

/** Runs `action` on containers level by level (all of a level at once). */
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
    const inLevel = containers.filter((c) => level.includes(serviceOf(c)));
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

export interface ActionResult {
  /** Names of the containers acted on. */
  readonly done: readonly string[];
  readonly failed: readonly { readonly name: string; readonly error: unknown }[];
}

const isUp = (state: ContainerState): boolean => state === 'running' || state === 'paused' || state === 'restarting';

/** Starts the stopped containers of the services, dependencies first, honouring their conditions. */
export async function startServices(
  gateway: EngineGateway,
  projectName: string,
  services: readonly string[],
  options: { waitTimeoutMs?: number; model?: StackModel } = {},
): Promise<ActionResult> {
  const containers = await projectContainers(gateway, projectName, { services }, options.model);
  const levels = startOrder(containers);
  const { waitForCondition } = await import('./engine/waits.js');
  const waitTimeoutMs = options.waitTimeoutMs ?? 120_000;
  // Before a level starts, the conditions its services declare on earlier services must hold.
  const waitForDependencies = async (level: readonly string[]): Promise<void> => {
    const waits: Promise<void>[] = [];
    for (const c of containers.filter((x) => level.includes(serviceOf(x)))) {
      for (const dep of labels.parseDependsOn(c.labels[COMPOSE.dependsOn])) {
        if (dep.condition === 'service_started') continue;
        for (const d of containers.filter((x) => serviceOf(x) === dep.service)) {
          waits.push(
            waitForCondition(gateway, { containerId: d.id, containerName: d.name, service: dep.service }, dep.condition, {
              timeoutMs: waitTimeoutMs,
              eventLabels: [`${COMPOSE.project}=${projectName}`],
            }),
          );
        }
      }
    }
    await Promise.all(waits);
  };
  return inLevels(
    containers,
    levels,
    async (c) => {
      if (!isUp(c.state)) await gateway.startContainer(c.id);
    },
    waitForDependencies,
  );
}

/** Stops the running containers of the services, dependents first. */
export async function stopServices(gateway: EngineGateway, projectName: string, services: readonly string[], options: { timeoutSeconds?: number; model?: StackModel } = {}): Promise<ActionResult> {
  const containers = await projectContainers(gateway, projectName, { services }, options.model);
  return inLevels(containers, [...startOrder(containers)].reverse(), async (c) => {
    if (isUp(c.state)) await gateway.stopContainer(c.id, options.timeoutSeconds);
  });
}

/** Restarts the containers of the services, dependencies first. */
export async function restartServices(gateway: EngineGateway, projectName: string, services: readonly string[], options: { timeoutSeconds?: number; model?: StackModel } = {}): Promise<ActionResult> {
  const containers = await projectContainers(gateway, projectName, { services }, options.model);
  return inLevels(containers, startOrder(containers), async (c) => {
    await gateway.restartContainer(c.id, options.timeoutSeconds);
  });
}

/** Sends a signal (default SIGKILL) to the running containers of the services, all at once. */
export async function killServices(gateway: EngineGateway, projectName: string, services: readonly string[], options: { signal?: string; model?: StackModel } = {}): Promise<ActionResult> {
  const containers = (await projectContainers(gateway, projectName, { services }, options.model)).filter((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused');
  return inLevels(containers, [containers.map(serviceOf)], (c) => gateway.killContainer(c.id, options.signal ?? 'SIGKILL'));
}

export async function pauseServices(gateway: EngineGateway, projectName: string, services: readonly string[], model?: StackModel): Promise<ActionResult> {
  const containers = (await projectContainers(gateway, projectName, { services }, model)).filter((c) => c.state === 'running');
  return inLevels(containers, [containers.map(serviceOf)], (c) => gateway.pauseContainer(c.id));
}

export async function unpauseServices(gateway: EngineGateway, projectName: string, services: readonly string[], model?: StackModel): Promise<ActionResult> {
  const containers = (await projectContainers(gateway, projectName, { services }, model)).filter((c) => c.state === 'paused');
  return inLevels(containers, [containers.map(serviceOf)], (c) => gateway.unpauseContainer(c.id));
}

/**
 * Removes the STOPPED containers of the services (running ones only with `stop`, which stops
 * them first, dependents first). Anonymous volumes go too with `volumes`.
 */
export async function removeServices(
  gateway: EngineGateway,
  projectName: string,
  services: readonly string[],
  options: { stop?: boolean; volumes?: boolean; timeoutSeconds?: number; model?: StackModel } = {},
): Promise<ActionResult & { stillRunning: readonly string[] }> {
  if (options.stop) {
    const stopped = await stopServices(gateway, projectName, services, options);
    if (stopped.failed.length > 0) return { ...stopped, done: [], stillRunning: [] };
  }
  const containers = await projectContainers(gateway, projectName, { services, oneoff: true }, options.model);
  const removable = containers.filter((c) => !isUp(c.state));
  const stillRunning = containers.filter((c) => isUp(c.state)).map((c) => c.name);
  const result = await inLevels(removable, [removable.map(serviceOf)], (c) =>
    gateway.removeContainer(c.id, { force: false, removeAnonymousVolumes: options.volumes === true }),
  );
  return { ...result, stillRunning };
}

// --- ps ------------------------------------------------------------------------------------

export interface PsRow {
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly number: number;
  readonly project: string;
  readonly image: string;
  readonly state: ContainerState;
  readonly health?: HealthState;
  readonly exitCode?: number;
  /** The engine's status text (`Up 3 seconds (healthy)`). */
  readonly status: string;
  readonly created: number;
  readonly ports: readonly { readonly ip?: string; readonly publicPort?: number; readonly privatePort: number; readonly protocol: string }[];
  readonly oneoff: boolean;
}

export function psRow(c: ObservedContainer): PsRow {
  return {
    id: c.id,
    name: c.name,
    service: serviceOf(c),
    number: numberOf(c),
    project: c.labels[COMPOSE.project] ?? '',
    image: c.image,
    state: c.state,
    ...(c.health !== undefined ? { health: c.health } : {}),
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    status: c.status,
    created: c.created,
    ports: [...c.ports]
      .sort((a, b) => a.privatePort - b.privatePort || (a.publicPort ?? 0) - (b.publicPort ?? 0) || (a.ip ?? '').localeCompare(b.ip ?? ''))
      .map((p) => ({ ...(p.ip ? { ip: p.ip } : {}), ...(p.publicPort !== undefined ? { publicPort: p.publicPort } : {}), privatePort: p.privatePort, protocol: p.type })),
    oneoff: isOneOff(c),
  };
}

export async function ps(
  gateway: EngineGateway,
  projectName: string,
  options: { services?: readonly string[]; all?: boolean; status?: readonly string[]; model?: StackModel } = {},
): Promise<PsRow[]> {
  // Without -a only running containers, as in Compose (one-offs included while they run).
  const containers = await projectContainers(gateway, projectName, { services: options.services ?? [], all: options.all === true, oneoff: true }, options.model);
  const status = options.status ?? [];
  return containers.map(psRow).filter((r) => status.length === 0 || status.includes(r.state));
}

// --- ls ------------------------------------------------------------------------------------

export interface ProjectSummary {
  readonly name: string;
  /** `running(2), exited(1)`, as Compose writes it. */
  readonly status: string;
  readonly counts: Readonly<Record<string, number>>;
  /** From the `config_files` label, comma separated. */
  readonly configFiles: string;
  readonly workingDir: string;
}

/** Projects on the engine (any container carrying a Compose project label). Without `all`, only those with a running container. */
export async function listProjects(gateway: EngineGateway, options: { all?: boolean } = {}): Promise<ProjectSummary[]> {
  const containers = await gateway.listContainers({ labels: [COMPOSE.project] }, { all: true });
  const byProject = new Map<string, ObservedContainer[]>();
  for (const c of containers) {
    const name = c.labels[COMPOSE.project];
    if (!name) continue;
    byProject.set(name, [...(byProject.get(name) ?? []), c]);
  }
  const out: ProjectSummary[] = [];
  for (const [name, list] of byProject) {
    const counts = Object.create(null) as Record<string, number>;
    for (const c of list) counts[c.state] = (counts[c.state] ?? 0) + 1;
    if (!options.all && !counts.running) continue;
    const files = new Set<string>();
    for (const c of list) for (const f of (c.labels[COMPOSE.configFiles] ?? '').split(',')) if (f) files.add(f);
    out.push({
      name,
      status: Object.keys(counts).sort().map((s) => `${s}(${counts[s]})`).join(', '),
      counts,
      configFiles: [...files].join(','),
      workingDir: list.find((c) => c.labels[COMPOSE.workingDir])?.labels[COMPOSE.workingDir] ?? '',
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// --- one container of a service ----------------------------------------------------------------

/** The running container of `service` with number `index` (default 1), for exec, port and top. */
export async function serviceContainer(
  gateway: EngineGateway,
  projectName: string,
  service: string,
  index = 1,
  options: { running?: boolean; model?: StackModel } = {},
): Promise<ObservedContainer> {
  const containers = await projectContainers(gateway, projectName, { services: [service] }, options.model);
  const c = containers.find((x) => numberOf(x) === index);
  if (!c) {
    const numbers = containers.map(numberOf);
    throw new OperationError(
      numbers.length === 0 ? `service "${service}" has no container in project ${projectName}` : `service "${service}" has no container number ${index}`,
      { hint: numbers.length === 0 ? 'bring it up first: stack up -d' : `its containers are numbered ${numbers.join(', ')} (use --index)` },
    );
  }
  if ((options.running ?? true) && c.state !== 'running') {
    throw new OperationError(`container ${c.name} is not running (${c.state})`, { hint: `start it: stack start ${service}` });
  }
  return c;
}

/** `stack port web 80`: where the container's port is published, as `ip:port`. */
export async function publishedPort(
  gateway: EngineGateway,
  projectName: string,
  service: string,
  privatePort: number,
  options: { protocol?: string; index?: number; model?: StackModel } = {},
): Promise<string> {
  const c = await serviceContainer(gateway, projectName, service, options.index ?? 1, { running: false, ...(options.model ? { model: options.model } : {}) });
  const protocol = options.protocol ?? 'tcp';
  const bindings = c.ports.filter((p) => p.privatePort === privatePort && p.type === protocol && p.publicPort !== undefined);
  if (bindings.length === 0) throw new OperationError(`no port ${privatePort}/${protocol} of ${c.name} is published`);
  // Prefer the IPv4 binding the way `docker port` lists it first.
  const b = bindings.find((p) => !p.ip?.includes(':')) ?? bindings[0]!;
  return `${b.ip ?? '0.0.0.0'}:${b.publicPort}`;
}

export interface TopResult {
  readonly container: string;
  readonly service: string;
  readonly titles: readonly string[];
  readonly processes: readonly (readonly string[])[];
}

export async function top(gateway: EngineGateway, projectName: string, services: readonly string[], model?: StackModel): Promise<TopResult[]> {
  const containers = (await projectContainers(gateway, projectName, { services }, model)).filter((c) => c.state === 'running');
  return Promise.all(
    containers.map(async (c) => {
      const r = await gateway.topContainer(c.id);
      return { container: c.name, service: serviceOf(c), titles: r.titles, processes: r.processes };
    }),
  );
}

// --- events ----------------------------------------------------------------------------------

/** The project's engine events until `signal` aborts, reconnecting (with `since`) when the stream ends. */
export async function projectEvents(
  gateway: EngineGateway,
  projectName: string,
  options: { services?: readonly string[]; signal?: AbortSignal },
  onEvent: (e: EngineEvent) => void,
): Promise<void> {
  const signal = options.signal ?? new AbortController().signal;
  const services = options.services ?? [];
  let since: number | undefined;
  let delayMs = 100;
  // A reconnect replays the last second (`since` is whole seconds): drop what was shown.
  let seenInLastSecond = new Set<string>();
  while (!signal.aborted) {
    try {
      for await (const e of gateway.events({ labels: [`${COMPOSE.project}=${projectName}`], ...(since !== undefined ? { since } : {}) }, signal)) {
        delayMs = 100;
        const second = Math.floor(e.timeNano / 1e9);
        const key = `${e.timeNano} ${e.type} ${e.action} ${e.id}`;
        if (seenInLastSecond.has(key)) continue;
        if (second !== since) seenInLastSecond = new Set();
        seenInLastSecond.add(key);
        since = second;
        if (services.length > 0 && !services.includes(e.attributes[COMPOSE.service] ?? '')) continue;
        onEvent(e);
      }
    } catch (e) {
      if (signal.aborted) break;
      // The daemon went away: keep trying, with backoff, until it answers or we are stopped.
    }
    since ??= Math.floor(Date.now() / 1000);
    await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    delayMs = Math.min(delayMs * 2, 5000);
  }
}

// --- run -----------------------------------------------------------------------------------

export interface RunOneOffOptions extends Omit<import('./engine/run.js').OneOffOptions, 'stackVersion'> {
  readonly service: string;
  /** Remove the container (and its anonymous volumes) once it exits. */
  readonly rm: boolean;
  readonly noDeps: boolean;
  /** Start it and return its name without waiting (`-d`). */
  readonly detach?: boolean;
  readonly io: import('./engine/exec.js').ProcessIo;
  /** Brings the dependencies up (the CLI runs the façade's `up` with its progress display). */
  readonly startDependencies?: (services: readonly string[]) => Promise<void>;
  /** Aborting stops the container (Ctrl-C without a TTY). */
  readonly signal?: AbortSignal;
  readonly onCreated?: (containerName: string) => void;
}

/**
 * `stack run`: dependencies up first (unless noDeps), the networks and named volumes the
 * service uses created if missing, then a one-off container with stdio attached before it
 * starts (no output lost). Resolves with the container's exit code (or 0 when detached).
 */
export async function runOneOff(project: OpenedProject, options: RunOneOffOptions): Promise<number> {
  const { model, gateway, projectName } = project;
  if (!model) throw new UsageError('stack run needs the stack file: it builds the container from the service');
  const service = Object.hasOwn(model.services, options.service) ? model.services[options.service] : undefined;
  if (!service) {
    const disabled = model.disabledServices.includes(options.service);
    throw new UsageError(disabled ? `service ${options.service} is disabled by its profiles` : `no such service: ${options.service}`, {
      hint: disabled ? 'enable one of its profiles with --profile' : `services in the stack file: ${Object.keys(model.services).sort().join(', ')}`,
    });
  }
  const deps = Object.keys(service.dependsOn).filter((d) => Object.hasOwn(model.services, d));
  if (!options.noDeps && deps.length > 0 && options.startDependencies) await options.startDependencies(deps);

  const { oneOffBody, oneOffName } = await import('./engine/run.js');
  const { pumpProcessStream } = await import('./engine/exec.js');
  const body = oneOffBody(model, service, options);
  const name = options.name ?? oneOffName(projectName, service.name);
  const containerId = await withProjectLock(gateway, projectName, 'stack run', async () => {
    await ensureResources(gateway, model, service);
    return gateway.createContainer(name, body);
  });
  options.onCreated?.(name);
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed || !options.rm) return;
    removed = true;
    await gateway.removeContainer(containerId, { force: true, removeAnonymousVolumes: true });
  };
  try {
    if (options.detach) {
      await gateway.startContainer(containerId);
      return 0;
    }
    // Attach before start, so the first line of output is not lost.
    const attached = await gateway.attachContainer(containerId, { stdin: options.interactive });
    const stop = (): void => {
      void gateway.stopContainer(containerId).catch(() => undefined);
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      await gateway.startContainer(containerId);
      await pumpProcessStream(attached, options.interactive ? options.io : { stdout: options.io.stdout, stderr: options.io.stderr });
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
    // The output ended: the process is gone (or going); the engine has the exit code.
    return await gateway.waitContainer(containerId, 'not-running');
  } finally {
    if (!options.detach) await remove();
  }
}

/** Creates the networks and named volumes `service` uses that do not exist yet (nothing else). */
async function ensureResources(gateway: EngineGateway, model: StackModel, service: import('./model/types.js').ServiceSpec): Promise<void> {
  const [{ observe }, { planNetworks }, { planVolumes }] = await Promise.all([
    import('./engine/observe.js'),
    import('./network/plan.js'),
    import('./volume/plan.js'),
  ]);
  const observed = await observe(gateway, model.projectName, model);
  const netProblems = { missingExternal: [] as string[], foreign: [] as string[] };
  const volProblems = { missingExternal: [] as string[], foreign: [] as string[], refusedChanges: [] as string[] };
  const networks = planNetworks(model, observed, service.networkMode === undefined ? Object.keys(service.networks) : [], netProblems);
  const volumes = planVolumes(
    model,
    observed,
    service.mounts.filter((m) => m.type === 'volume' && m.source !== undefined).map((m) => m.source!),
    false,
    volProblems,
  );
  const problems = [
    ...netProblems.missingExternal.map((n) => `external network ${n} does not exist`),
    ...netProblems.foreign.map((n) => `network ${n} exists but was not created by stack`),
    ...volProblems.missingExternal.map((v) => `external volume ${v} does not exist`),
    ...volProblems.foreign.map((v) => `volume ${v} exists but was not created by stack`),
  ];
  if (problems.length > 0) throw new OperationError(`cannot run ${service.name}: ${problems.join('; ')}`);
  for (const n of networks) if (n.action === 'create') await gateway.createNetwork(n.body);
  for (const v of volumes) if (v.action === 'create') await gateway.createVolume(v.body);
}
