// Phase 3, what a build operation carries: the Engine API options of a service's `build`
// section, the labels the built image gets, the build's identity (services whose builds are
// identical share one build), and the attributes stack's builder cannot serve.
//
// The builder is the classic one (`POST /build`, gateway.buildImage), which every engine has.
// What it cannot do is refused before anything is built, naming the attribute and where it was
// written (BuildSpec.origins): `ssh`, `secrets` and `additional_contexts` need BuildKit session
// services stack does not serve (the engine client's session serves only Auth: TRAPS), `cache_to` and
// several `platforms` need BuildKit exporters, `privileged` and `entitlements` BuildKit's
// entitlements. `provenance`, `sbom` and `no_cache_filter` are BuildKit refinements the classic
// builder has no word for: a warning says what happens instead.

import { COMPOSE, STACK } from '../../api/labels.js';
import type { AttributeOrigin, BuildSpec, ServiceSpec } from '../../model/types.js';
import { canonicalJson } from '../../model/hash.js';
import type { BuildContextRef, ImageBuildOp, ImageInputs } from '../types.js';

/** What an attribute the classic builder cannot serve needs, for the refusal. */
const UNSUPPORTED: readonly (readonly [keyof BuildSpec & string, string, (b: BuildSpec) => boolean])[] = [
  ['ssh', "BuildKit's SSH forwarding", (b) => Object.keys(b.ssh).length > 0],
  ['secrets', "BuildKit's build secrets", (b) => b.secrets.length > 0],
  ['additionalContexts', "BuildKit's named contexts", (b) => Object.keys(b.additionalContexts).length > 0],
  ['cacheTo', 'a BuildKit cache exporter', (b) => b.cacheTo.length > 0],
  ['platforms', 'a multi-platform BuildKit build', (b) => b.platforms.length > 1],
  ['privileged', "BuildKit's security.insecure entitlement", (b) => b.privileged],
  ['entitlements', 'BuildKit entitlements', (b) => b.entitlements.length > 0],
];

/** The attribute's name as written in the file. */
const FILE_NAME: Readonly<Record<string, string>> = {
  additionalContexts: 'additional_contexts',
  cacheTo: 'cache_to',
  noCacheFilter: 'no_cache_filter',
};

function origin(build: BuildSpec, attribute: string): string {
  const name = FILE_NAME[attribute] ?? attribute;
  const o: AttributeOrigin | undefined = build.origins[name];
  const where = o?.location ? `${o.location.file}:${o.location.line}:${o.location.col}: ` : '';
  return `${where}${o?.path ?? `build.${name}`}`;
}

/** Why the build of this service cannot be done by stack's builder, one line per attribute; empty when it can. */
export function unsupportedBuildAttributes(service: ServiceSpec, reference: string): string[] {
  const build = service.build!;
  const out: string[] = [];
  for (const [attribute, needs, used] of UNSUPPORTED) {
    if (used(build)) out.push(`${origin(build, attribute)}: service ${service.name} cannot build image ${reference}: this needs ${needs}, which stack's builder (the classic builder) does not have`);
  }
  if (build.contextKind === 'service' || build.contextKind === 'builder') {
    out.push(`${origin(build, 'context')}: service ${service.name} cannot build image ${reference}: the context ${build.context} is a BuildKit named context; use a folder or a git URL`);
  }
  return out;
}

/** Warnings for BuildKit refinements the classic builder does without. */
export function buildWarnings(service: ServiceSpec): string[] {
  const build = service.build!;
  const out: string[] = [];
  if (build.noCacheFilter.length > 0) out.push(`${origin(build, 'noCacheFilter')}: the classic builder cannot skip the cache for some stages only: the whole build of ${service.name} runs without cache`);
  for (const attestation of ['provenance', 'sbom'] as const) {
    if (build[attestation] !== undefined) out.push(`${origin(build, attestation)}: the classic builder makes no ${attestation} attestation: ignored for ${service.name}`);
  }
  return out;
}

/**
 * A build's identity: services whose identities are equal are built once (and the image tagged
 * for each). Everything that goes into the build, nothing of where it was written.
 */
export function buildKey(service: ServiceSpec): string {
  const { origins: _origins, extensions: _extensions, ...build } = service.build!;
  return canonicalJson({ build, platform: effectivePlatform(service) ?? null });
}

/** The one platform a build is for: `build.platforms`' only entry, else the service's. */
export function effectivePlatform(service: ServiceSpec): string | undefined {
  return service.build?.platforms[0] ?? service.platform;
}

/** The context as the executor's build preparer reads it. */
export function contextRef(build: BuildSpec): BuildContextRef {
  if (build.contextKind === 'local') {
    return {
      kind: 'local',
      contextDir: build.context,
      ...(build.dockerfile !== undefined ? { dockerfile: build.dockerfile } : {}),
      ...(build.dockerfileInline !== undefined ? { dockerfileInline: build.dockerfileInline } : {}),
    };
  }
  return { kind: 'remote', url: build.context, ...(build.dockerfile !== undefined ? { dockerfile: build.dockerfile } : {}) };
}

/** The build args sent: the file's, with the command line's (`--build-arg`) over them. */
export function effectiveBuildArgs(build: BuildSpec, inputs: ImageInputs): Record<string, string> {
  const args = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(build.args)) args[name] = value;
  for (const [name, value] of Object.entries(inputs.buildArgs ?? {})) args[name] = value;
  return args;
}

export interface BuildOpInput {
  readonly projectName: string;
  readonly service: ServiceSpec;
  /** The reference the image gets. */
  readonly reference: string;
  readonly buildHash?: string;
  readonly inputs: ImageInputs;
}

/** The options of the build operation: every Compose build attribute the Engine API takes. */
export function buildOptions(input: BuildOpInput): ImageBuildOp['options'] {
  const { service, reference, inputs } = input;
  const build = service.build!;
  const platform = effectivePlatform(service);
  const ulimits = Object.entries(build.ulimits).map(([name, u]) => ({ name, soft: u.soft, hard: u.hard }));
  return {
    tags: [...new Set([reference, ...build.tags])],
    buildArgs: effectiveBuildArgs(build, inputs),
    labels: imageLabels(input),
    ...(build.target !== undefined ? { target: build.target } : {}),
    ...(build.network !== undefined ? { networkMode: build.network } : {}),
    ...(build.extraHosts.length > 0 ? { extraHosts: build.extraHosts } : {}),
    ...(build.shmSize !== undefined ? { shmSizeBytes: build.shmSize } : {}),
    ...(build.pull || inputs.pullBaseImages ? { pull: true } : {}),
    ...(build.noCache || inputs.noCache || build.noCacheFilter.length > 0 ? { noCache: true } : {}),
    ...(build.cacheFrom.length > 0 ? { cacheFrom: build.cacheFrom } : {}),
    ...(ulimits.length > 0 ? { ulimits } : {}),
    ...(build.isolation !== undefined ? { isolation: build.isolation } : {}),
    ...(platform !== undefined ? { platform } : {}),
  };
}

/**
 * The user's `build.labels`, then ours: ownership (managed, project), the service it was built
 * for, the build hash when there is one (a remote context has none). Nothing that changes
 * between runs with the same inputs (no version, no time): the builder's cache then gives the
 * same image id, and a rebuild that changed nothing recreates nothing.
 */
function imageLabels(input: BuildOpInput): Record<string, string> {
  const labels = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(input.service.build!.labels)) labels[name] = value;
  labels[COMPOSE.project] = input.projectName;
  labels[COMPOSE.service] = input.service.name;
  labels[STACK.managed] = 'true';
  if (input.buildHash !== undefined) labels[STACK.buildHash] = input.buildHash;
  const bases = input.inputs.buildBases?.[input.service.name];
  if (input.buildHash !== undefined && bases !== undefined) labels[STACK.buildBases] = bases;
  return labels;
}
