// Processes in containers: `stack run` (a one-off container of a service) and `stack exec` (a
// command in a running one). Nothing here prints: output goes to the streams the caller
// passes, progress to its hooks.
//
// `run` in two steps, so the CLI can show progress for the first and hand the terminal to the
// container for the second:
//   1. prepareOneOff, under the project lock: ONE plan, applied by the executor like `up`'s —
//      the service's dependencies (unless noDeps) and the networks and named volumes the
//      service uses (`resourcesFor`: none of its own containers is planned) — then the
//      one-off container is created. Its endpoints name their networks by id, the ids the
//      run left in place (see `networkIdsAfter`), so a second same-named network left by an
//      interrupted run cannot make its start fail as ambiguous (TRAPS), exactly as for `up`.
//   2. startOneOff: attach before start (no output lost), start, pump the streams, wait for the
//      exit code, remove it with --rm.

import type { ProcessIo } from '../engine/exec.js';
import type { OneOffOptions } from '../engine/run.js';
import type { ExecOptions } from '../engine/gateway.js';
import type { Plan } from '../planner/types.js';
import type { ObservedState } from '../api/observed.js';
import type { RunHooks } from './events.js';
import { withProjectLock, type LockOptions } from './lock.js';
import { applyPlan, type ApplyOptions } from './apply.js';
import { snapshotAndPlan, stackVersion } from './up-down.js';
import { Project, requireService } from './project.js';
import { serviceContainer } from './inspect.js';
import { redactingErrors, redactingHooks } from './redaction.js';
import { UsageError } from '../errors.js';

export type { ProcessIo };

export interface OneOffRequest extends Omit<OneOffOptions, 'stackVersion'>, LockOptions, ApplyOptions {
  readonly service: string;
  /** Do not bring up the services it depends on. */
  readonly noDeps: boolean;
}

/** A one-off container, created and not yet started. */
export class OneOff {
  readonly #project: Project;
  readonly #containerId: string;
  /** Its name, `<project>-<service>-run-<12 hex>` unless --name. */
  readonly name: string;

  constructor(project: Project, containerId: string, name: string) {
    this.#project = project;
    this.#containerId = containerId;
    this.name = name;
  }

  static parts(oneOff: OneOff): { project: Project; containerId: string } {
    return { project: oneOff.#project, containerId: oneOff.#containerId };
  }
}

/** Step 1 of `stack run` (see the header): dependencies and resources through a plan, then the container. */
export async function prepareOneOff(project: Project, request: OneOffRequest, hooks: RunHooks = {}): Promise<OneOff> {
  const model = project.model;
  if (!model) throw new UsageError('stack run needs the stack file: it builds the container from the service');
  const service = requireService(model, request.service);
  const events = redactingHooks(hooks, project.redact);
  const connection = Project.connectionOf(project);
  return redactingErrors(project.redact, () =>
    withProjectLock(connection, project.projectName, 'stack run', request, events, async () => {
      const { observed, plan } = await snapshotAndPlan(
        connection,
        model,
        { noDeps: request.noDeps, resourcesFor: [service.name] },
        events,
      );
      const applied = await applyPlan(plan, connection.gateway, request, events, { model });
      const [{ oneOffBody, oneOffName }, { pinNetworkIds }] = await Promise.all([import('../engine/run.js'), import('../planner/container-spec.js')]);
      const body = pinNetworkIds(oneOffBody(model, service, request), networkIdsAfter(observed, plan, applied.createdNetworks));
      const name = request.name ?? oneOffName(project.projectName, service.name);
      return new OneOff(project, await connection.gateway.createContainer(name, body), name);
    }),
  );
}

/**
 * The id of each network name once the plan ran: the network the run created, else the one
 * observed network of that name the plan did not remove (an unused duplicate left by an
 * interrupted run is removed by the plan; the kept one is what remains). Names that are still
 * ambiguous get no id: the engine then says so, as it would have.
 */
export function networkIdsAfter(observed: ObservedState, plan: Plan, created: ReadonlyMap<string, string>): Map<string, string> {
  const removed = new Set(plan.operations.flatMap((op) => (op.kind === 'network.remove' ? [op.networkId] : [])));
  const remaining = new Map<string, string[]>();
  for (const n of observed.networks) {
    if (removed.has(n.id)) continue;
    remaining.set(n.name, [...(remaining.get(n.name) ?? []), n.id]);
  }
  const ids = new Map<string, string>();
  for (const [name, list] of remaining) if (list.length === 1) ids.set(name, list[0]!);
  for (const [name, id] of created) ids.set(name, id);
  return ids;
}

export interface StartOneOffOptions {
  /** Remove the container (and its anonymous volumes) once it exits. */
  readonly rm: boolean;
  /** Start it and return without waiting (`-d`): resolves with 0. */
  readonly detach?: boolean;
  /** Forward `io.stdin` to the process. */
  readonly interactive: boolean;
  readonly io: ProcessIo;
  /** Aborting stops the container (Ctrl-C without a TTY). */
  readonly signal?: AbortSignal;
}

/** Step 2 of `stack run`: resolves with the container's exit code (or 0 when detached: `-d`, or the detach keys). */
export async function startOneOff(oneOff: OneOff, options: StartOneOffOptions): Promise<number> {
  const { project, containerId } = OneOff.parts(oneOff);
  const { gateway } = Project.connectionOf(project);
  return redactingErrors(project.redact, async () => {
    if (options.detach) {
      await gateway.startContainer(containerId);
      return 0;
    }
    let detached = false;
    try {
      const [{ pumpProcessStream }, { followTerminalSize }] = await Promise.all([import('../engine/exec.js'), import('../engine/terminal-size.js')]);
      // Attach before start, so the first line of output is not lost.
      const attached = await gateway.attachContainer(containerId, { stdin: options.interactive });
      const stop = (): void => {
        void gateway.stopContainer(containerId).catch(() => undefined);
      };
      options.signal?.addEventListener('abort', stop, { once: true });
      let stopResizing = (): void => {};
      try {
        await gateway.startContainer(containerId);
        const resize = gateway.resizeContainerTty?.bind(gateway);
        if (attached.tty && options.io.terminal && resize) stopResizing = followTerminalSize(options.io.terminal, (rows, cols) => resize(containerId, rows, cols));
        const end = await pumpProcessStream(attached, options.interactive ? options.io : { stdout: options.io.stdout, stderr: options.io.stderr });
        // Detached (the detach keys): the container keeps running, and is kept even with --rm.
        if (end === 'detached') {
          detached = true;
          return 0;
        }
      } finally {
        stopResizing();
        options.signal?.removeEventListener('abort', stop);
      }
      // The output ended: the process is gone (or going); the engine has the exit code.
      return await gateway.waitContainer(containerId, 'not-running');
    } finally {
      if (options.rm && !detached) await gateway.removeContainer(containerId, { force: true, removeAnonymousVolumes: true });
    }
  });
}

export interface ExecRequest extends Omit<ExecOptions, 'attachStdin'> {
  readonly service: string;
  /** Which replica (container number); default 1. */
  readonly index?: number;
}

/** `stack exec`: the command in the service's running container, with the given streams; resolves with its exit code. */
export async function execInService(project: Project, request: ExecRequest, io: ProcessIo): Promise<number> {
  return redactingErrors(project.redact, async () => {
    const container = await serviceContainer(project, request.service, request.index ?? 1);
    const { execInContainer } = await import('../engine/exec.js');
    const { service: _service, index: _index, ...exec } = request;
    return execInContainer(Project.connectionOf(project).gateway, container.id, { ...exec, attachStdin: io.stdin !== undefined }, io);
  });
}
