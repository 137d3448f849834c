// The images part of a run, on the façade's side: the I/O the pure images phase needs, done
// before planning, and the ports the executor's image operations use.
//
//   - the content hash of each local build the plan is about (one ContextHashSession per run:
//     services that build one context share its walk; git and URL contexts are not hashed, the
//     engine fetches those itself), over the part of the context its Dockerfile reads
//     (image/dockerfile-reads.ts) — the whole context when that cannot be told, or when a base
//     image has ONBUILD triggers (they may COPY anything);
//   - the base images of each build as the engine has them (ids, one inspect per image), so that
//     `stack build` can skip a build whose inputs and bases are unchanged;
//   - for an image stack built from another version of its build (the image's build-hash label
//     differs): what changed, from the manifests kept in the cache (describeContextChange);
//   - when each image with a refresh pull policy was last pulled (pull-times.ts);
//   - the clock.
// All of it reaches `reconcile` as plain data (ReconcileOptions.images).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ObservedState } from '../api/observed.js';
import type { EngineGateway } from '../engine/gateway.js';
import type { ImagePorts } from '../engine/image-ports.js';
import type { ContextHashResult } from '../image/context-hash.js';
import type { RegistryCredentials } from '../image/credentials.js';
import type { PullTimes } from '../image/pull-times.js';
import { serviceImageName } from '../model/image-name.js';
import { cacheDir } from '../cache-dir.cjs';
import type { ServiceSpec, StackModel } from '../model/types.js';
import { effectiveBuildArgs, effectivePlatform } from '../planner/phases/image-build.js';
import type { BuildChange, BuildPolicy, ImageInputs, PullOverride } from '../planner/types.js';

export interface ImageRunOptions {
  /** The user's environment (the Docker config, credential helpers, the cache directory). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The engine's identity, under which pulls are recorded. */
  readonly endpoint: string;
  /** The services the plan is about, with their dependencies unless `noDeps`; none: all. */
  readonly services?: readonly string[];
  readonly noDeps?: boolean;
  readonly build?: BuildPolicy;
  readonly pull?: PullOverride;
  /** `stack build --build-arg`, `--no-cache`, `--pull`. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly noCache?: boolean;
  readonly pullBaseImages?: boolean;
  /** The build-context cache (stat caches, manifests); default: STACK_CACHE's; false: none. */
  readonly cacheDir?: string | false;
  /** The clock (ms since the epoch). */
  readonly now?: () => number;
  /** What the engine has of a base image (engineBaseImages); none: every base counts as unknown. */
  readonly baseImage?: BaseImageLookup;
}

/** A base image as the engine has it: its id, whether it carries ONBUILD triggers, the ENV names it sets; undefined when absent. */
export type BaseImageLookup = (reference: string) => Promise<{ readonly id: string; readonly onBuild: boolean; readonly envNames: readonly string[] } | undefined>;

/** Base images looked up through the engine, each once per run. */
export function engineBaseImages(gateway: EngineGateway): BaseImageLookup {
  const seen = new Map<string, ReturnType<BaseImageLookup>>();
  return (reference) => {
    let found = seen.get(reference);
    if (!found) {
      found = gateway.inspectImage(reference).then(
        (image) => ({ id: image.id, onBuild: (image.onBuild?.length ?? 0) > 0, envNames: image.envNames ?? [] }),
        () => undefined,
      );
      seen.set(reference, found);
    }
    return found;
  };
}

/** Where a plan's image inputs come from: the run's hashes and the engine's images, or "use what is there". */
export interface ImageInputSource {
  inputs(observed: ObservedState): Promise<ImageInputs>;
}

/** After `up` got its images: every image is used as the engine now has it. */
export const SETTLED: ImageInputSource = { inputs: async () => ({ settled: true }) };

interface Hashed {
  readonly results: ReadonlyMap<string, ContextHashResult>;
  readonly errors: Readonly<Record<string, string>>;
  /** Service → digest of its base images' `reference=id` lines (absent: a base is not present). */
  readonly bases: Readonly<Record<string, string>>;
  /** Services whose Dockerfile ADDs a URL. */
  readonly fetchesUrls: readonly string[];
}

/** One run's image I/O: hashes made once, credentials read once, pulls recorded. */
export class ImageRun implements ImageInputSource {
  #credentials: RegistryCredentials | undefined;
  #pullTimes: PullTimes | undefined;

  private constructor(
    private readonly model: StackModel,
    private readonly options: ImageRunOptions,
    private readonly hashed: Hashed,
  ) {}

  /** Hashes the builds the plan is about (see the top of this file). */
  static async start(model: StackModel, given: ImageRunOptions): Promise<ImageRun> {
    // The cache follows the run's environment (STACK_CACHE, XDG_CACHE_HOME), as the model cache does.
    const options: ImageRunOptions = given.cacheDir !== undefined ? given : { ...given, cacheDir: cacheDir('build-context', given.env as NodeJS.ProcessEnv) ?? (false as const) };
    return new ImageRun(model, options, await hashBuilds(model, options));
  }

  /** What `reconcile` needs to know about images, given what the engine has. */
  async inputs(observed: ObservedState): Promise<ImageInputs> {
    const { options } = this;
    const buildHashes = Object.create(null) as Record<string, string>;
    for (const [name, result] of this.hashed.results) buildHashes[name] = result.hash;
    return {
      buildHashes,
      buildChanges: await this.changes(observed),
      buildBases: this.hashed.bases,
      ...(this.hashed.fetchesUrls.length > 0 ? { buildFetchesUrls: this.hashed.fetchesUrls } : {}),
      ...(Object.keys(this.hashed.errors).length > 0 ? { buildHashErrors: this.hashed.errors } : {}),
      lastPulls: await this.lastPulls(),
      now: (options.now ?? Date.now)(),
      ...(options.buildArgs !== undefined ? { buildArgs: options.buildArgs } : {}),
      ...(options.noCache ? { noCache: true } : {}),
      ...(options.pullBaseImages ? { pullBaseImages: true } : {}),
    };
  }

  /**
   * The executor's image ports for this run, loaded on first use: a run with no image
   * operation never loads the tar writer or reads the Docker config.
   */
  lazyPorts(): ImagePorts {
    let loaded: Promise<ImagePorts> | undefined;
    const get = (): Promise<ImagePorts> => (loaded ??= this.ports());
    return {
      prepareBuild: async (op, signal) => (await get()).prepareBuild(op, signal),
      registryAuth: async (image) => (await get()).registryAuth(image),
      pulled: async (image, at) => (await get()).pulled?.(image, at),
    };
  }

  /** The executor's image ports for this run. */
  async ports(): Promise<ImagePorts> {
    const [{ localImagePorts }, credentials, pullTimes] = await Promise.all([import('../image/image-ports.js'), this.credentials(), this.pullTimes()]);
    return localImagePorts({ env: this.env(), credentials, pullTimes: { store: pullTimes, engine: this.options.endpoint } });
  }

  private env(): NodeJS.ProcessEnv {
    return this.options.env as NodeJS.ProcessEnv;
  }

  private async credentials(): Promise<RegistryCredentials> {
    if (!this.#credentials) {
      const { RegistryCredentials } = await import('../image/credentials.js');
      this.#credentials = new RegistryCredentials({ env: this.env() });
    }
    return this.#credentials;
  }

  private async pullTimes(): Promise<PullTimes> {
    if (!this.#pullTimes) {
      const { openPullTimes } = await import('../image/pull-times.js');
      this.#pullTimes = openPullTimes({ env: this.env() });
    }
    return this.#pullTimes;
  }

  /** For each hashed build whose image carries another build hash: what changed, when the old manifest is still in the cache. */
  private async changes(observed: ObservedState): Promise<Record<string, BuildChange>> {
    const out = Object.create(null) as Record<string, BuildChange>;
    const labelled = observed.imageBuildHashes ?? {};
    let describe: typeof import('../image/context-manifest.js').describeContextChange | undefined;
    for (const [name, result] of this.hashed.results) {
      const old = labelled[serviceImageName(this.model.projectName, this.model.services[name]!)];
      if (old === undefined || old === result.hash) continue;
      describe ??= (await import('../image/context-manifest.js')).describeContextChange;
      const change = describe(old, result, this.options.cacheDir !== undefined ? { cacheDir: this.options.cacheDir } : {});
      if (change) out[name] = change;
    }
    return out;
  }

  /** When the images of services with a refresh pull policy were last pulled (none asked when no service has one). */
  private async lastPulls(): Promise<Record<string, number>> {
    const out = Object.create(null) as Record<string, number>;
    if (this.options.pull !== undefined) return out;
    const refreshing = selectServices(this.model, this.options).filter((s) => s.pullPolicy === 'refresh' && s.image !== undefined);
    if (refreshing.length === 0) return out;
    const times = await this.pullTimes();
    await Promise.all(
      refreshing.map(async (s) => {
        const at = await times.lastPulled(this.options.endpoint, s.image!);
        if (at !== undefined) out[s.image!] = at;
      }),
    );
    return out;
  }
}

/** The services a plan is about: those named and (unless noDeps) what they depend on; all when none is named. */
export function selectServices(model: StackModel, options: Pick<ImageRunOptions, 'services' | 'noDeps'>): ServiceSpec[] {
  const named = options.services ?? [];
  if (named.length === 0) return Object.values(model.services);
  const out = new Set<string>();
  const stack = [...named];
  while (stack.length > 0) {
    const name = stack.pop()!;
    const service = model.services[name];
    if (out.has(name) || service === undefined) continue;
    out.add(name);
    if (!options.noDeps) stack.push(...Object.keys(service.dependsOn));
  }
  return [...out].sort().map((name) => model.services[name]!).filter((s) => s !== undefined);
}

/** The content hash of every local build in scope (none with --no-build: nothing would be rebuilt). */
async function hashBuilds(model: StackModel, options: ImageRunOptions): Promise<Hashed> {
  const results = new Map<string, ContextHashResult>();
  const errors = Object.create(null) as Record<string, string>;
  const bases = Object.create(null) as Record<string, string>;
  const fetchesUrls: string[] = [];
  if (options.build?.policy === 'never') return { results, errors, bases, fetchesUrls };
  const services = selectServices(model, options).filter((s) => s.build?.contextKind === 'local');
  if (services.length === 0) return { results, errors, bases, fetchesUrls };
  const [{ ContextHashSession, hashContextSync }, { resolveBuildContext }, { dockerfileReads, ReadScope }, { baseImages }] = await Promise.all([
    import('../image/context-hash.js'),
    import('../image/build-context.js'),
    import('../image/dockerfile-reads.js'),
    import('../image/base-images.js'),
  ]);
  const session = new ContextHashSession();
  const lookup = options.baseImage ?? (async () => undefined);
  for (const service of services) {
    const build = service.build!;
    const platform = effectivePlatform(service);
    try {
      const args = effectiveBuildArgs(build, options.buildArgs !== undefined ? { buildArgs: options.buildArgs } : {});
      const input = {
        contextDir: build.context,
        ...(build.dockerfile !== undefined ? { dockerfile: build.dockerfile } : {}),
        ...(build.dockerfileInline !== undefined ? { dockerfileInline: build.dockerfileInline } : {}),
        args,
        ...(build.target !== undefined ? { target: build.target } : {}),
        ...(platform !== undefined ? { platform } : {}),
      };
      const resolved = resolveBuildContext(input);
      const dockerfile = resolved.dockerfile.kind === 'generated' ? resolved.dockerfile.content.toString('utf8') : readFileSync(resolved.dockerfile.absPath, 'utf8');
      const from = baseImages(dockerfile, args);
      const found = await Promise.all(from.map(lookup));
      const reads = dockerfileReads(dockerfile, args, new Set(found.flatMap((b) => b?.envNames ?? [])));
      if (reads.fetchesUrls) fetchesUrls.push(service.name);
      // An absent base (pulled by the build) counts as one without triggers or ENV: were it to
      // have some that matter, the next plan sees them and hashes the whole context, one
      // rebuild later (never one missed: an absent base means a build now anyway).
      const triggers = found.some((b) => b?.onBuild === true);
      if (found.every((b) => b !== undefined)) bases[service.name] = basesDigest(from, found.map((b) => b!.id));
      const scope = reads.sources !== 'all' && !triggers ? { reads: new ReadScope(reads.sources), sources: reads.sources } : undefined;
      results.set(service.name, hashContextSync(input, { session, resolved, ...(scope ? { scope } : {}), ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}) }));
    } catch (e) {
      errors[service.name] = e instanceof Error ? e.message : String(e);
    }
  }
  return { results, errors, bases, fetchesUrls };
}

/** The digest of a build's base images: `reference=id` lines, sorted. */
function basesDigest(references: readonly string[], ids: readonly string[]): string {
  const lines = references.map((r, i) => `${r}=${ids[i]}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
