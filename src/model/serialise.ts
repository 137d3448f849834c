// StackModel → a Compose-like document in long syntax, the shape `docker compose config`
// prints: `name`, `services`, `networks`, `volumes`, `secrets`, `configs`, with snake_case
// keys, durations as Go writes them (`1m30s`), defaults and empty values left out. The
// sensitive fields (model.sensitivePaths: environment values that came from the environment
// or an env file, fields holding a token, inline secret/config contents) print as
// `(sensitive)` unless asked for.

import type { BuildSpec, DeploySpec, HookSpec, ServiceSpec, StackModel, UpdateConfigSpec, WatchRuleSpec } from './types.js';
import { replaceAtPaths } from './sensitive.js';

type Out = Record<string, unknown>;

export interface SerialiseOptions {
  /** Print the sensitive fields' values (and inline `content:` of secrets and configs). */
  readonly showSecrets?: boolean;
}

const HIDDEN = '(sensitive)';

/** The model with each sensitive field's value replaced by `(sensitive)` (a list keeps its length, each item hidden). */
function hideSensitive(model: StackModel): StackModel {
  return replaceAtPaths(model, model.sensitivePaths, (_path, value) => (Array.isArray(value) ? value.map(() => HIDDEN) : HIDDEN)) as StackModel;
}

const durationKeys = new Set(['interval', 'timeout', 'startPeriod', 'startInterval', 'stopGracePeriod']);

/** Nanoseconds → Go's time.Duration text: `30s`, `1m30s`, `1h0m0s`, `500ms`, `1.5s`. */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let n = Math.abs(ns);
  if (n < 1e3) return `${sign}${n}ns`;
  if (n < 1e6) return `${sign}${trim(n / 1e3)}µs`;
  if (n < 1e9) return `${sign}${trim(n / 1e6)}ms`;
  const hours = Math.floor(n / 3.6e12);
  n -= hours * 3.6e12;
  const minutes = Math.floor(n / 6e10);
  n -= minutes * 6e10;
  const seconds = `${trim(n / 1e9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function trim(x: number): string {
  return String(Number(x.toFixed(9)));
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Generic conversion: snake_case keys, durations formatted, empty/false/undefined dropped. */
function plain(value: unknown, key?: string, userKeys = false): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && key !== undefined && durationKeys.has(key)) return formatDuration(value);
  if (value === false) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((v) => plain(v)).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const out: Out = Object.create(null);
    for (const k of Object.keys(value).sort()) {
      const v = plain((value as Out)[k], k);
      if (v !== undefined) out[userKeys ? k : snake(k)] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value;
}

/** A user-keyed map (environment, labels...): keys kept as written, values as they are. */
function userMap(value: Readonly<Record<string, unknown>> | undefined): Out | undefined {
  if (!value) return undefined;
  const keys = Object.keys(value).sort();
  if (keys.length === 0) return undefined;
  const out: Out = Object.create(null);
  for (const k of keys) out[k] = value[k] ?? null;
  return out;
}

function set(out: Out, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

function service(spec: ServiceSpec): Out {
  const out: Out = Object.create(null);
  const handled = new Set([
    'name', 'extensions', 'environment', 'labels', 'annotations', 'sysctls', 'storageOpt', 'dependsOn', 'networks',
    'mounts', 'envFiles', 'healthcheck', 'healthcheckDisabled', 'resources', 'watch', 'scale', 'attach', 'ulimits',
    'build', 'logging', 'secrets', 'configs', 'extraHosts', 'pullPolicy', 'pullRefreshAfterMs', 'deploy', 'hooks', 'provider',
  ]);
  for (const k of Object.keys(spec).sort()) {
    if (handled.has(k)) continue;
    set(out, snake(k), plain((spec as unknown as Out)[k], k));
  }
  set(out, 'environment', userMap(spec.environment));
  set(out, 'labels', userMap(spec.labels));
  set(out, 'annotations', userMap(spec.annotations));
  set(out, 'sysctls', userMap(spec.sysctls));
  set(out, 'storage_opt', userMap(spec.storageOpt));
  set(out, 'ulimits', userMap(spec.ulimits));
  set(out, 'extra_hosts', extraHosts(spec.extraHosts));
  set(out, 'pull_policy', pullPolicy(spec));
  if (out.pull_policy === 'refresh' && spec.pullRefreshAfterMs !== undefined) out.pull_refresh_after = formatDuration(spec.pullRefreshAfterMs * 1e6);
  if (spec.build) out.build = build(spec.build);
  if (spec.logging) {
    const l: Out = Object.create(null);
    set(l, 'driver', spec.logging.driver);
    set(l, 'options', userMap(spec.logging.options));
    if (Object.keys(l).length > 0) out.logging = l;
  }
  const deps = Object.keys(spec.dependsOn).sort();
  if (deps.length > 0) {
    const d: Out = Object.create(null);
    for (const name of deps) {
      const dep = spec.dependsOn[name]!;
      d[name] = { condition: dep.condition, required: dep.required, ...(dep.restart ? { restart: true } : {}) };
    }
    out.depends_on = d;
  }
  const nets = Object.keys(spec.networks).sort();
  if (nets.length > 0) {
    const n: Out = Object.create(null);
    for (const name of nets) {
      const { driverOpts, priority, ...rest } = spec.networks[name]!;
      const entry = (plain(rest) as Out | undefined) ?? (Object.create(null) as Out);
      set(entry, 'driver_opts', userMap(driverOpts));
      if (priority) entry.priority = priority;
      n[name] = Object.keys(entry).length > 0 ? entry : null;
    }
    out.networks = n;
  }
  if (spec.mounts.length > 0) {
    out.volumes = spec.mounts.map((m) => {
      const v = plain(m) as Out;
      // Compose always writes the bind options it applied.
      if (m.bind) v.bind = { ...(plain({ ...m.bind, createHostPath: undefined }) as Out | undefined), create_host_path: m.bind.createHostPath };
      return v;
    });
  }
  if (spec.envFiles.length > 0) out.env_file = spec.envFiles.map((e) => ({ path: e.path, required: e.required, ...(e.format ? { format: e.format } : {}) }));
  if (spec.healthcheckDisabled) out.healthcheck = { disable: true };
  else set(out, 'healthcheck', plain(spec.healthcheck));
  set(out, 'secrets', fileReferences(spec.secrets));
  set(out, 'configs', fileReferences(spec.configs));
  const r = spec.resources;
  const limits = plain({ cpus: r.cpus, memory: r.memory, pids: r.pids });
  const reservations = plain({ cpus: r.cpuReservation, memory: r.memoryReservation });
  if (limits || reservations) out.deploy = { resources: { ...(limits ? { limits } : {}), ...(reservations ? { reservations } : {}) } };
  if (spec.deploy) out.deploy = { ...deploySection(spec.deploy), ...((out.deploy as Out | undefined) ?? {}) };
  if (spec.watch.length > 0) out.develop = { watch: spec.watch.map(watchRule) };
  if (spec.hooks) {
    if (spec.hooks.preStart.length > 0) out.pre_start = spec.hooks.preStart.map(hook);
    if (spec.hooks.postStart.length > 0) out.post_start = spec.hooks.postStart.map(hook);
    if (spec.hooks.preStop.length > 0) out.pre_stop = spec.hooks.preStop.map(hook);
  }
  if (spec.provider) {
    const p: Out = Object.create(null);
    p.type = spec.provider.type;
    set(p, 'options', userMap(spec.provider.options));
    out.provider = p;
  }
  if (spec.scale !== 1) out.scale = spec.scale;
  if (!spec.attach) out.attach = false;
  for (const k of Object.keys(spec.extensions).sort()) out[k] = spec.extensions[k];
  return sortKeys(out);
}

/** `deploy` beyond resources, in the file's words and units (durations as `1m30s`). */
function deploySection(d: DeploySpec): Out {
  const duration = (ns: number | undefined) => (ns === undefined ? undefined : formatDuration(ns));
  const update = (u: UpdateConfigSpec | undefined) =>
    u && plain({ parallelism: u.parallelism, delay: duration(u.delay), failure_action: u.failureAction, monitor: duration(u.monitor), max_failure_ratio: u.maxFailureRatio, order: u.order });
  const r = d.restartPolicy;
  const placement = plain({
    constraints: d.placement.constraints.length > 0 ? d.placement.constraints : undefined,
    preferences: d.placement.preferences.length > 0 ? d.placement.preferences.map((spread) => ({ spread })) : undefined,
    max_replicas_per_node: d.placement.maxReplicasPerNode,
  });
  const out: Out = Object.create(null);
  out.mode = d.mode;
  set(out, 'replicas', d.replicas);
  set(out, 'endpoint_mode', d.endpointMode);
  set(out, 'labels', userMap(d.labels));
  set(out, 'placement', placement);
  set(out, 'restart_policy', r && plain({ condition: r.condition, delay: duration(r.delay), max_attempts: r.maxAttempts, window: duration(r.window) }));
  set(out, 'update_config', update(d.updateConfig));
  set(out, 'rollback_config', update(d.rollbackConfig));
  return out;
}

/** Secret and config references; a mode is printed in octal, as Compose does (`"0440"`). */
function fileReferences(refs: readonly { readonly mode?: number }[]): unknown[] | undefined {
  if (refs.length === 0) return undefined;
  return refs.map((r) => plain({ ...r, mode: r.mode === undefined ? undefined : `0${r.mode.toString(8)}` }));
}

/** Compose prints extra hosts as sorted `host=ip` (which reads better for IPv6 than `host:::1`). */
function extraHosts(entries: readonly string[]): string[] | undefined {
  if (entries.length === 0) return undefined;
  return entries.map((e) => e.replace(':', '=')).sort();
}

const DAY_MS = 24 * 3600 * 1000;

/** Back to the words Compose reads: daily, weekly, every_<w d h m s>, or refresh + pull_refresh_after. */
function pullPolicy(spec: ServiceSpec): string | undefined {
  if (spec.pullPolicy !== 'refresh' || spec.pullRefreshAfterMs === undefined) return spec.pullPolicy;
  const ms = spec.pullRefreshAfterMs;
  if (ms === DAY_MS) return 'daily';
  if (ms === 7 * DAY_MS) return 'weekly';
  if (ms % 1000 !== 0) return 'refresh';
  let rest = ms / 1000;
  let text = '';
  for (const [unit, size] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return `every_${text || '0s'}`;
}

function build(b: BuildSpec): Out {
  const out: Out = Object.create(null);
  set(out, 'context', b.context);
  set(out, 'dockerfile', b.dockerfile);
  set(out, 'dockerfile_inline', b.dockerfileInline);
  set(out, 'args', userMap(b.args));
  set(out, 'labels', userMap(b.labels));
  const ssh = Object.keys(b.ssh).sort().map((id) => (b.ssh[id] === '' ? id : `${id}=${b.ssh[id]}`));
  if (ssh.length > 0) out.ssh = ssh;
  set(out, 'additional_contexts', userMap(b.additionalContexts));
  set(out, 'extra_hosts', extraHosts(b.extraHosts));
  set(out, 'ulimits', userMap(b.ulimits));
  if (b.secrets.length > 0) {
    out.secrets = fileReferences(b.secrets.map((s) => ({ ...s, target: s.target === s.source ? undefined : s.target })));
  }
  const lists: [string, readonly string[]][] = [
    ['cache_from', b.cacheFrom], ['cache_to', b.cacheTo], ['no_cache_filter', b.noCacheFilter], ['tags', b.tags],
    ['platforms', b.platforms], ['entitlements', b.entitlements],
  ];
  for (const [key, list] of lists) if (list.length > 0) out[key] = [...list];
  for (const [key, on] of [['no_cache', b.noCache], ['pull', b.pull], ['privileged', b.privileged]] as const) if (on) out[key] = true;
  for (const [key, v] of [['target', b.target], ['network', b.network], ['isolation', b.isolation], ['provenance', b.provenance], ['sbom', b.sbom]] as const) set(out, key, v);
  set(out, 'shm_size', b.shmSize);
  for (const k of Object.keys(b.extensions).sort()) out[k] = b.extensions[k];
  return sortKeys(out);
}

function watchRule(rule: WatchRuleSpec): Out {
  const out: Out = Object.create(null);
  out.path = rule.path;
  out.action = rule.action;
  set(out, 'target', rule.target);
  if (rule.ignore.length > 0) out.ignore = [...rule.ignore];
  if (rule.include.length > 0) out.include = [...rule.include];
  if (rule.initialSync) out.initial_sync = true;
  if (rule.exec) out.exec = hook(rule.exec);
  for (const k of Object.keys(rule.extensions ?? {}).sort()) out[k] = rule.extensions![k];
  return sortKeys(out);
}

/** A lifecycle hook (or a watch rule's exec): defaults left out. */
function hook(h: Omit<HookSpec, 'command'> & { readonly command?: readonly string[]; readonly image?: string; readonly perReplica?: boolean }): Out {
  const e: Out = Object.create(null);
  if (h.command !== undefined) e.command = [...h.command];
  set(e, 'image', h.image);
  if (h.perReplica) e.per_replica = true;
  set(e, 'user', h.user);
  if (h.privileged) e.privileged = true;
  set(e, 'working_dir', h.workingDir);
  set(e, 'environment', userMap(h.environment));
  return sortKeys(e);
}

function sortKeys(o: Out): Out {
  const out: Out = Object.create(null);
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

function resources<T extends { readonly labels: Readonly<Record<string, string>>; readonly driverOpts?: Readonly<Record<string, string>> }>(
  specs: Readonly<Record<string, T>>,
  extra?: (spec: T, out: Out) => void,
): Out | undefined {
  const keys = Object.keys(specs).sort();
  if (keys.length === 0) return undefined;
  const out: Out = Object.create(null);
  for (const k of keys) {
    const spec = specs[k]!;
    const { labels, driverOpts, key: _key, ...rest } = spec as T & { key?: string };
    void _key;
    const o = (plain(rest) as Out | undefined) ?? (Object.create(null) as Out);
    set(o, 'driver_opts', userMap(driverOpts));
    set(o, 'labels', userMap(labels));
    extra?.(spec, o);
    out[k] = sortKeys(o);
  }
  return out;
}

/** The document `stack config` prints. */
export function toComposeDocument(loaded: StackModel, options: SerialiseOptions = {}): Out {
  const model = options.showSecrets ? loaded : hideSensitive(loaded);
  const out: Out = Object.create(null);
  out.name = model.projectName;
  const services: Out = Object.create(null);
  for (const name of Object.keys(model.services).sort()) services[name] = service(model.services[name]!);
  out.services = services;
  set(out, 'networks', resources(model.networks));
  set(out, 'volumes', resources(model.volumes));
  const hideContent = (spec: { content?: string }, o: Out): void => {
    // The value an `environment:` secret takes is the model's, not a Compose field.
    delete o.environment_value;
    if (!options.showSecrets) delete o.content;
    else if (spec.content !== undefined) o.content = spec.content;
  };
  set(out, 'secrets', resources(model.secrets, hideContent));
  set(out, 'configs', resources(model.configs, hideContent));
  for (const k of Object.keys(model.extensions).sort()) out[k] = model.extensions[k];
  return escapeDollars(out) as Out;
}

/**
 * Every `$` of a value as `$$`, as `docker compose config` prints it: the model holds values
 * after interpolation, so a literal `$` (written `$$`, or from a variable's value) printed as is
 * would be interpolated again when the output is read back as a stack file. Keys are never
 * interpolated, so they stay as they are.
 */
function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (value !== null && typeof value === 'object') {
    const out: Out = Object.create(null);
    for (const k of Object.keys(value)) out[k] = escapeDollars((value as Out)[k]);
    return out;
  }
  return value;
}
