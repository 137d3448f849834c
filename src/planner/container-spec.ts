// ServiceSpec → the body of POST /containers/create (Docker Engine API field names), built
// purely. What Compose does is the reference: users expect the same container from the same
// file.

import { COMPOSE, STACK, composeVersionLabel, formatDependsOn, formatOneOff, formatRestartDependents, formatSensitivePaths } from '../api/labels.js';
import type { MountSpec, ServiceSpec, StackModel } from '../model/types.js';
import type { ContainerCreateBody, EndpointConfig } from '../api/engine-types.js';
import {
  canonicalServiceSpec,
  resolveLink,
  resolveNetworkMode,
  resolveVolumesFrom,
  specHash,
  type CanonicalSpec,
} from './canonical.js';
import { anonymousVolumeName, imageReference, networkName, volumeName } from './names.js';
import { makeRedactor } from './redact.js';
import { serviceSensitivePaths, specLabel } from './sensitive-spec.js';

export interface ContainerBodyOptions {
  /** Written into `dev.stack.version`. */
  readonly stackVersion?: string;
  /** Precomputed canonical spec of the service (the planner computes it once per service). */
  readonly spec?: CanonicalSpec;
  /**
   * Paths of the spec holding sensitive values (see `sensitivePaths`): digests in the spec
   * label, and recorded for later plans. Found from the model's sensitive values when not given.
   */
  readonly sensitivePaths?: readonly string[];
  /**
   * Volumes of the replaced container to mount again: anonymous volumes the IMAGE declares
   * (Dockerfile VOLUME), which the stack file does not mention, so a recreate keeps their
   * data as Compose does.
   */
  readonly inheritedVolumes?: readonly { readonly name: string; readonly target: string }[];
  /**
   * Ids of the running dependents (`depends_on.restart: true`) this container replaces a
   * dependency of: recorded on it (`dev.stack.restart-dependents`), so a run that dies before
   * restarting them is finished by the next one.
   */
  readonly restartDependents?: readonly string[];
}

/** Network keys of a service, the one the container is created with first: highest priority, then by name. */
export function orderedNetworkKeys(service: ServiceSpec): string[] {
  return Object.keys(service.networks).sort((a, b) => {
    const pa = service.networks[a]!.priority;
    const pb = service.networks[b]!.priority;
    if (pa !== pb) return pb - pa;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * An endpoint that names its network by id. The engine looks a container's networks up at
 * every start, by the endpoint's NetworkID when it has one and else by name, and refuses a
 * name that two networks share (an interrupted run can leave two: TRAPS).
 */
export function pinNetworkId(endpoint: EndpointConfig, id: string | undefined): EndpointConfig {
  return id === undefined ? endpoint : { ...endpoint, NetworkID: id };
}

/** A create body whose endpoints name their networks by id, for the networks in `ids` (name → id). */
export function pinNetworkIds(body: ContainerCreateBody, ids: ReadonlyMap<string, string>): ContainerCreateBody {
  const endpoints = body.NetworkingConfig?.EndpointsConfig;
  if (endpoints === undefined || !Object.keys(endpoints).some((name) => ids.has(name))) return body;
  const pinned = Object.fromEntries(Object.entries(endpoints).map(([name, e]) => [name, pinNetworkId(e, ids.get(name))]));
  return { ...body, NetworkingConfig: { ...body.NetworkingConfig, EndpointsConfig: pinned } };
}

/** The endpoint of a service on one network: the service name is always an alias (as in Compose). */
export function endpointConfig(service: ServiceSpec, key: string): EndpointConfig {
  const a = service.networks[key];
  const aliases = [service.name, ...(a?.aliases ?? [])].filter((v, i, all) => all.indexOf(v) === i);
  const endpoint: {
    Aliases: string[];
    IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] };
    MacAddress?: string;
    DriverOpts?: Record<string, string>;
    GwPriority?: number;
  } = { Aliases: aliases };
  if (a) {
    if (a.ipv4Address !== undefined || a.ipv6Address !== undefined || a.linkLocalIps.length > 0) {
      endpoint.IPAMConfig = {
        ...(a.ipv4Address !== undefined ? { IPv4Address: a.ipv4Address } : {}),
        ...(a.ipv6Address !== undefined ? { IPv6Address: a.ipv6Address } : {}),
        ...(a.linkLocalIps.length > 0 ? { LinkLocalIPs: [...a.linkLocalIps] } : {}),
      };
    }
    if (a.macAddress !== undefined) endpoint.MacAddress = a.macAddress;
    if (Object.keys(a.driverOpts).length > 0) endpoint.DriverOpts = { ...a.driverOpts };
    if (a.gwPriority !== undefined) endpoint.GwPriority = a.gwPriority;
  }
  return endpoint;
}

/**
 * The labels stack writes on a container. The spec label holds a digest, never the value, of
 * each sensitive leaf (`sensitive`, paths of `spec`); the config hash is of the whole spec, so
 * it still changes when a secret does.
 *
 * Compose's labels are written so that Compose can read our containers and take a project
 * over, and Docker Desktop shows it (docker/compose v2 pkg/api/labels.go): Compose v2 lists a
 * project's containers (`ps`, `down`, `ls`) only when they carry `config-hash`, and
 * docker-compose 1.29 crashes on a project container without `version`. Compose's config-hash
 * cannot be reproduced outside Go (TRAPS), so `com.docker.compose.config-hash` holds OUR
 * hash: never equal to Compose's, so a Compose `up` recreates the container as its own, which
 * is what taking over means. We never read it: our decisions read `dev.stack.config-hash`.
 * Not written: `com.docker.compose.image` (Compose compares it only to decide a recreate, which
 * the config-hash already decides), `replace` (we never create under a temporary name), and
 * `project.environment_file` (Compose only writes it).
 */
export function containerLabels(
  model: StackModel,
  service: ServiceSpec,
  number: number,
  spec: CanonicalSpec,
  sensitive: readonly string[],
  stackVersion?: string,
  restartDependents: readonly string[] = [],
): Record<string, string> {
  const labels: Record<string, string> = Object.create(null);
  Object.assign(labels, service.labels);
  labels[COMPOSE.project] = model.projectName;
  labels[COMPOSE.service] = service.name;
  labels[COMPOSE.containerNumber] = String(number);
  labels[COMPOSE.oneoff] = formatOneOff(false);
  labels[COMPOSE.workingDir] = model.projectDirectory;
  labels[COMPOSE.configFiles] = model.configFiles.join(',');
  labels[COMPOSE.dependsOn] = formatDependsOn(Object.entries(service.dependsOn).map(([dep, d]) => ({ service: dep, condition: d.condition, restart: d.restart })));
  labels[COMPOSE.version] = composeVersionLabel(stackVersion);
  labels[STACK.managed] = 'true';
  labels[STACK.configHash] = specHash(spec);
  labels[COMPOSE.configHash] = labels[STACK.configHash];
  labels[STACK.spec] = specLabel(spec, sensitive);
  const sensitiveLabel = formatSensitivePaths(sensitive);
  if (sensitiveLabel !== undefined) labels[STACK.sensitivePaths] = sensitiveLabel;
  if (stackVersion !== undefined) labels[STACK.version] = stackVersion;
  const dependents = formatRestartDependents(restartDependents);
  if (dependents !== undefined) labels[STACK.restartDependents] = dependents;
  return labels;
}

/** `restart:` → RestartPolicy. */
export function restartPolicy(restart: string | undefined): { Name: string; MaximumRetryCount?: number } | undefined {
  if (restart === undefined) return undefined;
  const m = /^on-failure(?::(\d+))?$/.exec(restart);
  if (m) return m[1] !== undefined ? { Name: 'on-failure', MaximumRetryCount: Number(m[1]) } : { Name: 'on-failure' };
  return { Name: restart === 'no' ? 'no' : restart };
}

/** `"3000"`, `"3000-3002/udp"` → `3000/tcp` keys. */
function exposedKeys(expose: string): string[] {
  const [range = expose, proto = 'tcp'] = expose.split('/');
  const [from, to] = range.split('-').map(Number);
  if (from === undefined || !Number.isFinite(from)) return [];
  const last = to !== undefined && Number.isFinite(to) && to >= from && to - from < 65536 ? to : from;
  const out: string[] = [];
  for (let p = from; p <= last; p++) out.push(`${p}/${proto}`);
  return out;
}

/** Compose accepts `host=ip` and `host:ip`; this engine's API wants `host:ip`. */
function extraHost(entry: string): string {
  const eq = entry.indexOf('=');
  return eq > 0 ? `${entry.slice(0, eq)}:${entry.slice(eq + 1)}` : entry;
}

interface EngineMount {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/**
 * Mounts and binds. Short-syntax binds (`./src:/app`) go into `Binds`, because only that
 * form makes the engine create a missing host directory, as Compose users expect; all
 * other mounts use the structured `Mounts`.
 */
function mountsAndBinds(model: StackModel, service: ServiceSpec, number: number): { mounts: EngineMount[]; binds: string[] } {
  const mounts: EngineMount[] = [];
  const binds: string[] = [];
  for (const m of service.mounts) {
    if (m.type === 'bind' && m.bind?.createHostPath) {
      const opts = [m.readOnly ? 'ro' : 'rw'];
      if (m.bind.selinux) opts.push(m.bind.selinux);
      if (m.bind.propagation) opts.push(m.bind.propagation);
      binds.push(`${m.source ?? ''}:${m.target}:${opts.join(',')}`);
      continue;
    }
    mounts.push(engineMount(model, service, number, m));
  }
  const fileRef = (kind: 'secrets' | 'configs') => {
    for (const ref of service[kind]) {
      const file = model[kind][ref.source]?.file;
      // Only file-based secrets/configs can be bind-mounted; environment/content ones
      // need a copy into the container, which the planner reports as a warning.
      if (file !== undefined) mounts.push({ Type: 'bind', Source: file, Target: ref.target, ReadOnly: true });
    }
  };
  fileRef('secrets');
  fileRef('configs');
  return { mounts, binds };
}

function engineMount(model: StackModel, service: ServiceSpec, number: number, m: MountSpec): EngineMount {
  const out: EngineMount = { Type: m.type, Target: m.target };
  if (m.readOnly) out.ReadOnly = true;
  if (m.consistency !== undefined) out.Consistency = m.consistency;
  if (m.type === 'volume') {
    out.Source =
      m.source !== undefined
        ? volumeName(model, m.source)
        : anonymousVolumeName(model.projectName, service.name, number, m.target);
    if (m.volume && (m.volume.nocopy || m.volume.subpath !== undefined)) {
      out.VolumeOptions = {
        ...(m.volume.nocopy ? { NoCopy: true } : {}),
        ...(m.volume.subpath !== undefined ? { Subpath: m.volume.subpath } : {}),
      };
    }
  } else if (m.type === 'bind') {
    out.Source = m.source ?? '';
    if (m.bind?.propagation !== undefined) out.BindOptions = { Propagation: m.bind.propagation };
  } else if (m.type === 'tmpfs') {
    if (m.tmpfs && (m.tmpfs.size !== undefined || m.tmpfs.mode !== undefined)) {
      out.TmpfsOptions = {
        ...(m.tmpfs.size !== undefined ? { SizeBytes: m.tmpfs.size } : {}),
        ...(m.tmpfs.mode !== undefined ? { Mode: m.tmpfs.mode } : {}),
      };
    }
  } else if (m.source !== undefined) {
    out.Source = m.source;
  }
  return out;
}

/** Service-level `tmpfs: ["/run:size=10m"]` → HostConfig.Tmpfs. */
function tmpfsMap(entries: readonly string[]): Record<string, string> | undefined {
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = Object.create(null);
  for (const e of entries) {
    const colon = e.indexOf(':');
    if (colon < 0) out[e] = '';
    else out[e.slice(0, colon)] = e.slice(colon + 1);
  }
  return out;
}

function portBindings(service: ServiceSpec): Record<string, { HostIp: string; HostPort: string }[]> | undefined {
  if (service.ports.length === 0) return undefined;
  const out: Record<string, { HostIp: string; HostPort: string }[]> = Object.create(null);
  for (const p of service.ports) {
    const key = `${p.target}/${p.protocol}`;
    // No host IP means all interfaces: the engine's default and Compose's.
    (out[key] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.published ?? '' });
  }
  return out;
}

/** Removes undefined members and empty lists/maps so the body stays minimal and stable. */
function compact(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

/** HostConfig: mounts, ports, limits, namespaces... (the part of the body that is the host's business). */
function hostConfigOf(
  model: StackModel,
  service: ServiceSpec,
  number: number,
  networkMode: string | undefined,
  inheritedVolumes: readonly { readonly name: string; readonly target: string }[],
): Record<string, unknown> {
  const { mounts, binds } = mountsAndBinds(model, service, number);
  for (const v of inheritedVolumes) mounts.push({ Type: 'volume', Source: v.name, Target: v.target });
  const r = service.resources;
  return compact({
    Binds: binds,
    Mounts: mounts,
    Tmpfs: tmpfsMap(service.tmpfs),
    PortBindings: portBindings(service),
    RestartPolicy: restartPolicy(service.restart),
    Init: service.init,
    CapAdd: [...service.capAdd],
    CapDrop: [...service.capDrop],
    Ulimits: Object.keys(service.ulimits)
      .sort()
      .map((name) => ({ Name: name, Soft: service.ulimits[name]!.soft, Hard: service.ulimits[name]!.hard })),
    Sysctls: { ...service.sysctls },
    LogConfig: service.logging ? { Type: service.logging.driver ?? '', Config: { ...service.logging.options } } : undefined,
    ShmSize: service.shmSize,
    Memory: r.memory,
    MemoryReservation: r.memoryReservation,
    NanoCpus: r.cpus !== undefined ? Math.round(r.cpus * 1e9) : undefined,
    PidsLimit: r.pids ?? service.pidsLimit,
    ExtraHosts: service.extraHosts.map(extraHost),
    Dns: [...service.dns],
    DnsSearch: [...service.dnsSearch],
    DnsOptions: [...service.dnsOpt],
    Devices: service.devices.map((d) => ({ PathOnHost: d.source, PathInContainer: d.target, CgroupPermissions: d.permissions })),
    Privileged: service.privileged || undefined,
    ReadonlyRootfs: service.readOnly || undefined,
    SecurityOpt: [...service.securityOpt],
    NetworkMode: networkMode,
    GroupAdd: [...service.groupAdd],
    PidMode: service.pid,
    IpcMode: service.ipc,
    UTSMode: service.uts,
    UsernsMode: service.userns,
    CgroupnsMode: service.cgroup,
    CgroupParent: service.cgroupParent,
    Runtime: service.runtime,
    Isolation: service.isolation,
    OomScoreAdj: service.oomScoreAdj,
    OomKillDisable: service.oomKillDisable,
    StorageOpt: { ...service.storageOpt },
    VolumesFrom: service.volumesFrom.map((v) => resolveVolumesFrom(model, v)),
    Links: [...service.links.map((l) => resolveLink(model, l)), ...service.externalLinks],
    Annotations: { ...service.annotations },
  });
}

export function buildContainerCreateBody(
  model: StackModel,
  service: ServiceSpec,
  number: number,
  options: ContainerBodyOptions = {},
): ContainerCreateBody {
  const spec = options.spec ?? canonicalServiceSpec(model, service);
  const sensitive = options.sensitivePaths ?? serviceSensitivePaths(model, service.name, spec, makeRedactor(model.secretValues));
  const env = Object.keys(service.environment)
    .sort()
    .map((k) => `${k}=${service.environment[k]}`);
  const exposed: Record<string, Record<string, never>> = {};
  for (const p of service.ports) exposed[`${p.target}/${p.protocol}`] = {};
  for (const e of service.expose) for (const key of exposedKeys(e)) exposed[key] = {};

  const networkKeys = service.networkMode === undefined ? orderedNetworkKeys(service) : [];
  const primary = networkKeys[0];
  const networkMode = resolveNetworkMode(model, service.networkMode) ?? (primary !== undefined ? networkName(model, primary) : undefined);
  const hostConfig = hostConfigOf(model, service, number, networkMode, options.inheritedVolumes ?? []);

  const hc = service.healthcheckDisabled
    ? { Test: ['NONE'] }
    : service.healthcheck
      ? compact({
          Test: [...service.healthcheck.test],
          Interval: service.healthcheck.interval,
          Timeout: service.healthcheck.timeout,
          Retries: service.healthcheck.retries,
          StartPeriod: service.healthcheck.startPeriod,
          StartInterval: service.healthcheck.startInterval,
        })
      : undefined;

  const body: Record<string, unknown> = compact({
    Image: imageReference(model.projectName, service),
    Cmd: service.command !== undefined ? [...service.command] : undefined,
    Entrypoint: service.entrypoint !== undefined ? [...service.entrypoint] : undefined,
    Env: env,
    Labels: { ...containerLabels(model, service, number, spec, sensitive, options.stackVersion, options.restartDependents) },
    WorkingDir: service.workingDir,
    User: service.user,
    Hostname: service.hostname,
    Domainname: service.domainname,
    Tty: service.tty || undefined,
    OpenStdin: service.stdinOpen || undefined,
    ExposedPorts: exposed,
    StopSignal: service.stopSignal,
    // Compose truncates stop_grace_period to whole seconds.
    StopTimeout: service.stopGracePeriod !== undefined ? Math.floor(service.stopGracePeriod / 1e9) : undefined,
    Healthcheck: hc,
    MacAddress: service.macAddress,
    HostConfig: hostConfig,
    // API < 1.44 accepts one endpoint at create: the others are `network.connect` ops.
    NetworkingConfig:
      primary !== undefined ? { EndpointsConfig: { [networkName(model, primary)]: endpointConfig(service, primary) } } : undefined,
  });
  // An explicitly empty command/entrypoint is meaningful ([] resets the image's): keep it.
  if (service.command !== undefined && service.command.length === 0) body.Cmd = [];
  if (service.entrypoint !== undefined && service.entrypoint.length === 0) body.Entrypoint = [''];
  return body as unknown as ContainerCreateBody;
}
