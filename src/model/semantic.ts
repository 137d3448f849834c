// Cross-reference checks over the normalised stack, each a problem with its path and
// location: references to undefined networks, volumes, secrets and configs; dependencies on
// unknown or profile-disabled services; services with neither image nor build (nor provider);
// an image or container_name left empty by an unset variable; two services with one
// container_name; network_mode together with networks; build secrets that are not declared
// and `service:` build contexts that name no service with a build (compose-go's
// checkConsistency). Runs over enabled services only (a disabled service is not started, so
// its references do not matter until its profile is enabled).

import { didYouMean } from './did-you-mean.js';
import type { Problems } from './normalise/support.js';
import { dict, type DependsOnSpec, type ServiceSpec } from './types.js';

export interface SemanticInput {
  /** The services as written (for the index of list entries in paths). */
  readonly raw: Readonly<Record<string, Record<string, unknown>>>;
  /** Enabled services; their dependsOn may be pruned here (optional dependencies that are absent). */
  readonly services: Record<string, ServiceSpec>;
  /** Declared but disabled by profiles, with their profiles. */
  readonly disabled: Readonly<Record<string, readonly string[]>>;
  readonly networks: ReadonlySet<string>;
  readonly volumes: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
  readonly configs: ReadonlySet<string>;
}

export function checkReferences(input: SemanticInput, problems: Problems): void {
  for (const name of Object.keys(input.services)) {
    const spec = input.services[name]!;
    const raw = input.raw[name] ?? {};
    const at = (...rest: (string | number)[]) => ['services', name, ...rest];

    if (spec.image === undefined && spec.build === undefined && spec.provider === undefined) {
      problems.add(at(), `service '${name}' has neither an image nor a build section`, 'add `image: <name>` or `build: <directory>`');
    }
    // `${UNSET}` becomes "": the engine would answer with a confusing error, or pick a random name.
    if (spec.image === '') problems.add(at('image'), 'image is empty', EMPTY_HINT);
    if (spec.containerName === '') problems.add(at('container_name'), 'container_name is empty', EMPTY_HINT);
    if (spec.networkMode !== undefined && raw['networks'] !== undefined && raw['networks'] !== null) {
      problems.add(at('network_mode'), `network_mode and networks are mutually exclusive: '${name}' sets both`);
    }

    // Networks.
    Object.keys(spec.networks).forEach((key, i) => {
      if (key === 'default' || input.networks.has(key)) return;
      const path = Array.isArray(raw['networks']) ? at('networks', i) : at('networks', key);
      problems.add(path, `undefined network '${key}'${suggest(key, input.networks)}`, `declare it under the top-level networks: section`);
    });
    // Named volumes.
    spec.mounts.forEach((m, i) => {
      if (m.type !== 'volume' || m.source === undefined || input.volumes.has(m.source)) return;
      problems.add(at('volumes', i), `undefined volume '${m.source}'${suggest(m.source, input.volumes)}`, 'declare it under the top-level volumes: section, or use ./path for a bind mount');
    });
    // Secrets and configs.
    for (const [kind, refs, declared] of [['secret', spec.secrets, input.secrets], ['config', spec.configs, input.configs]] as const) {
      refs.forEach((ref, i) => {
        if (declared.has(ref.source)) return;
        problems.add(at(`${kind}s`, i), `undefined ${kind} '${ref.source}'${suggest(ref.source, declared)}`, `declare it under the top-level ${kind}s: section`);
      });
    }
    checkBuildReferences(input, problems, name, spec, raw);

    // Dependencies.
    const kept = dict<DependsOnSpec>();
    for (const dep of Object.keys(spec.dependsOn)) {
      const d = spec.dependsOn[dep]!;
      const path = dependencyPath(raw, name, dep, d);
      if (Object.prototype.hasOwnProperty.call(input.services, dep)) {
        kept[dep] = d;
      } else if (Object.prototype.hasOwnProperty.call(input.disabled, dep)) {
        const profiles = input.disabled[dep]!;
        if (d.required) {
          problems.add(path, `depends on '${dep}', which is disabled by its profiles (${profiles.join(', ')})`, `enable one with --profile ${profiles[0] ?? ''}, or mark the dependency required: false`);
        } else {
          problems.warn(path, `optional dependency '${dep}' is disabled by its profiles; starting without it`);
        }
      } else if (d.required) {
        problems.add(path, `depends on undefined service '${dep}'${suggest(dep, Object.keys(input.services))}`);
      } else {
        problems.warn(path, `optional dependency '${dep}' is not defined; starting without it`);
      }
    }
    (spec as { dependsOn: Record<string, DependsOnSpec> }).dependsOn = kept;
  }
  checkContainerNames(input, problems);
}

const EMPTY_HINT = 'a variable it uses may not be set: set it, give it a default (${NAME:-value}), or remove the key';

/** One container_name per container: a second service with the same one would never be created. */
function checkContainerNames(input: SemanticInput, problems: Problems): void {
  const first = new Map<string, string>();
  for (const name of Object.keys(input.services)) {
    const containerName = input.services[name]!.containerName;
    if (containerName === undefined || containerName === '') continue;
    const owner = first.get(containerName);
    if (owner === undefined) {
      first.set(containerName, name);
      continue;
    }
    const there = problems.origin(['services', owner, 'container_name']).location;
    const where = there ? ` (${there.file}:${there.line}:${there.col})` : '';
    problems.add(['services', name, 'container_name'], `container name '${containerName}' is also set by service '${owner}'${where}`, 'a container name is unique on the engine: give each service its own, or remove container_name');
  }
}

/** Build secrets must be declared; `service:x` additional contexts must name an enabled service that builds. */
function checkBuildReferences(input: SemanticInput, problems: Problems, name: string, spec: ServiceSpec, raw: Record<string, unknown>): void {
  const build = spec.build;
  if (!build) return;
  const at = (...rest: (string | number)[]) => ['services', name, 'build', ...rest];
  build.secrets.forEach((ref, i) => {
    if (input.secrets.has(ref.source)) return;
    problems.add(at('secrets', i), `undefined build secret '${ref.source}'${suggest(ref.source, input.secrets)}`, 'declare it under the top-level secrets: section');
  });
  const rawBuild = raw['build'];
  const rawContexts = rawBuild !== null && typeof rawBuild === 'object' ? (rawBuild as Record<string, unknown>)['additional_contexts'] : undefined;
  for (const key of Object.keys(build.additionalContexts)) {
    const value = build.additionalContexts[key]!;
    if (!value.startsWith('service:')) continue;
    const target = value.slice('service:'.length);
    const path = Array.isArray(rawContexts) ? at('additional_contexts', rawContexts.map(String).findIndex((e) => e.startsWith(`${key}=`))) : at('additional_contexts', key);
    if (!Object.prototype.hasOwnProperty.call(input.services, target)) {
      const why = Object.prototype.hasOwnProperty.call(input.disabled, target) ? 'which is disabled by its profiles' : `which is not defined${suggest(target, Object.keys(input.services))}`;
      problems.add(path, `build context '${key}' is the image of service '${target}', ${why}`);
    } else if (input.services[target]!.build === undefined) {
      problems.add(path, `build context '${key}' is the image of service '${target}', which has no build section`, `give '${target}' a build section, or name an image with docker-image://`);
    }
  }
}

/** Where a dependency was written: depends_on, or the links / volumes_from / network_mode entry that implied it. */
function dependencyPath(raw: Record<string, unknown>, name: string, dep: string, d: DependsOnSpec): (string | number)[] {
  const base = ['services', name];
  if (!d.implicit) {
    const list = raw['depends_on'];
    if (Array.isArray(list)) return [...base, 'depends_on', list.map(String).indexOf(dep)];
    return [...base, 'depends_on', dep];
  }
  for (const key of ['links', 'volumes_from'] as const) {
    const list = raw[key];
    if (!Array.isArray(list)) continue;
    const i = list.map(String).findIndex((e) => e === dep || e.startsWith(`${dep}:`) || e === `service:${dep}` || e.startsWith(`service:${dep}:`));
    if (i >= 0) return [...base, key, i];
  }
  for (const key of ['network_mode', 'ipc', 'pid']) if (raw[key] === `service:${dep}`) return [...base, key];
  return [...base];
}

function suggest(word: string, candidates: Iterable<string>): string {
  const guess = didYouMean(word, candidates);
  return guess ? ` — did you mean '${guess}'?` : '';
}
