// One project on one engine, opened for the everyday commands (ps, logs, exec, run, start,
// stop...): its name, its model when the stack file was read, and the engine connection,
// which stays inside the façade. The CLI holds a Project and passes it back; it never sees the
// gateway, so it cannot reach past the façade to the engine.

import type { LoadOptions } from '../model/load-options.js';
import type { ServiceSpec, StackModel } from '../model/types.js';
import type { ObservedContainer } from '../api/engine-types.js';
import type { EngineGateway } from '../engine/gateway.js';
import { displayNumberOf, isOneOff, projectFilter, serviceOf } from '../api/labels.js';
import { leftAloneOf, splitByOwnership } from '../api/ownership.js';
import { sayLeftAlone, type RunHooks } from './events.js';
import { connect, type ConnectOptions, type EngineConnection } from './connect.js';
import { loadModel } from './model.js';
import { noRedaction, redactorFor, type Redact } from './redaction.js';
import { UsageError } from '../errors.js';

export interface ProjectRequest {
  readonly load: LoadOptions;
  readonly connect: ConnectOptions;
  /** `-p` (or the environment): work from labels alone, without reading the stack file. */
  readonly projectName?: string;
  /** Read the stack file even when the project name is known (e.g. `run` needs the service). */
  readonly needModel?: boolean;
  /** An engine already open (tests with an in-memory engine). */
  readonly gateway?: EngineGateway;
}

export class Project {
  readonly #connection: EngineConnection;
  readonly projectName: string;
  /** The model, when the stack file was read. */
  readonly model: StackModel | undefined;
  /** Redacts the model's sensitive values (nothing without a model). */
  readonly redact: Redact;

  constructor(connection: EngineConnection, projectName: string, model?: StackModel) {
    this.#connection = connection;
    this.projectName = projectName;
    this.model = model;
    this.redact = model ? redactorFor({ model }) : noRedaction;
  }

  /** The engine connection, for the façade's own modules (not exported from the index). */
  static connectionOf(project: Project): EngineConnection {
    return project.#connection;
  }
}

/** Reads the stack file when needed (or when no project name was given) and opens the engine. */
export async function openProject(request: ProjectRequest): Promise<Project> {
  let model: StackModel | undefined;
  if (request.projectName === undefined || request.needModel) model = await loadModel(request.load);
  const projectName = request.projectName ?? model!.projectName;
  const connection = await connect({ connect: request.connect, ...(request.gateway ? { gateway: request.gateway } : {}) });
  return new Project(connection, projectName, model);
}

/** The service of the model by name, or a UsageError that lists the services there are. */
export function requireService(model: StackModel, name: string): ServiceSpec {
  const service = Object.hasOwn(model.services, name) ? model.services[name] : undefined;
  if (service) return service;
  const disabled = model.disabledServices.includes(name);
  throw new UsageError(disabled ? `service ${name} is disabled by its profiles` : `no such service: ${name}`, {
    hint: disabled ? 'enable one of its profiles with --profile' : `services in the stack file: ${Object.keys(model.services).sort().join(', ')}`,
  });
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

export const containerService = (c: ObservedContainer): string => serviceOf(c.labels);
export const containerNumber = (c: ObservedContainer): number => displayNumberOf(c.labels);

/** The containers of a selection, split by the one ownership rule (api/ownership.ts). */
export interface SelectedContainers {
  /** Created by stack for this project: what the commands act on. */
  readonly ours: ObservedContainer[];
  /** Carrying the project's labels, but not created by stack for it: left alone. */
  readonly notOurs: ObservedContainer[];
}

/**
 * The project's containers that match the selection, split into ours and the rest, each sorted
 * by service then number then name. Unknown services are a usage error when the model is known.
 */
export async function selectContainers(project: Project, selection: ContainerSelection = {}): Promise<SelectedContainers> {
  const services = selection.services ?? [];
  const model = project.model;
  if (model) {
    const unknown = services.filter((s) => !Object.hasOwn(model.services, s) && !model.disabledServices.includes(s));
    if (unknown.length > 0) throw new UsageError(`no such service: ${unknown.join(', ')}`, { hint: `services in the stack file: ${Object.keys(model.services).sort().join(', ')}` });
  }
  const { gateway } = Project.connectionOf(project);
  const listed = await gateway.listContainers({ labels: projectFilter(project.projectName) }, { all: selection.all ?? true });
  const selected = listed
    .filter((c) => (selection.oneoff === true || !isOneOff(c.labels)) && (services.length === 0 || services.includes(containerService(c))))
    .sort((a, b) => containerService(a).localeCompare(containerService(b)) || containerNumber(a) - containerNumber(b) || a.name.localeCompare(b.name));
  return splitByOwnership(selected, project.projectName);
}

/**
 * The project's containers that are ours (see `selectContainers`): what every everyday command
 * acts on. The others are left alone, and `hooks` hears which (a `left-alone` event).
 */
export async function projectContainers(project: Project, selection: ContainerSelection = {}, hooks: RunHooks = {}): Promise<ObservedContainer[]> {
  const { ours, notOurs } = await selectContainers(project, selection);
  sayLeftAlone(hooks, project.projectName, leftAloneOf(project.projectName, { containers: notOurs }));
  return ours;
}
