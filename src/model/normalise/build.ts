// A service's `build` section to its BuildSpec: every attribute of the Compose Build
// Specification, in one long form. What the loader judges is what compose-go judges
// (dockerfile and dockerfile_inline together, a malformed ssh entry, `platform` missing from
// `build.platforms`); what only a builder can judge (ssh, secrets, local additional contexts,
// cache_to, several platforms, which stack's builder cannot serve) is kept, with where it was
// written (`origins`), for the build step to refuse with the file's position.

import { isAbsolute, relative, resolve, sep } from 'node:path';
import { buildContextKind } from '../build-context.js';
import { serviceImageName } from '../image-name.js';
import { type AttributeOrigin, type BuildSecretSpec, type BuildSpec, dict } from '../types.js';
import { passedThrough } from './environment.js';
import { extraHostsOf } from './extra-hosts.js';
import {
  type Doc,
  type Env,
  extensionsOf,
  hostPath,
  isMapping,
  listOrDict,
  type Path,
  stringList,
  toBool,
  toMode,
  toSize,
  toStr,
} from './support.js';
import { ulimitsOf } from './ulimits.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the build normaliser needs to know about its service. */
export interface BuildOwner {
  readonly name: string;
  readonly image?: string;
  readonly platform?: string;
}

export function normaliseBuild(env: Env, value: unknown, path: Path, owner: BuildOwner): BuildSpec {
  const b: Doc = typeof value === 'string' ? { context: value } : isMapping(value) ? value : {};
  const at = (key: string): Path => [...path, key];
  const written = toStr(b['context']) ?? '.';
  const contextKind = buildContextKind(written);
  const context = contextKind === 'local' ? hostPath(env, written) : written;

  const spec: Mutable<BuildSpec> = {
    context,
    contextKind,
    args: listOrDict(b['args'], passedThrough(env)),
    labels: listOrDict(b['labels'], () => ''),
    cacheFrom: stringList(b['cache_from']),
    cacheTo: stringList(b['cache_to']),
    extraHosts: extraHostsOf(env, b['extra_hosts'], at('extra_hosts')),
    noCache: toBool(env, b['no_cache'], at('no_cache')) ?? false,
    noCacheFilter: stringList(b['no_cache_filter']),
    pull: toBool(env, b['pull'], at('pull')) ?? false,
    platforms: stringList(b['platforms']),
    tags: stringList(b['tags']),
    ulimits: ulimitsOf(env, b['ulimits'], at('ulimits')),
    privileged: toBool(env, b['privileged'], at('privileged')) ?? false,
    ssh: sshOf(env, b['ssh'], at('ssh')),
    secrets: buildSecretsOf(env, b['secrets'], at('secrets')),
    additionalContexts: additionalContextsOf(env, b['additional_contexts'], at('additional_contexts')),
    entitlements: stringList(b['entitlements']),
    origins: originsOf(env, value, b, path),
    extensions: extensionsOf(b),
  };
  const strings = [
    ['dockerfileInline', 'dockerfile_inline'], ['target', 'target'], ['network', 'network'], ['isolation', 'isolation'],
    ['provenance', 'provenance'], ['sbom', 'sbom'],
  ] as const;
  for (const [field, key] of strings) {
    const v = toStr(b[key]);
    if (v !== undefined) spec[field] = v;
  }
  const shm = toSize(env, b['shm_size'], at('shm_size'));
  if (shm !== undefined) spec.shmSize = shm;

  const dockerfile = toStr(b['dockerfile']);
  if (dockerfile !== undefined && spec.dockerfileInline !== undefined) {
    env.problems.add(path, 'dockerfile and dockerfile_inline are mutually exclusive: set only one');
  } else if (spec.dockerfileInline === undefined) {
    spec.dockerfile = contextKind === 'local' ? dockerfileFor(context, dockerfile ?? 'Dockerfile') : (dockerfile ?? 'Dockerfile');
  }

  checkPlatform(env, owner, spec.platforms, path);
  checkImageName(env, owner, path);
  return spec;
}

/**
 * The Dockerfile as the builder needs it: relative to a local context when it lies inside it
 * (the name inside the tar), else the absolute host path (the builder adds the file to the tar,
 * as the Docker CLI does for a Dockerfile outside the context).
 */
function dockerfileFor(context: string, dockerfile: string): string {
  const absolute = isAbsolute(dockerfile) ? resolve(dockerfile) : resolve(context, dockerfile);
  const inside = relative(context, absolute);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return absolute;
  return inside.split(sep).join('/');
}

/**
 * `ssh`: `default` (the agent of SSH_AUTH_SOCK) or `ID=PATH[,PATH]` list entries, or a mapping
 * of id to path (null for the agent). Paths are made absolute against the project directory,
 * as compose-go does (`services.*.build.ssh.*`). '' stands for the default agent.
 */
function sshOf(env: Env, value: unknown, path: Path): Record<string, string> {
  const out = dict<string>();
  const paths = (text: string) => text.split(',').map((p) => (p === '' ? p : hostPath(env, p))).join(',');
  if (Array.isArray(value)) {
    value.forEach((entry, i) => {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq < 0) {
        if (text === 'default') out[text] = '';
        else env.problems.add([...path, i], `invalid ssh entry '${text}'`, 'use `default` for the SSH agent, or ID=PATH for a key or socket');
        return;
      }
      out[text.slice(0, eq)] = paths(text.slice(eq + 1));
    });
  } else if (isMapping(value)) {
    for (const id of Object.keys(value)) {
      const v = value[id];
      out[id] = v === null || v === undefined ? '' : paths(String(v));
    }
  }
  return out;
}

/** Build secrets: `name`, or `{source, target, uid, gid, mode}`; target (the Dockerfile's id) defaults to source. */
function buildSecretsOf(env: Env, value: unknown, path: Path): BuildSecretSpec[] {
  if (!Array.isArray(value)) return [];
  return value.map((item, i) => {
    if (!isMapping(item)) return { source: String(item), target: String(item) };
    const source = String(item['source']);
    const uid = toStr(item['uid']);
    const gid = toStr(item['gid']);
    const mode = toMode(env, item['mode'], [...path, i, 'mode']);
    return {
      source,
      target: toStr(item['target']) ?? source,
      ...(uid !== undefined ? { uid } : {}),
      ...(gid !== undefined ? { gid } : {}),
      ...(mode !== undefined ? { mode } : {}),
    };
  });
}

/** `NAME=VALUE` list entries or a mapping; local folders become absolute, anything else is kept. */
function additionalContextsOf(env: Env, value: unknown, path: Path): Record<string, string> {
  const out = dict<string>();
  const add = (name: string, target: string) => {
    out[name] = buildContextKind(target) === 'local' ? hostPath(env, target) : target;
  };
  if (Array.isArray(value)) {
    value.forEach((entry, i) => {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq <= 0) env.problems.add([...path, i], `additional context '${text}' needs a name and a value`, 'write it as NAME=PATH, e.g. assets=./assets');
      else add(text.slice(0, eq), text.slice(eq + 1));
    });
  } else if (isMapping(value)) {
    for (const name of Object.keys(value)) {
      const v = value[name];
      if (v === null || v === undefined || v === '') env.problems.add([...path, name], `additional context '${name}' has no value`);
      else add(name, String(v));
    }
  }
  return out;
}

/** Where each attribute was written; the string form's only attribute is its context. */
function originsOf(env: Env, value: unknown, b: Doc, path: Path): Record<string, AttributeOrigin> {
  const out = dict<AttributeOrigin>();
  if (typeof value === 'string') {
    out['context'] = env.problems.origin(path);
    return out;
  }
  for (const key of Object.keys(b)) if (!key.startsWith('x-')) out[key] = env.problems.origin([...path, key]);
  return out;
}

/** compose-go: "service.build.platforms MUST include service.platform" when both are set. */
function checkPlatform(env: Env, owner: BuildOwner, platforms: readonly string[], path: Path): void {
  if (owner.platform === undefined || platforms.length === 0 || platforms.includes(owner.platform)) return;
  env.problems.add(
    ['services', owner.name, 'platform'],
    `platform '${owner.platform}' is not one of build.platforms (${platforms.join(', ')})`,
    `add it to ${[...path, 'platforms'].join('.')}, or change platform: the image built must be one the service can run`,
  );
}

/**
 * Repository names are lowercase components joined by `.`, `_`, `__` or dashes (the
 * distribution reference grammar). A service name may hold capitals or `..`, which would make
 * Compose's default name `<project>-<service>` one the engine refuses at build time.
 */
const REPOSITORY_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

function checkImageName(env: Env, owner: BuildOwner, path: Path): void {
  if (owner.image !== undefined) return;
  const name = serviceImageName(env.projectName, owner);
  if (REPOSITORY_NAME.test(name)) return;
  env.problems.warn(path, `the image built for service '${owner.name}' would be named '${name}', which is not a valid image name (lowercase letters, digits and separators): set image: to name it`);
}
