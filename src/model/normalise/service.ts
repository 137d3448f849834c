// One service from the validated document to its ServiceSpec (long syntax, defaults applied,
// paths absolute, durations in ns, sizes in bytes). Profiles, cross-references and the
// dependency graph are judged later, over the whole stack (semantic.ts, graph.ts).

import { isAbsolute } from 'node:path/posix';
import {
  dict,
  type DependsOnSpec,
  type DeviceSpec,
  type FileReferenceSpec,
  type HealthcheckSpec,
  type LoggingSpec,
  type ResourcesSpec,
  type ServiceNetworkSpec,
  type ServiceSpec,
} from '../types.js';
import { normaliseBuild } from './build.js';
import { commandOf } from './command.js';
import { normaliseDeploy } from './deploy.js';
import { normaliseWatch } from './develop.js';
import { hooksOf, providerOf } from './hooks.js';
import { markEnvironment, mergeEnvironment, normaliseEnvFiles, normaliseEnvironment, readEnvFiles } from './environment.js';
import { holdsAny, pathSegment } from '../sensitive.js';
import { extraHostsOf } from './extra-hosts.js';
import { normalisePullPolicy } from './pull-policy.js';
import { normalisePorts } from './ports.js';
import {
  containerPath,
  type Doc,
  type Env,
  extensionsOf,
  has,
  isMapping,
  listOrDict,
  type Path,
  stringDict,
  stringList,
  toBool,
  toDuration,
  toInt,
  toMode,
  toNumber,
  toSize,
  toStr,
} from './support.js';
import { ulimitsOf } from './ulimits.js';
import { normaliseMounts } from './volumes.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function normaliseService(env: Env, name: string, s: Doc): ServiceSpec {
  const at = (...rest: (string | number)[]): Path => ['services', name, ...rest];
  const bool = (key: string, fallback: boolean) => toBool(env, s[key], at(key)) ?? fallback;

  const envFiles = normaliseEnvFiles(env, s['env_file'], at('env_file'));
  const envFilePaths = Array.isArray(s['env_file']) ? envFiles.map((_, i) => at('env_file', i)) : envFiles.map(() => at('env_file'));
  const fromFiles = readEnvFiles(env, envFiles, envFilePaths);
  const passed = new Set<string>();
  const explicit = normaliseEnvironment(env, s['environment'], passed);
  const environment = mergeEnvironment(fromFiles, explicit);
  const servicePath = pathSegment(pathSegment('', 'services'), name);
  markEnvironment(env, `${servicePath}.environment`, environment, (key) => passed.has(key) || (Object.hasOwn(fromFiles, key) && !Object.hasOwn(explicit, key)));

  const spec: Mutable<ServiceSpec> = {
    name,
    command: commandOf(env, s['command'], at('command')),
    entrypoint: commandOf(env, s['entrypoint'], at('entrypoint')),
    groupAdd: stringList(s['group_add']),
    environment,
    envFiles,
    labels: listOrDict(s['labels'], () => ''),
    annotations: listOrDict(s['annotations'], () => ''),
    scale: scaleOf(env, name, s),
    profiles: stringList(s['profiles']),
    dependsOn: dependsOnOf(env, name, s),
    ports: normalisePorts(env, s['ports'], at('ports')),
    expose: stringList(s['expose']),
    mounts: normaliseMounts(env, s['volumes'], at('volumes')),
    tmpfs: stringList(s['tmpfs']).map(tmpfsEntry),
    volumesFrom: stringList(s['volumes_from']),
    networks: networksOf(env, s, at('networks')),
    links: stringList(s['links']),
    externalLinks: stringList(s['external_links']),
    dns: stringList(s['dns']),
    dnsSearch: stringList(s['dns_search']),
    dnsOpt: stringList(s['dns_opt']),
    extraHosts: extraHostsOf(env, s['extra_hosts'], at('extra_hosts')),
    healthcheckDisabled: false,
    tty: bool('tty', false),
    stdinOpen: bool('stdin_open', false),
    privileged: bool('privileged', false),
    readOnly: bool('read_only', false),
    capAdd: stringList(s['cap_add']),
    capDrop: stringList(s['cap_drop']),
    securityOpt: stringList(s['security_opt']),
    sysctls: listOrDict(s['sysctls'], () => ''),
    ulimits: ulimitsOf(env, s['ulimits'], at('ulimits')),
    devices: devicesOf(env, s['devices'], at('devices')),
    storageOpt: stringDict(s['storage_opt']),
    resources: resourcesOf(env, s, at),
    secrets: fileRefsOf(env, s['secrets'], at('secrets'), '/run/secrets/'),
    configs: fileRefsOf(env, s['configs'], at('configs'), '/'),
    watch: normaliseWatch(env, s['develop'], at('develop')),
    attach: bool('attach', true),
    extensions: extensionsOf(s),
  };

  const optionalStrings: [keyof ServiceSpec, string][] = [
    ['image', 'image'], ['platform', 'platform'], ['workingDir', 'working_dir'], ['user', 'user'],
    ['containerName', 'container_name'], ['hostname', 'hostname'], ['domainname', 'domainname'],
    ['networkMode', 'network_mode'], ['macAddress', 'mac_address'], ['stopSignal', 'stop_signal'],
    ['pid', 'pid'], ['ipc', 'ipc'], ['uts', 'uts'], ['userns', 'userns_mode'], ['cgroup', 'cgroup'],
    ['cgroupParent', 'cgroup_parent'], ['runtime', 'runtime'], ['isolation', 'isolation'],
  ];
  for (const [field, key] of optionalStrings) {
    const v = toStr(s[key]);
    if (v !== undefined) (spec as Record<string, unknown>)[field] = v;
  }
  if (spec.workingDir !== undefined) spec.workingDir = containerPath(spec.workingDir);
  if (spec.networkMode !== undefined) spec.networks = dict();

  const pull = normalisePullPolicy(env, s, at);
  if (pull.policy !== undefined) spec.pullPolicy = pull.policy;
  if (pull.refreshAfterMs !== undefined) spec.pullRefreshAfterMs = pull.refreshAfterMs;
  if (has(s, 'build')) spec.build = normaliseBuild(env, s['build'], at('build'), spec);
  const hooks = hooksOf(env, s, at);
  if (hooks !== undefined) spec.hooks = hooks;
  const provider = providerOf(s['provider']);
  if (provider !== undefined) spec.provider = provider;
  const restart = restartOf(s);
  if (restart !== undefined) spec.restart = restart;
  const init = toBool(env, s['init'], at('init'));
  if (init !== undefined) spec.init = init;
  const grace = toDuration(env, s['stop_grace_period'], at('stop_grace_period'));
  if (grace !== undefined) spec.stopGracePeriod = grace;
  const shm = toSize(env, s['shm_size'], at('shm_size'));
  if (shm !== undefined) spec.shmSize = shm;
  const oomScore = toInt(env, s['oom_score_adj'], at('oom_score_adj'));
  if (oomScore !== undefined) spec.oomScoreAdj = oomScore;
  const oomKill = toBool(env, s['oom_kill_disable'], at('oom_kill_disable'));
  if (oomKill !== undefined) spec.oomKillDisable = oomKill;
  const pids = toInt(env, s['pids_limit'], at('pids_limit'));
  if (pids !== undefined) spec.pidsLimit = pids;
  if (isMapping(s['logging'])) spec.logging = loggingOf(s['logging']);
  const deploy = normaliseDeploy(env, s['deploy'], at('deploy'));
  if (deploy !== undefined) spec.deploy = deploy;
  if (isMapping(s['healthcheck'])) {
    const hc = healthcheckOf(env, s['healthcheck'], at('healthcheck'));
    spec.healthcheck = hc.spec;
    spec.healthcheckDisabled = hc.disabled;
  }
  markBuildAndWatch(env, servicePath, spec);
  return spec;
}

/**
 * Build args and watch exec environments are sensitive by entry, like the environment, when
 * they hold a value from outside the files (interpolated, or passed through from the shell)
 * or their key looks secret.
 */
function markBuildAndWatch(env: Env, servicePath: string, spec: ServiceSpec): void {
  const outside = [...env.interpolated, ...env.outside];
  const fromOutside = (values: Readonly<Record<string, string>>) => (key: string) => holdsAny(values[key]!, outside);
  if (spec.build) markEnvironment(env, `${servicePath}.build.args`, spec.build.args, fromOutside(spec.build.args));
  spec.watch.forEach((rule, i) => {
    if (rule.exec) markEnvironment(env, `${servicePath}.watch[${i}].exec.environment`, rule.exec.environment, fromOutside(rule.exec.environment));
  });
}

/** `scale` and `deploy.replicas` must agree when both are given (Compose's rule). */
function scaleOf(env: Env, name: string, s: Doc): number {
  const scale = toInt(env, s['scale'], ['services', name, 'scale']);
  const deploy = isMapping(s['deploy']) ? s['deploy'] : {};
  const replicas = toInt(env, deploy['replicas'], ['services', name, 'deploy', 'replicas']);
  for (const [n, key] of [[scale, ['scale']], [replicas, ['deploy', 'replicas']]] as const) {
    if (n !== undefined && n < 0) env.problems.add(['services', name, ...key], `must not be negative (got ${n})`);
  }
  if (scale !== undefined && replicas !== undefined && scale !== replicas) {
    env.problems.add(['services', name, 'scale'], `scale (${scale}) and deploy.replicas (${replicas}) disagree: set only one`);
  }
  const wanted = scale ?? replicas ?? 1;
  if (wanted > 1 && has(s, 'container_name')) {
    env.problems.add(['services', name, 'container_name'], `a service with container_name cannot run ${wanted} containers: container names are unique`);
  }
  return wanted;
}

function dependsOnOf(env: Env, name: string, s: Doc): Record<string, DependsOnSpec> {
  const out = dict<DependsOnSpec>();
  const value = s['depends_on'];
  if (Array.isArray(value)) {
    for (const dep of value) out[String(dep)] = { condition: 'service_started', restart: false, required: true, implicit: false };
  } else if (isMapping(value)) {
    for (const dep of Object.keys(value)) {
      const d = isMapping(value[dep]) ? value[dep] : {};
      const at = ['services', name, 'depends_on', dep];
      out[dep] = {
        condition: (toStr(d['condition']) ?? 'service_started') as DependsOnSpec['condition'],
        restart: toBool(env, d['restart'], [...at, 'restart']) ?? false,
        required: toBool(env, d['required'], [...at, 'required']) ?? true,
        implicit: false,
      };
    }
  }
  // Implicit dependencies: what Compose starts first without being told.
  const implicit = (dep: string) => {
    if (dep && !(dep in out)) out[dep] = { condition: 'service_started', restart: false, required: true, implicit: true };
  };
  for (const link of stringList(s['links'])) implicit(link.split(':')[0]!);
  for (const from of stringList(s['volumes_from'])) {
    const parts = from.split(':');
    if (parts[0] === 'container') continue;
    implicit(parts[0] === 'service' ? parts[1] ?? '' : parts[0]!);
  }
  for (const key of ['network_mode', 'ipc', 'pid']) {
    const v = toStr(s[key]);
    if (v?.startsWith('service:')) implicit(v.slice('service:'.length));
  }
  return out;
}

function networksOf(env: Env, s: Doc, path: Path): Record<string, ServiceNetworkSpec> {
  const out = dict<ServiceNetworkSpec>();
  const value = s['networks'];
  if (value === undefined || value === null) {
    if (!has(s, 'network_mode')) out['default'] = attachment(env, {}, [...path]);
    return out;
  }
  if (Array.isArray(value)) {
    for (const key of value) out[String(key)] = attachment(env, {}, path);
  } else if (isMapping(value)) {
    for (const key of Object.keys(value)) out[key] = attachment(env, isMapping(value[key]) ? value[key] : {}, [...path, key]);
  }
  return out;
}

function attachment(env: Env, n: Doc, path: Path): ServiceNetworkSpec {
  const spec: Mutable<ServiceNetworkSpec> = {
    aliases: stringList(n['aliases']),
    linkLocalIps: stringList(n['link_local_ips']),
    driverOpts: stringDict(n['driver_opts']),
    priority: toInt(env, n['priority'], [...path, 'priority']) ?? 0,
  };
  const ipv4 = toStr(n['ipv4_address']);
  if (ipv4) spec.ipv4Address = ipv4;
  const ipv6 = toStr(n['ipv6_address']);
  if (ipv6) spec.ipv6Address = ipv6;
  const mac = toStr(n['mac_address']);
  if (mac) spec.macAddress = mac;
  const gw = toInt(env, n['gw_priority'], [...path, 'gw_priority']);
  if (gw !== undefined) spec.gwPriority = gw;
  return spec;
}

const HEALTHCHECK_KINDS = new Set(['NONE', 'CMD', 'CMD-SHELL']);

function healthcheckOf(env: Env, h: Doc, path: Path): { spec: HealthcheckSpec; disabled: boolean } {
  const disabled = toBool(env, h['disable'], [...path, 'disable']) ?? false;
  let test: string[] = [];
  const raw = h['test'];
  if (typeof raw === 'string') test = ['CMD-SHELL', raw];
  else if (Array.isArray(raw)) {
    test = raw.map(String);
    if (test.length > 0 && !HEALTHCHECK_KINDS.has(test[0]!)) {
      env.problems.add([...path, 'test', 0], `a healthcheck test list starts with CMD, CMD-SHELL or NONE (got '${test[0]}')`, 'e.g. ["CMD", "curl", "-f", "http://localhost"], or write the test as a string for the shell');
    }
  }
  if (disabled || test[0] === 'NONE') return { spec: { test: ['NONE'] }, disabled: true };
  const spec: Mutable<HealthcheckSpec> = { test };
  const durations: [keyof HealthcheckSpec, string][] = [
    ['interval', 'interval'], ['timeout', 'timeout'], ['startPeriod', 'start_period'], ['startInterval', 'start_interval'],
  ];
  for (const [field, key] of durations) {
    const ns = toDuration(env, h[key], [...path, key]);
    if (ns !== undefined) (spec as Record<string, unknown>)[field] = ns;
  }
  const retries = toInt(env, h['retries'], [...path, 'retries']);
  if (retries !== undefined) spec.retries = retries;
  return { spec, disabled: false };
}

/** `restart:`, or Compose's mapping of deploy.restart_policy when `restart` is absent. */
function restartOf(s: Doc): string | undefined {
  const restart = toStr(s['restart']);
  if (restart !== undefined) return restart;
  const deploy = isMapping(s['deploy']) ? s['deploy'] : {};
  const policy = isMapping(deploy['restart_policy']) ? deploy['restart_policy'] : undefined;
  if (!policy) return undefined;
  const condition = toStr(policy['condition']) ?? 'any';
  if (condition === 'none') return 'no';
  if (condition === 'any') return 'always';
  if (condition === 'on-failure') {
    const attempts = toStr(policy['max_attempts']);
    return attempts ? `on-failure:${attempts}` : 'on-failure';
  }
  return undefined;
}

function devicesOf(env: Env, value: unknown, path: Path): DeviceSpec[] {
  if (!Array.isArray(value)) return [];
  const out: DeviceSpec[] = [];
  value.forEach((item, i) => {
    if (isMapping(item)) {
      const source = String(item['source']);
      out.push({ source, target: toStr(item['target']) ?? source, permissions: toStr(item['permissions']) ?? 'rwm' });
      return;
    }
    const parts = String(item).split(':');
    const [source, second, third] = parts;
    if (!source || parts.length > 3) {
      env.problems.add([...path, i], `invalid device '${String(item)}': use HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`);
      return;
    }
    // "/dev/x:rw" is host path + permissions (Docker's rule: a second part that is not a path).
    if (second !== undefined && third === undefined && /^[rwm]+$/.test(second)) {
      out.push({ source, target: source, permissions: second });
    } else {
      out.push({ source, target: second || source, permissions: third || 'rwm' });
    }
  });
  return out;
}

function resourcesOf(env: Env, s: Doc, at: (...rest: (string | number)[]) => Path): ResourcesSpec {
  const deploy = isMapping(s['deploy']) ? s['deploy'] : {};
  const resources = isMapping(deploy['resources']) ? deploy['resources'] : {};
  const limits = isMapping(resources['limits']) ? resources['limits'] : {};
  const reservations = isMapping(resources['reservations']) ? resources['reservations'] : {};
  const lp = (k: string) => at('deploy', 'resources', 'limits', k);
  const rp = (k: string) => at('deploy', 'resources', 'reservations', k);
  // deploy.resources wins over the older service-level keys when both are given.
  const cpus = toNumber(env, limits['cpus'], lp('cpus')) ?? toNumber(env, s['cpus'], at('cpus'));
  const memory = toSize(env, limits['memory'], lp('memory')) ?? toSize(env, s['mem_limit'], at('mem_limit'));
  const pids = toInt(env, limits['pids'], lp('pids')) ?? toInt(env, s['pids_limit'], at('pids_limit'));
  const memoryReservation = toSize(env, reservations['memory'], rp('memory')) ?? toSize(env, s['mem_reservation'], at('mem_reservation'));
  const cpuReservation = toNumber(env, reservations['cpus'], rp('cpus'));
  return {
    ...(cpus !== undefined ? { cpus } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ...(pids !== undefined ? { pids } : {}),
    ...(memoryReservation !== undefined ? { memoryReservation } : {}),
    ...(cpuReservation !== undefined ? { cpuReservation } : {}),
  };
}

function loggingOf(l: Doc): LoggingSpec {
  const driver = toStr(l['driver']);
  return { ...(driver !== undefined ? { driver } : {}), options: stringDict(l['options']) };
}

/** `/run/x/:size=1m` → `/run/x:size=1m`: the path cleaned as the engine stores it, options as written. */
function tmpfsEntry(entry: string): string {
  const colon = entry.indexOf(':');
  return colon < 0 ? containerPath(entry) : `${containerPath(entry.slice(0, colon))}${entry.slice(colon)}`;
}

/** Service secrets/configs: `name` → target `<base><name>`; a relative target goes under `<base>` too. */
function fileRefsOf(env: Env, value: unknown, path: Path, base: string): FileReferenceSpec[] {
  if (!Array.isArray(value)) return [];
  return value.map((item, i) => {
    if (!isMapping(item)) {
      const source = String(item);
      return { source, target: containerPath(base + source) };
    }
    const source = String(item['source']);
    const target = toStr(item['target']) ?? source;
    const mode = toMode(env, item['mode'], [...path, i, 'mode']);
    return {
      source,
      target: containerPath(isAbsolute(target) ? target : base + target),
      ...(toStr(item['uid']) !== undefined ? { uid: toStr(item['uid'])! } : {}),
      ...(toStr(item['gid']) !== undefined ? { gid: toStr(item['gid'])! } : {}),
      ...(mode !== undefined ? { mode } : {}),
    };
  });
}
