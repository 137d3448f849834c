// An in-memory swarm manager for unit tests: the SwarmGateway calls plus the network calls the
// swarm target makes, kept as plain state. What it does, written down because tests lean on it:
//   - createService / updateService store the body as sent; an update must name the current
//     version (else it throws, as the engine does: "update out of sequence"), and bumps it;
//   - a service's secret and config references must carry the id of an existing object
//     (the engine checks ids, it does not look names up): a blank or unknown id throws;
//   - removeConfig / removeSecret refuse one that a service refers to (the engine answers 400);
//   - names are unique per kind (409 ConflictError on a second create);
//   - `calls` records every mutating call as `<method> <name>`, for "nothing was sent" checks;
//   - tasks exist only when a test puts them there (`tasks`), with `containerLabels` as given.

import type { EngineGateway, ListFilter, NetworkCreateBody, ObservedNetwork } from '../../src/engine/gateway.js';
import type { SwarmGateway } from '../../src/engine/swarm-gateway.js';
import type { ObservedNode, ObservedService, ObservedSwarmFile, ObservedTask, ServiceSpecBody, SwarmFileCreateBody, SwarmInfo, TaskFilter } from '../../src/api/swarm-types.js';
import { ConflictError, EngineApiError, NotFoundError } from '../../src/errors.js';
import { Readable } from 'node:stream';

interface StoredService {
  id: string;
  version: number;
  body: ServiceSpecBody;
  updateState?: string;
  updateMessage?: string;
}

const matches = (labels: Readonly<Record<string, string>>, filter: ListFilter): boolean =>
  (filter.labels ?? []).every((l) => {
    const [k, v] = l.split('=');
    return v === undefined ? k! in labels : labels[k!] === v;
  });

export class MemorySwarm implements SwarmGateway {
  readonly services = new Map<string, StoredService>();
  readonly configs = new Map<string, ObservedSwarmFile & { data: string }>();
  readonly secrets = new Map<string, ObservedSwarmFile & { data: string }>();
  readonly networks = new Map<string, ObservedNetwork>();
  tasks: ObservedTask[] = [];
  readonly calls: string[] = [];
  private next = 1;
  notManager = false;

  private id(prefix: string): string {
    return `${prefix}${String(this.next++).padStart(4, '0')}`;
  }

  private refuseIfNotManager(): void {
    if (this.notManager) throw new EngineApiError('list services', 'This node is not a swarm manager.', undefined, 503);
  }

  async swarmInfo(): Promise<SwarmInfo> {
    return this.notManager
      ? { localNodeState: 'inactive', controlAvailable: false, nodeId: '', nodes: 0, managers: 0 }
      : { localNodeState: 'active', controlAvailable: true, nodeId: 'n1', nodes: 3, managers: 3 };
  }

  async listServices(filter: ListFilter): Promise<ObservedService[]> {
    this.refuseIfNotManager();
    return [...this.services.values()].map((s) => this.observed(s)).filter((s) => matches(s.labels, filter));
  }

  private observed(s: StoredService): ObservedService {
    const c = s.body.TaskTemplate.ContainerSpec;
    const mode = Object.keys(s.body.Mode)[0]!;
    return {
      id: s.id,
      name: s.body.Name,
      version: s.version,
      labels: { ...s.body.Labels },
      mode: mode === 'Replicated' ? 'replicated' : mode === 'Global' ? 'global' : mode === 'ReplicatedJob' ? 'replicated-job' : 'global-job',
      ...('Replicated' in s.body.Mode ? { replicas: s.body.Mode.Replicated.Replicas } : {}),
      image: c.Image,
      forceUpdate: s.body.TaskTemplate.ForceUpdate ?? 0,
      containerLabels: { ...(c.Labels ?? {}) },
      secretNames: (c.Secrets ?? []).map((r) => r.SecretName),
      configNames: (c.Configs ?? []).map((r) => r.ConfigName),
      ...(s.updateState ? { updateState: s.updateState } : {}),
      ...(s.updateMessage ? { updateMessage: s.updateMessage } : {}),
      createdAt: '',
      updatedAt: '',
    };
  }

  private checkRefs(body: ServiceSpecBody): void {
    const c = body.TaskTemplate.ContainerSpec;
    for (const r of c.Secrets ?? []) if (!this.secrets.has(r.SecretID)) throw new NotFoundError('create service', `secret not found: ${r.SecretName} (id '${r.SecretID}')`);
    for (const r of c.Configs ?? []) if (!this.configs.has(r.ConfigID)) throw new NotFoundError('create service', `config not found: ${r.ConfigName} (id '${r.ConfigID}')`);
  }

  async createService(body: ServiceSpecBody): Promise<string> {
    if ([...this.services.values()].some((s) => s.body.Name === body.Name)) throw new ConflictError('create service', `service ${body.Name} already exists`);
    this.checkRefs(body);
    const id = this.id('svc');
    this.services.set(id, { id, version: 1, body });
    this.calls.push(`createService ${body.Name}`);
    return id;
  }

  async updateService(id: string, version: number, body: ServiceSpecBody): Promise<{ warnings: string[] }> {
    const s = this.services.get(id);
    if (!s) throw new NotFoundError('update service', `service ${id} not found`);
    if (s.version !== version) throw new EngineApiError('update service', 'update out of sequence', undefined, 500);
    this.checkRefs(body);
    s.body = body;
    s.version++;
    this.calls.push(`updateService ${body.Name}`);
    return { warnings: [] };
  }

  async removeService(id: string): Promise<void> {
    const s = this.services.get(id);
    if (!s) throw new NotFoundError('remove service', `service ${id} not found`);
    this.services.delete(id);
    this.calls.push(`removeService ${s.body.Name}`);
  }

  async serviceLogs(): Promise<Readable> {
    return Readable.from([]);
  }

  async listTasks(filter: TaskFilter): Promise<ObservedTask[]> {
    return this.tasks.filter((t) => !filter.services?.length || filter.services.includes(t.serviceId));
  }

  async listNodes(): Promise<ObservedNode[]> {
    return [];
  }

  private files(kind: 'config' | 'secret') {
    return kind === 'config' ? this.configs : this.secrets;
  }

  private async createFile(kind: 'config' | 'secret', body: SwarmFileCreateBody): Promise<string> {
    const store = this.files(kind);
    if ([...store.values()].some((f) => f.name === body.Name)) throw new ConflictError(`create ${kind}`, `${kind} ${body.Name} already exists`);
    const id = this.id(kind);
    store.set(id, { id, name: body.Name, labels: { ...body.Labels }, createdAt: '', data: body.Data });
    this.calls.push(`create${kind === 'config' ? 'Config' : 'Secret'} ${body.Name}`);
    return id;
  }

  private async removeFile(kind: 'config' | 'secret', id: string): Promise<void> {
    const f = this.files(kind).get(id);
    if (!f) throw new NotFoundError(`remove ${kind}`, `${kind} ${id} not found`);
    const inUse = [...this.services.values()].some((s) => (kind === 'config' ? s.body.TaskTemplate.ContainerSpec.Configs ?? [] : s.body.TaskTemplate.ContainerSpec.Secrets ?? []).some((r) => ('SecretID' in r ? r.SecretID : r.ConfigID) === id));
    if (inUse) throw new EngineApiError(`remove ${kind}`, `${kind} '${f.name}' is in use`, undefined, 400);
    this.files(kind).delete(id);
    this.calls.push(`remove${kind === 'config' ? 'Config' : 'Secret'} ${f.name}`);
  }

  async listConfigs(filter: ListFilter): Promise<ObservedSwarmFile[]> {
    this.refuseIfNotManager();
    return [...this.configs.values()].filter((f) => matches(f.labels, filter));
  }
  async listSecrets(filter: ListFilter): Promise<ObservedSwarmFile[]> {
    this.refuseIfNotManager();
    return [...this.secrets.values()].filter((f) => matches(f.labels, filter));
  }
  createConfig(body: SwarmFileCreateBody): Promise<string> {
    return this.createFile('config', body);
  }
  createSecret(body: SwarmFileCreateBody): Promise<string> {
    return this.createFile('secret', body);
  }
  removeConfig(id: string): Promise<void> {
    return this.removeFile('config', id);
  }
  removeSecret(id: string): Promise<void> {
    return this.removeFile('secret', id);
  }

  async resolveImageDigest(): Promise<string | undefined> {
    return undefined;
  }

  // ---- the EngineGateway calls the swarm target makes -------------------------------------

  async info() {
    return { version: 'memory', apiVersion: '1.41', os: 'linux', arch: 'x86_64', ncpu: 2, endpoint: 'memory' };
  }

  async listNetworks(filter: ListFilter): Promise<ObservedNetwork[]> {
    this.refuseIfNotManager();
    return [...this.networks.values()].filter((n) => matches(n.labels, filter));
  }

  async createNetwork(body: NetworkCreateBody): Promise<string> {
    const id = this.id('net');
    this.networks.set(id, {
      id,
      name: body.Name,
      driver: body.Driver ?? 'bridge',
      labels: { ...(body.Labels ?? {}) },
      internal: body.Internal ?? false,
      attachable: body.Attachable ?? false,
      enableIpv6: false,
      options: {},
      ipam: { driver: 'default', config: [] },
      created: '',
    });
    this.calls.push(`createNetwork ${body.Name}`);
    return id;
  }

  async removeNetwork(id: string): Promise<void> {
    const n = this.networks.get(id);
    if (!n) throw new NotFoundError('remove network', `network ${id} not found`);
    this.networks.delete(id);
    this.calls.push(`removeNetwork ${n.name}`);
  }

  /** As an EngineGateway for the executor and the façade (only the calls above are ever made). */
  asEngine(): EngineGateway & SwarmGateway {
    return this as unknown as EngineGateway & SwarmGateway;
  }
}
