// What the read-only commands ask of the engine: ps, ls, top, port, and the project's events.
// Nothing here changes the engine or takes the lock; nothing prints. Values come back as plain
// rows the CLI renders. Like every command, they see the containers stack created for the
// project only (api/ownership.ts); the others are left alone, and the hooks hear which. `ls`
// is the exception by design: it lists every project on the engine, whoever made it.
//
// Events echo engine objects' labels, and some labels stack writes carry a container's whole
// spec (environment included): an event never carries a label value that stack wrote
// (`isWrittenByStack`); the service and project are fields of their own instead, and whatever
// is left passes through the redactor.

import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerState, HealthState, ObservedContainer } from '../api/engine-types.js';
import { COMPOSE, isOneOff, isWrittenByStack, ownedFilter } from '../api/labels.js';
import { describeOwner, ownerOf } from '../api/ownership.js';
import type { RunHooks } from './events.js';
import { OperationError } from '../errors.js';
import { connect, type ConnectRequest } from './connect.js';
import { containerNumber, containerService, Project, projectContainers, selectContainers, type ContainerSelection } from './project.js';
import { redactingErrors, redactingHooks, type Redact } from './redaction.js';

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
    service: containerService(c),
    number: containerNumber(c),
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
    oneoff: isOneOff(c.labels),
  };
}

/** The project's containers as rows (`ps`); without `all` only running ones, as in Compose (one-offs included while they run). */
export async function ps(
  project: Project,
  options: { services?: readonly string[]; all?: boolean; status?: readonly string[] } = {},
  hooks: RunHooks = {},
): Promise<PsRow[]> {
  return redactingErrors(project.redact, async () => {
    const containers = await projectContainers(project, { services: options.services ?? [], all: options.all === true, oneoff: true }, redactingHooks(hooks, project.redact));
    const status = options.status ?? [];
    return containers.map(psRow).filter((r) => status.length === 0 || status.includes(r.state));
  });
}

/** The project's containers as rows, selected like the lifecycle commands select them (default: every state, no one-offs). */
export async function containers(project: Project, selection: ContainerSelection = {}, hooks: RunHooks = {}): Promise<PsRow[]> {
  return redactingErrors(project.redact, async () => (await projectContainers(project, selection, redactingHooks(hooks, project.redact))).map(psRow));
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
export async function listProjects(request: ConnectRequest & { readonly all?: boolean }): Promise<ProjectSummary[]> {
  const { gateway } = await connect(request);
  const listed = await gateway.listContainers({ labels: [COMPOSE.project] }, { all: true });
  const byProject = new Map<string, ObservedContainer[]>();
  for (const c of listed) {
    const name = c.labels[COMPOSE.project];
    if (!name) continue;
    byProject.set(name, [...(byProject.get(name) ?? []), c]);
  }
  const out: ProjectSummary[] = [];
  for (const [name, list] of byProject) {
    const counts = Object.create(null) as Record<string, number>;
    for (const c of list) counts[c.state] = (counts[c.state] ?? 0) + 1;
    if (!request.all && !counts.running) continue;
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

/**
 * The container of `service` with number `index` (default 1), running unless `running: false`:
 * for exec, port and top. Only a container stack created: one that merely carries the
 * project's labels under that service and number is named in the error, never used.
 */
export async function serviceContainer(project: Project, service: string, index = 1, options: { running?: boolean } = {}): Promise<ObservedContainer> {
  const { ours, notOurs } = await selectContainers(project, { services: [service] });
  const c = ours.find((x) => containerNumber(x) === index);
  if (!c) {
    const numbers = ours.map(containerNumber);
    const theirs = notOurs.find((x) => containerNumber(x) === index);
    if (theirs) {
      throw new OperationError(`container ${theirs.name} (service "${service}", number ${index}) was ${describeOwner(ownerOf(theirs.labels, project.projectName))}: stack leaves it alone`, {
        hint: numbers.length === 0 ? 'stack acts only on the containers it created: bring the service up with stack up -d, or use docker directly' : `stack's containers of "${service}" are numbered ${numbers.join(', ')} (use --index)`,
      });
    }
    throw new OperationError(
      numbers.length === 0 ? `service "${service}" has no container in project ${project.projectName}` : `service "${service}" has no container number ${index}`,
      { hint: numbers.length === 0 ? 'bring it up first: stack up -d' : `its containers are numbered ${numbers.join(', ')} (use --index)` },
    );
  }
  if ((options.running ?? true) && c.state !== 'running') {
    throw new OperationError(`container ${c.name} is not running (${c.state})`, { hint: `start it: stack start ${service}` });
  }
  return c;
}

/** `stack port web 80`: where the container's port is published, as `ip:port`. */
export async function publishedPort(project: Project, service: string, privatePort: number, options: { protocol?: string; index?: number } = {}): Promise<string> {
  return redactingErrors(project.redact, async () => {
    const c = await serviceContainer(project, service, options.index ?? 1, { running: false });
    const protocol = options.protocol ?? 'tcp';
    const bindings = c.ports.filter((p) => p.privatePort === privatePort && p.type === protocol && p.publicPort !== undefined);
    if (bindings.length === 0) throw new OperationError(`no port ${privatePort}/${protocol} of ${c.name} is published`);
    // Prefer the IPv4 binding the way `docker port` lists it first.
    const b = bindings.find((p) => !p.ip?.includes(':')) ?? bindings[0]!;
    return `${b.ip ?? '0.0.0.0'}:${b.publicPort}`;
  });
}

export interface TopResult {
  readonly container: string;
  readonly service: string;
  readonly titles: readonly string[];
  readonly processes: readonly (readonly string[])[];
}

/** The processes of the project's running containers (`top`). */
export async function top(project: Project, services: readonly string[], hooks: RunHooks = {}): Promise<TopResult[]> {
  return redactingErrors(project.redact, async () => {
    const running = (await projectContainers(project, { services }, redactingHooks(hooks, project.redact))).filter((c) => c.state === 'running');
    const { gateway } = Project.connectionOf(project);
    return Promise.all(
      running.map(async (c) => {
        const r = await gateway.topContainer(c.id);
        return { container: c.name, service: containerService(c), titles: r.titles, processes: r.processes };
      }),
    );
  });
}

// --- events ----------------------------------------------------------------------------------

/** An engine event of the project, safe to show: no label value stack wrote, the rest redacted. */
export interface ProjectEvent {
  /** Nanoseconds since the epoch, as the engine sent it. */
  readonly timeNano: number;
  readonly type: string;
  readonly action: string;
  readonly id: string;
  /** The object's project and service (from its labels); '' when it has none. */
  readonly project: string;
  readonly service: string;
  /** The event's attributes (name, image, exit code, the user's own labels...), without those stack wrote. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** What may be shown of an engine event (see the header). */
export function showableEvent(e: { type: string; action: string; id: string; timeNano: number; attributes: Readonly<Record<string, string>> }, redact: Redact): ProjectEvent {
  const attributes = Object.create(null) as Record<string, string>;
  // Names and image references are scrubbed of secrets only (a value sensitive by field, such
  // as ROLE's `app`, must not cut into `myapp-web-1`); every other attribute (the user's own
  // labels) is free text, redacted with every sensitive value.
  for (const [key, value] of Object.entries(e.attributes)) {
    if (!isWrittenByStack(key)) attributes[key] = key === 'name' || key === 'image' ? redact.names(value) : redact(value);
  }
  return {
    timeNano: e.timeNano,
    type: e.type,
    action: redact(e.action),
    id: e.id,
    project: e.attributes[COMPOSE.project] ?? '',
    service: e.attributes[COMPOSE.service] ?? '',
    attributes,
  };
}

/** The project's engine events until `signal` aborts, reconnecting (with `since`) when the stream ends. */
export async function projectEvents(
  project: Project,
  options: { services?: readonly string[]; signal?: AbortSignal },
  onEvent: (e: ProjectEvent) => void,
): Promise<void> {
  const signal = options.signal ?? new AbortController().signal;
  const services = options.services ?? [];
  const { gateway } = Project.connectionOf(project);
  let since: number | undefined;
  let delayMs = 100;
  // A reconnect replays the last second (`since` is whole seconds): drop what was shown.
  let seenInLastSecond = new Set<string>();
  while (!signal.aborted) {
    try {
      // Events of the objects stack created for the project only (the ownership rule, as a filter).
      for await (const e of gateway.events({ labels: ownedFilter(project.projectName), ...(since !== undefined ? { since } : {}) }, signal)) {
        delayMs = 100;
        const second = Math.floor(e.timeNano / 1e9);
        const key = `${e.timeNano} ${e.type} ${e.action} ${e.id}`;
        if (seenInLastSecond.has(key)) continue;
        if (second !== since) seenInLastSecond = new Set();
        seenInLastSecond.add(key);
        since = second;
        if (services.length > 0 && !services.includes(e.attributes[COMPOSE.service] ?? '')) continue;
        onEvent(showableEvent(e, project.redact));
      }
    } catch {
      if (signal.aborted) break;
      // The daemon went away: keep trying, with backoff, until it answers or we are stopped.
    }
    since ??= Math.floor(Date.now() / 1000);
    await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    delayMs = Math.min(delayMs * 2, 5000);
  }
}
