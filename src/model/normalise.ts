// The valid document → the typed, frozen StackModel: each service in long syntax
// (normalise/service.ts), top-level resources with their engine names, profiles applied, the
// implicit `default` network, cross-reference checks (semantic.ts) and the dependency graph
// (graph.ts). Every problem found is collected; one StackFileError carries them all.

import { plainFs, type ModelFs } from './model-fs.js';
import { assertAcyclic } from './graph.js';
import { normaliseService } from './normalise/service.js';
import { type Doc, type Env, extensionsOf, hostPath, isMapping, listOrDict, Problems, stringDict, toBool, toStr } from './normalise/support.js';
import { checkReferences } from './semantic.js';
import { pathSegment, pathsHolding, stringsOf, valueAt } from './sensitive.js';
import {
  dict,
  type IpamSpec,
  type Locator,
  type ModelWarning,
  type NetworkSpec,
  type SecretSpec,
  type ServiceSpec,
  type StackModel,
  type VolumeSpec,
} from './types.js';

export interface NormaliseContext {
  readonly projectName: string;
  readonly projectDirectory: string;
  readonly configFiles: readonly string[];
  readonly locate: Locator;
  /** The variables interpolation used (shell env over .env/--env-file), for `environment: [FOO]` pass-through and `secrets.*.environment`. */
  readonly variables: Readonly<Record<string, string>>;
  /** Profiles enabled by --profile / STACK_PROFILES / COMPOSE_PROFILES. */
  readonly profiles: readonly string[];
  /** Services named on the command line: they are enabled whatever their profiles. */
  readonly selectedServices: readonly string[];
  /** Every value interpolation substituted. */
  readonly interpolatedValues: readonly string[];
  /** The substituted values of variables whose names look secret (sensitive.ts). */
  readonly secretValues: readonly string[];
  readonly warnings: readonly ModelWarning[];
  /** How files (env_file:) are read; the plain filesystem unless the load records its inputs. */
  readonly fs?: ModelFs;
}

export function normalise(doc: unknown, ctx: NormaliseContext): StackModel {
  const root: Doc = isMapping(doc) ? doc : {};
  const problems = new Problems(ctx.locate);
  const env: Env = {
    problems,
    projectName: ctx.projectName,
    projectDirectory: ctx.projectDirectory,
    variables: ctx.variables,
    outside: new Set(ctx.interpolatedValues),
    interpolated: ctx.interpolatedValues,
    secrets: new Set(ctx.secretValues),
    sensitiveFields: new Set(),
    fs: ctx.fs ?? plainFs,
  };

  // Profiles: a service with profiles runs only when one of them is active ('*' enables all)
  // or when it is named on the command line.
  const rawServices = mapping(root['services']);
  const active = new Set(ctx.profiles);
  const selected = new Set(ctx.selectedServices);
  const services = dict<ServiceSpec>();
  const disabled = dict<readonly string[]>();
  const allProfiles = new Set<string>();
  for (const name of Object.keys(rawServices)) {
    const raw = mapping(rawServices[name]);
    const profiles = Array.isArray(raw['profiles']) ? raw['profiles'].map(String) : [];
    profiles.forEach((p) => allProfiles.add(p));
    const enabled = profiles.length === 0 || active.has('*') || profiles.some((p) => active.has(p)) || selected.has(name);
    if (enabled) services[name] = normaliseService(env, name, raw);
    else disabled[name] = profiles;
  }
  // Unknown names in selectedServices are the command's to report (a usage error, not a file error).

  const networks = resources(env, root, 'networks', networkOf);
  const usesDefault = Object.values(services).some((s) => 'default' in s.networks);
  if (usesDefault && !('default' in networks)) networks['default'] = networkOf(env, 'default', null);
  const volumes = resources(env, root, 'volumes', volumeOf);
  const secrets = resources(env, root, 'secrets', (e, key, raw) => fileSourceOf(e, 'secret', key, raw));
  const configs = resources(env, root, 'configs', (e, key, raw) => fileSourceOf(e, 'config', key, raw));
  problems.throwIfAny();

  checkReferences(
    {
      raw: rawServices as Record<string, Record<string, unknown>>,
      services,
      disabled,
      networks: new Set(Object.keys(networks)),
      volumes: new Set(Object.keys(volumes)),
      secrets: new Set(Object.keys(secrets)),
      configs: new Set(Object.keys(configs)),
    },
    problems,
  );
  problems.throwIfAny();
  assertAcyclic(services, ctx.locate);

  const sensitive = sensitiveFieldsOf(env, { services, networks, volumes, secrets, configs });
  const model: StackModel = {
    projectName: ctx.projectName,
    projectDirectory: ctx.projectDirectory,
    configFiles: [...ctx.configFiles],
    services,
    disabledServices: Object.keys(disabled).sort(),
    networks,
    volumes,
    secrets,
    configs,
    profiles: [...allProfiles].sort(),
    activeProfiles: [...ctx.profiles],
    sensitivePaths: sensitive.paths,
    sensitiveValues: sensitive.values,
    secretValues: [...env.secrets].sort(),
    holdsOutsideValues: env.outside.size > 0,
    warnings: [...ctx.warnings, ...problems.warnings],
    extensions: extensionsOf(root),
  };
  return deepFreeze(model);
}

function mapping(v: unknown): Doc {
  return isMapping(v) ? v : {};
}

function resources<T>(env: Env, root: Doc, section: string, make: (env: Env, key: string, raw: unknown) => T): Record<string, T> {
  const out = dict<T>();
  const raw = mapping(root[section]);
  for (const key of Object.keys(raw)) out[key] = make(env, key, raw[key]);
  return out;
}

/**
 * `external` is true/false, or the deprecated `{name: x}` (then x is the engine name). Returns
 * whether the resource is external and the name it gives, if any.
 */
function externalOf(env: Env, raw: Doc, path: (string | number)[]): { external: boolean; name?: string } {
  const ext = raw['external'];
  if (isMapping(ext)) {
    const name = toStr(ext['name']);
    if (name !== undefined) {
      env.problems.warn([...path, 'external', 'name'], 'external.name is deprecated: use name: with external: true');
      if (raw['name'] !== undefined && raw['name'] !== name) {
        env.problems.add([...path, 'external', 'name'], `external.name '${name}' and name '${String(raw['name'])}' disagree`);
      }
    }
    return { external: true, ...(name !== undefined ? { name } : {}) };
  }
  return { external: toBool(env, ext, [...path, 'external']) ?? false };
}

/** Engine name: `name:`; else the key itself for external resources; else `<project>_<key>`. */
function engineName(env: Env, key: string, raw: Doc, external: { external: boolean; name?: string }): string {
  return toStr(raw['name']) ?? external.name ?? (external.external ? key : `${env.projectName}_${key}`);
}

function networkOf(env: Env, key: string, value: unknown): NetworkSpec {
  const raw = mapping(value);
  const path = ['networks', key];
  const external = externalOf(env, raw, path);
  const spec: { -readonly [K in keyof NetworkSpec]: NetworkSpec[K] } = {
    key,
    name: engineName(env, key, raw, external),
    external: external.external,
    driverOpts: stringDict(raw['driver_opts']),
    internal: toBool(env, raw['internal'], [...path, 'internal']) ?? false,
    attachable: toBool(env, raw['attachable'], [...path, 'attachable']) ?? false,
    labels: listOrDict(raw['labels'], () => ''),
  };
  const driver = toStr(raw['driver']);
  if (driver !== undefined) spec.driver = driver;
  const ipv6 = toBool(env, raw['enable_ipv6'], [...path, 'enable_ipv6']);
  if (ipv6 !== undefined) spec.enableIpv6 = ipv6;
  const ipv4 = toBool(env, raw['enable_ipv4'], [...path, 'enable_ipv4']);
  if (ipv4 !== undefined) spec.enableIpv4 = ipv4;
  if (isMapping(raw['ipam'])) spec.ipam = ipamOf(raw['ipam']);
  if (external.external) externalOnly(env, raw, path, ['driver', 'driver_opts', 'ipam', 'internal', 'attachable', 'enable_ipv6', 'enable_ipv4', 'labels']);
  return spec;
}

function ipamOf(raw: Doc): IpamSpec {
  const driver = toStr(raw['driver']);
  return {
    ...(driver !== undefined ? { driver } : {}),
    config: (Array.isArray(raw['config']) ? raw['config'] : []).filter(isMapping).map((c) => ({
      ...(toStr(c['subnet']) !== undefined ? { subnet: toStr(c['subnet'])! } : {}),
      ...(toStr(c['ip_range']) !== undefined ? { ipRange: toStr(c['ip_range'])! } : {}),
      ...(toStr(c['gateway']) !== undefined ? { gateway: toStr(c['gateway'])! } : {}),
      auxAddresses: stringDict(c['aux_addresses']),
    })),
    options: stringDict(raw['options']),
  };
}

function volumeOf(env: Env, key: string, value: unknown): VolumeSpec {
  const raw = mapping(value);
  const path = ['volumes', key];
  const external = externalOf(env, raw, path);
  const driver = toStr(raw['driver']);
  if (external.external) externalOnly(env, raw, path, ['driver', 'driver_opts', 'labels']);
  return {
    key,
    name: engineName(env, key, raw, external),
    external: external.external,
    ...(driver !== undefined ? { driver } : {}),
    driverOpts: stringDict(raw['driver_opts']),
    labels: listOrDict(raw['labels'], () => ''),
  };
}

/** Compose refuses settings on external resources: stack does not create them, so they would be ignored. */
function externalOnly(env: Env, raw: Doc, path: string[], keys: string[]): void {
  for (const k of keys) {
    if (raw[k] !== undefined) env.problems.add([...path, k], `'${k}' cannot be set on an external resource (stack does not create it)`);
  }
}

function fileSourceOf(env: Env, kind: 'secret' | 'config', key: string, value: unknown): SecretSpec {
  const raw = mapping(value);
  const path = [`${kind}s`, key];
  const external = externalOf(env, raw, path);
  const file = toStr(raw['file']);
  const variable = toStr(raw['environment']);
  const content = toStr(raw['content']);
  const sources = [external.external, file !== undefined, variable !== undefined, content !== undefined].filter(Boolean).length;
  if (sources === 0) {
    env.problems.add(path, `${kind} '${key}' needs a source: ${kind === 'config' ? 'file, environment, content' : 'file, environment'} or external`);
  } else if (sources > 1) {
    env.problems.add(path, `${kind} '${key}' has more than one source: set only one of file, environment${kind === 'config' ? ', content' : ''} or external`);
  }
  const keyPath = pathSegment(pathSegment('', `${kind}s`), key);
  if (content !== undefined) {
    env.sensitiveFields.add(`${keyPath}.content`);
    if (content !== '') {
      env.outside.add(content);
      env.secrets.add(content);
    }
  }
  let fromEnvironment: string | undefined;
  if (variable !== undefined) {
    fromEnvironment = env.variables[variable];
    if (fromEnvironment === undefined) env.problems.warn([...path, 'environment'], `variable ${variable} is not set: the ${kind} will be empty`);
    env.sensitiveFields.add(`${keyPath}.environmentValue`);
    if (fromEnvironment !== undefined && fromEnvironment !== '') {
      env.outside.add(fromEnvironment);
      env.secrets.add(fromEnvironment);
    }
  }
  return {
    key,
    name: engineName(env, key, raw, external),
    external: external.external,
    ...(file !== undefined ? { file: hostPath(env, file) } : {}),
    ...(variable !== undefined ? { environment: variable, environmentValue: fromEnvironment ?? '' } : {}),
    ...(content !== undefined ? { content } : {}),
    labels: listOrDict(raw['labels'], () => ''),
  };
}

/**
 * The sensitive fields of the model (sensitive.ts): those marked while normalising (by where
 * their value came from, or their key), and every field a secret value went into. Returns the
 * paths, sorted, and the values to keep out of free text: the secrets, and the whole value of
 * each field marked for where it came from (a field marked only for holding a secret is
 * covered by the secret itself: `token is s3cret` redacts as `token is (sensitive)`).
 */
function sensitiveFieldsOf(env: Env, sections: Record<'services' | 'networks' | 'volumes' | 'secrets' | 'configs', Readonly<Record<string, unknown>>>): { paths: string[]; values: string[] } {
  const secrets = [...env.secrets];
  const values = new Set(secrets);
  for (const p of env.sensitiveFields) for (const v of stringsOf(valueAt(sections, p))) values.add(v);
  for (const [section, entries] of Object.entries(sections)) {
    for (const key of Object.keys(entries)) {
      for (const p of pathsHolding(entries[key], pathSegment(pathSegment('', section), key), secrets)) env.sensitiveFields.add(p);
    }
  }
  return { paths: [...env.sensitiveFields].sort(), values: [...values].sort() };
}

/** Freezes the model in place. Walks arrays by index (Object.keys on arrays allocates one string per element). */
function deepFreeze<T>(value: T): T {
  const stack: object[] = [value as object];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Object.isFrozen(node)) continue;
    Object.freeze(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (v !== null && typeof v === 'object') stack.push(v);
      }
    } else {
      for (const key in node) {
        const v = (node as Record<string, unknown>)[key];
        if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
  }
  return value;
}
