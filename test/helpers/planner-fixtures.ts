// Builders for planner tests: StackModel / ServiceSpec literals with every field defaulted,
// and a tiny engine simulator that applies a plan to an ObservedState the way the engine
// would (names unique, a missing object is an error), so tests can check that applying a
// plan converges (the next plan is empty) and that a run cut after ANY operation is finished
// by the next one.
//
// The simulator's rules, written down: ids are `c1`, `n1`... in creation order; a container
// is created `created` with the networks of its NetworkingConfig and the volume mounts of its
// HostConfig.Mounts; start → `running` (and `healthy` when it has a healthcheck, unless the
// test scripted otherwise); stop → `exited (0)`; creating a name that exists, or touching
// an object that does not, throws. Containers carry engine times (`times`) from a clock that
// ticks once per create and per start or restart.

import { STACK } from '../../src/api/labels.js';
import { canonicalHash } from '../../src/model/hash.js';
import { pathSegment, pathsHolding, stringsOf, valueAt } from '../../src/model/sensitive.js';
import type {
  DependsOnSpec,
  MountSpec,
  NetworkSpec,
  SecretSpec,
  ServiceNetworkSpec,
  ServiceSpec,
  StackModel,
  VolumeSpec,
} from '../../src/model/types.js';
import type { ObservedContainer, ObservedNetwork, ObservedVolume } from '../../src/engine/gateway.js';
import type { ObservedState } from '../../src/api/observed.js';
import type { ContainerRef, Operation, Plan } from '../../src/planner/types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableContainer = Omit<Mutable<ObservedContainer>, 'networks' | 'labels'> & {
  networks: Record<string, ObservedContainer['networks'][string]>;
  labels: Record<string, string>;
};

function nullDict<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

export function attachment(overrides: Partial<ServiceNetworkSpec> = {}): ServiceNetworkSpec {
  return { aliases: [], linkLocalIps: [], driverOpts: nullDict(), priority: 0, ...overrides };
}

export function dependsOn(condition: DependsOnSpec['condition'] = 'service_started', overrides: Partial<DependsOnSpec> = {}): DependsOnSpec {
  return { condition, restart: false, required: true, implicit: false, ...overrides };
}

export function namedVolumeMount(source: string, target: string, overrides: Partial<MountSpec> = {}): MountSpec {
  return { type: 'volume', source, target, readOnly: false, volume: { nocopy: false }, ...overrides };
}

export function anonymousMount(target: string): MountSpec {
  return { type: 'volume', target, readOnly: false, volume: { nocopy: false } };
}

export function bindMount(source: string, target: string, readOnly = false): MountSpec {
  return { type: 'bind', source, target, readOnly, bind: { createHostPath: true } };
}

export type ServiceOverrides = Partial<Omit<ServiceSpec, 'environment' | 'labels' | 'networks' | 'dependsOn'>> & {
  environment?: Record<string, string>;
  labels?: Record<string, string>;
  networks?: Record<string, ServiceNetworkSpec>;
  dependsOn?: Record<string, DependsOnSpec>;
};

export function service(name: string, overrides: ServiceOverrides = {}): ServiceSpec {
  const { environment, labels, networks, dependsOn: deps, ...rest } = overrides;
  return {
    name,
    image: 'stack-test/busybox:1',
    groupAdd: [],
    environment: nullDict(environment),
    envFiles: [],
    labels: nullDict(labels),
    annotations: nullDict(),
    scale: 1,
    profiles: [],
    dependsOn: nullDict(deps),
    ports: [],
    expose: [],
    mounts: [],
    tmpfs: [],
    volumesFrom: [],
    networks: nullDict(networks ?? (rest.networkMode === undefined ? { default: attachment() } : {})),
    links: [],
    externalLinks: [],
    dns: [],
    dnsSearch: [],
    dnsOpt: [],
    extraHosts: [],
    healthcheckDisabled: false,
    tty: false,
    stdinOpen: false,
    privileged: false,
    readOnly: false,
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    sysctls: nullDict(),
    ulimits: nullDict(),
    devices: [],
    storageOpt: nullDict(),
    resources: {},
    secrets: [],
    configs: [],
    watch: [],
    attach: true,
    extensions: nullDict(),
    ...rest,
  };
}

export function networkSpec(project: string, key: string, overrides: Partial<NetworkSpec> = {}): NetworkSpec {
  return {
    key,
    name: `${project}_${key}`,
    external: false,
    driverOpts: nullDict(),
    internal: false,
    attachable: false,
    labels: nullDict(),
    ...overrides,
  };
}

export function volumeSpec(project: string, key: string, overrides: Partial<VolumeSpec> = {}): VolumeSpec {
  return { key, name: `${project}_${key}`, external: false, driverOpts: nullDict(), labels: nullDict(), ...overrides };
}

export interface ModelInput {
  readonly project?: string;
  readonly services: readonly ServiceSpec[];
  readonly networks?: readonly NetworkSpec[];
  readonly volumes?: readonly VolumeSpec[];
  readonly secrets?: readonly SecretSpec[];
  readonly configs?: readonly SecretSpec[];
  readonly disabledServices?: readonly string[];
  /** Secret values (model.secretValues); the fields holding them become model.sensitivePaths. */
  readonly sensitiveValues?: readonly string[];
  /** Sensitive fields by path besides those (`services.app.environment.ROLE`). */
  readonly sensitivePaths?: readonly string[];
}

/** A model; networks and volumes that services use but the input does not declare are added. */
export function model(input: ModelInput): StackModel {
  const project = input.project ?? 'demo';
  const networks = nullDict<NetworkSpec>();
  const volumes = nullDict<VolumeSpec>();
  for (const n of input.networks ?? []) networks[n.key] = n;
  for (const v of input.volumes ?? []) volumes[v.key] = v;
  const services = nullDict<ServiceSpec>();
  for (const s of input.services) {
    services[s.name] = s;
    for (const key of Object.keys(s.networks)) networks[key] ??= networkSpec(project, key);
    for (const m of s.mounts) if (m.type === 'volume' && m.source !== undefined) volumes[m.source] ??= volumeSpec(project, m.source);
  }
  return {
    projectName: project,
    projectDirectory: `/work/${project}`,
    configFiles: [`/work/${project}/stack.yaml`],
    services,
    disabledServices: input.disabledServices ?? [],
    networks,
    volumes,
    secrets: nullDict(Object.fromEntries((input.secrets ?? []).map((x) => [x.key, x]))),
    configs: nullDict(Object.fromEntries((input.configs ?? []).map((x) => [x.key, x]))),
    profiles: [],
    activeProfiles: [],
    ...sensitiveFields(services, input.sensitiveValues ?? [], input.sensitivePaths ?? []),
    warnings: [],
    extensions: nullDict(),
  };
}

/** As the loader records them (model/sensitive.ts): the given secrets, the fields holding them, and the given paths. */
function sensitiveFields(
  services: Record<string, ServiceSpec>,
  secrets: readonly string[],
  extraPaths: readonly string[],
): Pick<StackModel, 'sensitivePaths' | 'sensitiveValues' | 'secretValues' | 'holdsOutsideValues'> {
  const paths = new Set(extraPaths);
  for (const name of Object.keys(services)) for (const p of pathsHolding(services[name], pathSegment('services', name), secrets)) paths.add(p);
  const values = new Set(secrets);
  for (const p of paths) for (const v of stringsOf(valueAt({ services }, p))) values.add(v);
  return { sensitivePaths: [...paths].sort(), sensitiveValues: [...values].sort(), secretValues: [...secrets].sort(), holdsOutsideValues: secrets.length > 0 };
}

/** Image ids the simulated engine has: every reference resolves to a stable fake id. */
export function imageIdFor(reference: string): string {
  return `sha256:${canonicalHash(reference)}`;
}

export function emptyObserved(projectName = 'demo', images: readonly string[] = ['stack-test/busybox:1']): ObservedState {
  return {
    projectName,
    containers: [],
    networks: [],
    volumes: [],
    images: Object.fromEntries(images.map((i) => [i, imageIdFor(i)])),
    foreignByName: { containers: [], networks: [], volumes: [] },
  };
}

export interface SimulatorOptions {
  /** Apply only the first `limit` operations (a run killed after that many). */
  readonly limit?: number;
  /** Apply only these operations (a run killed with these done, in any DAG-respecting order). */
  readonly only?: ReadonlySet<string>;
  /** Health a started container reports, by container name (default: healthy when it has a healthcheck). */
  readonly health?: Readonly<Record<string, 'healthy' | 'unhealthy' | 'starting'>>;
}

/** Applies a plan's operations, in plan order, to a copy of `observed`. */
export function applyPlan(plan: Plan, observed: ObservedState, options: SimulatorOptions = {}): ObservedState {
  const containers: MutableContainer[] = observed.containers.map((c) => ({ ...c, labels: { ...c.labels }, networks: { ...c.networks }, mounts: [...c.mounts] }));
  const networks: ObservedNetwork[] = [...observed.networks];
  const volumes: ObservedVolume[] = [...observed.volumes];
  const images: Record<string, string> = { ...observed.images };
  const buildHashes: Record<string, string> = { ...(observed.imageBuildHashes ?? {}) };
  const buildBases: Record<string, string> = { ...(observed.imageBuildBases ?? {}) };
  let seq = containers.length + networks.length + volumes.length;
  const nextId = (prefix: string) => `${prefix}${++seq}`;
  // The engine's clock, as observe reads it (ContainerTimes): one tick per create or start,
  // going on from the latest time already observed, so reruns keep the order.
  let clock = Math.max(0, ...containers.flatMap((c) => [c.times?.createdUs ?? 0, c.times?.startedUs ?? 0]));
  const tick = () => ++clock;
  const find = (r: ContainerRef) => {
    const c = r.id !== undefined ? containers.find((x) => x.id === r.id) : containers.find((x) => x.name === r.name);
    if (!c) throw new Error(`simulator: no container ${r.id ?? r.name}`);
    return c;
  };
  // Like the engine: an endpoint's NetworkID wins; a bare name shared by two networks is refused.
  const networkFor = (name: string, networkId?: string) => {
    if (networkId !== undefined) {
      const byId = networks.find((x) => x.id === networkId);
      if (!byId) throw new Error(`simulator: no network ${networkId}`);
      return byId;
    }
    const named = networks.filter((x) => x.name === name);
    if (named.length > 1) throw new Error(`simulator: network ${name} is ambiguous (${named.length} matches found on name)`);
    if (!named[0]) throw new Error(`simulator: no network ${name}`);
    return named[0];
  };
  let ops: readonly Operation[] = options.limit === undefined ? plan.operations : plan.operations.slice(0, options.limit);
  if (options.only) ops = ops.filter((o) => options.only!.has(o.id));
  for (const op of ops) {
    switch (op.kind) {
      case 'image.pull':
        images[op.image] = imageIdFor(op.image);
        break;
      case 'image.build':
        // The same inputs give the same id, as the builder's cache does.
        images[op.image] = imageIdFor(`${op.image} built from ${op.buildHash ?? 'a remote context'}`);
        // The engine puts every tag of the build on the image.
        for (const tag of op.options.tags ?? []) images[tag] = images[op.image]!;
        if (op.buildHash !== undefined) buildHashes[op.image] = op.buildHash;
        else delete buildHashes[op.image];
        if (op.options.labels?.[STACK.buildBases] !== undefined) buildBases[op.image] = op.options.labels[STACK.buildBases];
        else delete buildBases[op.image];
        break;
      case 'image.tag': {
        const id = images[op.source];
        if (id === undefined) throw new Error(`simulator: no image ${op.source}`);
        images[op.image] = id;
        if (buildHashes[op.source] !== undefined) buildHashes[op.image] = buildHashes[op.source]!;
        if (buildBases[op.source] !== undefined) buildBases[op.image] = buildBases[op.source]!;
        break;
      }
      case 'image.push':
      case 'image.remove':
        throw new Error(`simulator: ${op.kind} is not simulated`);
      case 'network.create':
        networks.push({
          id: nextId('n'),
          name: op.body.Name,
          driver: op.body.Driver ?? 'bridge',
          labels: { ...(op.body.Labels ?? {}) },
          internal: op.body.Internal === true,
          attachable: op.body.Attachable === true,
          enableIpv6: op.body.EnableIPv6 === true,
          options: { ...(op.body.Options ?? {}) },
          ipam: { driver: 'default', config: [] },
          created: `2026-01-01T00:00:${String(seq).padStart(2, '0')}Z`,
        });
        break;
      case 'network.remove': {
        const i = networks.findIndex((n) => n.id === op.networkId);
        if (i < 0) throw new Error(`simulator: no network ${op.networkId}`);
        if (containers.some((c) => Object.values(c.networks).some((ep) => ep.networkId === op.networkId))) {
          throw new Error(`simulator: network ${op.network} has active endpoints`);
        }
        networks.splice(i, 1);
        break;
      }
      case 'network.connect': {
        const c = find(op.container);
        c.networks[op.network] = { networkId: networkFor(op.network, op.endpoint.NetworkID).id, aliases: [...(op.endpoint.Aliases ?? [])] };
        break;
      }
      case 'network.disconnect': {
        const c = find(op.container);
        delete c.networks[op.network];
        break;
      }
      case 'volume.create':
        if (volumes.some((v) => v.name === op.body.Name)) throw new Error(`simulator: volume ${op.body.Name} exists`);
        volumes.push({ name: op.body.Name, driver: op.body.Driver ?? 'local', labels: { ...(op.body.Labels ?? {}) }, options: {}, mountpoint: `/var/lib/docker/volumes/${op.body.Name}/_data` });
        break;
      case 'volume.remove': {
        const i = volumes.findIndex((v) => v.name === op.volume);
        if (i < 0) throw new Error(`simulator: no volume ${op.volume}`);
        if (containers.some((c) => c.mounts.some((m) => m.name === op.volume))) throw new Error(`simulator: volume ${op.volume} in use`);
        volumes.splice(i, 1);
        break;
      }
      case 'container.create': {
        if (containers.some((c) => c.name === op.container.name)) throw new Error(`simulator: container name ${op.container.name} in use`);
        const body = op.body;
        const host = (body.HostConfig ?? {}) as { Mounts?: { Type: string; Source?: string; Target: string; ReadOnly?: boolean }[] };
        const eps = body.NetworkingConfig?.EndpointsConfig ?? {};
        const nets: Record<string, { networkId: string; aliases: string[] }> = {};
        for (const [name, ep] of Object.entries(eps)) nets[name] = { networkId: networkFor(name, ep.NetworkID).id, aliases: [...(ep.Aliases ?? [])] };
        const mounts = (host.Mounts ?? [])
          .filter((m) => m.Type === 'volume')
          .map((m) => {
            if (!volumes.some((v) => v.name === m.Source)) throw new Error(`simulator: no volume ${m.Source}`);
            return { type: 'volume', name: m.Source!, source: '', destination: m.Target, rw: m.ReadOnly !== true };
          });
        containers.push({
          id: nextId('c'),
          name: op.container.name,
          labels: { ...(body.Labels ?? {}) },
          image: body.Image,
          imageId: images[body.Image] ?? '',
          state: 'created',
          status: 'Created',
          created: seq,
          networks: nets,
          mounts,
          ports: [],
          times: { createdUs: tick() },
          ...(body.Healthcheck && body.Healthcheck.Test?.[0] !== 'NONE' ? { health: 'starting' as const } : {}),
        });
        break;
      }
      case 'container.start':
      case 'container.restart': {
        const c = find(op.container);
        c.state = 'running';
        c.status = 'Up';
        c.times = { createdUs: c.times?.createdUs ?? 0, startedUs: tick() };
        delete c.exitCode;
        if (c.health !== undefined) c.health = options.health?.[c.name] ?? 'healthy';
        break;
      }
      case 'container.stop': {
        const c = find(op.container);
        c.state = 'exited';
        c.exitCode = 0;
        c.status = 'Exited (0)';
        break;
      }
      case 'container.remove': {
        const c = find(op.container);
        containers.splice(containers.indexOf(c), 1);
        break;
      }
      case 'container.wait':
        find(op.container);
        break;
      case 'container.copy-files': {
        // The engine keeps the files in the container's own layer: the simulator keeps their paths.
        const c = find(op.container) as MutableContainer & { files?: string[] };
        c.files = [...new Set([...(c.files ?? []), ...op.files.map((f) => f.path)])].sort();
        break;
      }
    }
  }
  return { ...observed, containers, networks, volumes, images, imageBuildHashes: buildHashes, imageBuildBases: buildBases };
}

/** The paths the simulator delivered into a container (container.copy-files), sorted. */
export function deliveredFiles(c: ObservedContainer | undefined): string[] {
  return [...((c as { files?: string[] } | undefined)?.files ?? [])];
}

/** Replace fields of one observed container (by name). */
export function withContainer(observed: ObservedState, name: string, change: (c: MutableContainer) => void): ObservedState {
  let found = false;
  const containers = observed.containers.map((c) => {
    if (c.name !== name) return c;
    found = true;
    const copy: MutableContainer = { ...c, labels: { ...c.labels }, networks: { ...c.networks }, mounts: [...c.mounts] };
    change(copy);
    return copy;
  });
  if (!found) throw new Error(`no observed container ${name}`);
  return { ...observed, containers };
}

/** Remove observed containers by name. */
export function withoutContainers(observed: ObservedState, ...names: string[]): ObservedState {
  return { ...observed, containers: observed.containers.filter((c) => !names.includes(c.name)) };
}
