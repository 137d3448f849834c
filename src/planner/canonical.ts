// The canonical service spec: everything that shapes a container, and nothing that does not.
// Its hash is the `dev.stack.config-hash` label; its JSON is the `dev.stack.spec` label (the
// LAST APPLIED spec, each sensitive leaf a digest: sensitive-spec.ts), so that a later plan
// can say which field changed, down to the key.
//
// Left out, because changing them must not recreate a container (as in Compose's own
// config hash, which drops build, pull_policy, scale and, in recent versions, depends_on and
// profiles):
//   name (the key), scale (replica count), profiles, depends_on (ordering only: conditions
//   and `restart` decide when things start, not what the container is), develop.watch,
//   attach (log display), pull_policy and build (how the image is obtained: an image that
//   changes is caught by its id instead), env_file paths (their values are in
//   `environment` already), x-* extensions, lifecycle hooks (commands run in or beside
//   the container, not part of it), provider (a provider service has no container), and `deploy` beyond replicas and resources
//   (placement, update_config... are a scheduler's; a container has none of them).
// Put in, resolved to what the engine sees: engine names of named volumes and networks,
// `service:x` references (network_mode, volumes_from, links) as container names, and the
// host files of file-based secrets and configs, and the contents of delivered ones.

import { canonicalHash, canonicalJson, sha256Hex } from '../model/hash.js';
import type { ServiceSpec, StackModel } from '../model/types.js';
import { containerName, imageReference, networkName, volumeName } from './names.js';

export type CanonicalSpec = Record<string, unknown>;

/** The first container of a service, which `service:x` references resolve to (as Compose does). */
export function serviceContainerName(model: StackModel, serviceName: string): string {
  const target = model.services[serviceName];
  return target ? containerName(model.projectName, target, 1) : `${model.projectName}-${serviceName}-1`;
}

/** `service:x` → `container:<x-1>`; other modes unchanged. */
export function resolveNetworkMode(model: StackModel, mode: string | undefined): string | undefined {
  if (mode === undefined) return undefined;
  if (mode.startsWith('service:')) return `container:${serviceContainerName(model, mode.slice('service:'.length))}`;
  return mode;
}

/** `x`, `service:x[:ro]` → `<x-1>[:ro]`; `container:name[:ro]` → `name[:ro]`. */
export function resolveVolumesFrom(model: StackModel, entry: string): string {
  let rest = entry;
  let kind: 'service' | 'container' = 'service';
  if (rest.startsWith('container:')) {
    kind = 'container';
    rest = rest.slice('container:'.length);
  } else if (rest.startsWith('service:')) {
    rest = rest.slice('service:'.length);
  }
  let mode = '';
  const m = /:(ro|rw)$/.exec(rest);
  if (m) {
    mode = m[0];
    rest = rest.slice(0, -m[0].length);
  }
  return (kind === 'service' ? serviceContainerName(model, rest) : rest) + mode;
}

/** The service names a service's container identity depends on (network_mode / volumes_from). */
export function containerIdentityDependencies(service: ServiceSpec): string[] {
  const out = new Set<string>();
  if (service.networkMode?.startsWith('service:')) out.add(service.networkMode.slice('service:'.length));
  for (const entry of service.volumesFrom) {
    if (entry.startsWith('container:')) continue;
    const rest = entry.startsWith('service:') ? entry.slice('service:'.length) : entry;
    out.add(rest.replace(/:(ro|rw)$/, ''));
  }
  return [...out].sort();
}

/** `service[:alias]` → `<container of service>:alias` (the engine's legacy link form). */
export function resolveLink(model: StackModel, link: string): string {
  const [target = link, alias] = link.split(':');
  return `${serviceContainerName(model, target)}:${alias ?? target}`;
}

export function canonicalServiceSpec(model: StackModel, service: ServiceSpec): CanonicalSpec {
  /* eslint-disable @typescript-eslint/no-unused-vars */
  const {
    name: _name,
    scale: _scale,
    profiles: _profiles,
    dependsOn: _dependsOn,
    watch: _watch,
    attach: _attach,
    pullPolicy: _pullPolicy,
    build: _build,
    pullRefreshAfterMs: _pullRefreshAfterMs,
    envFiles: _envFiles,
    extensions: _extensions,
    deploy: _deploy,
    hooks: _hooks,
    provider: _provider,
    ...rest
  } = service;
  const networks = Object.create(null) as Record<string, unknown>;
  for (const [key, attachment] of Object.entries(service.networks)) {
    networks[key] = { ...attachment, name: networkName(model, key) };
  }
  const fileRefs = (refs: ServiceSpec['secrets'], kind: 'secrets' | 'configs') =>
    refs.map((ref) => {
      const def = Object.hasOwn(model[kind], ref.source) ? model[kind][ref.source] : undefined;
      // A delivered file's content (from `environment:` or `content:`) is part of what the
      // container is: a new value recreates it. It is a sensitive leaf (sensitive-spec.ts),
      // so the spec label holds its digest, never the value.
      const delivered = def !== undefined && !def.external && def.file === undefined;
      return { ...ref, name: def?.name, file: def?.file, environment: def?.environment, content: delivered ? (def.content ?? def.environmentValue ?? '') : undefined };
    });
  const spec: CanonicalSpec = {
    ...rest,
    image: imageReference(model.projectName, service),
    mounts: service.mounts.map((m) =>
      m.type === 'volume' && m.source !== undefined ? { ...m, source: volumeName(model, m.source) } : m,
    ),
    networks,
    networkMode: resolveNetworkMode(model, service.networkMode),
    volumesFrom: service.volumesFrom.map((v) => resolveVolumesFrom(model, v)),
    links: service.links.map((l) => resolveLink(model, l)),
    secrets: fileRefs(service.secrets, 'secrets'),
    configs: fileRefs(service.configs, 'configs'),
  };
  // Round-trip through canonical JSON: sorted keys, no undefined members, plain data. The
  // same shape is what the label stores, so old and new compare like for like.
  const text = canonicalJson(spec);
  const canonical = JSON.parse(text) as CanonicalSpec;
  canonicalText.set(canonical, text);
  return canonical;
}

/**
 * The canonical JSON each spec was parsed from: canonicalJson of the parsed spec gives the
 * same text again, so its hash need not write it a second time. Specs are frozen in spirit
 * (nothing mutates one after it is made); a WeakMap lets them go with the plan.
 */
const canonicalText = new WeakMap<CanonicalSpec, string>();

export function specHash(spec: CanonicalSpec): string {
  const text = canonicalText.get(spec);
  return text !== undefined ? sha256Hex(text) : canonicalHash(spec);
}
