// Registry credentials for pulls, pushes and builds, found exactly where and in the order the
// Docker CLI finds them (configfile.GetAuthConfig → GetCredentialsStore):
//
//   1. DOCKER_AUTH_CONFIG's `auths`, by exact key;
//   2. a credential helper: `credHelpers[key]`, else `credsStore`, else (only when config.json
//      has no credentials settings at all) the platform's default helper if installed;
//      its answer replaces whatever `auths[key]` holds; "credentials not found" = anonymous;
//   3. without a helper, `auths[key]` (or an entry written as a URL of that host).
//
// The key is the registry host, or `https://index.docker.io/v1/` for Docker Hub (see
// reference.ts authConfigKey). A helper that is missing or fails gives a warning (returned,
// never printed) and the lookup carries on as the CLI's ResolveAuthConfig does: with what
// `auths` holds for the key, which is nothing (anonymous) when the helper is in use.
//
// One RegistryCredentials per run: the config file is read once, and each key is looked up
// once (concurrent lookups of one key share the helper process). Everything is asynchronous;
// nothing is spawned until a credential is asked for.

import { OperationError } from '../errors.js';
import { authConfigKey, parseReference, registryHost, type ImageReference } from './reference.js';
import { loadDockerConfig, fileStoreGet, type DockerConfig } from './docker-config.js';
import { detectDefaultStore, getFromHelper, HELPER_PREFIX, TOKEN_USERNAME, type HelperAnswer } from './credential-helper.js';
import { encodeHeaderJson, RegistryCredential, type EngineAuthConfig } from './registry-credential.js';

export { RegistryCredential } from './registry-credential.js';

/** Where a credential came from, for `--debug` ("credentials for X: helper pass"); no values. */
export type CredentialSource =
  | { readonly kind: 'env' }
  | { readonly kind: 'helper'; readonly helper: string }
  | { readonly kind: 'config' }
  | { readonly kind: 'none' };

export interface CredentialLookup {
  /** The key looked up: a registry host, or Docker Hub's `https://index.docker.io/v1/`. */
  readonly key: string;
  /** Anonymous when nothing was found. Shows no secret however it is printed. */
  readonly credential: RegistryCredential;
  readonly source: CredentialSource;
  /** What went wrong on the way (a missing helper, an unreadable config), with no secret in it. */
  readonly warnings: readonly string[];
}

export interface HeaderWithWarnings {
  /** A header value. It carries secrets: send it, never show it. */
  readonly header: string;
  readonly warnings: readonly string[];
}

export interface RegistryCredentialsOptions {
  /** The environment: DOCKER_CONFIG, HOME, PATH (for helpers), DOCKER_AUTH_CONFIG. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long a credential helper may take to answer. */
  readonly helperTimeoutMs?: number;
  /** Replaces running helper programs (tests of timing-independent logic). */
  readonly getFromHelper?: typeof getFromHelper;
  readonly platform?: NodeJS.Platform;
}

export class RegistryCredentials {
  readonly #env: NodeJS.ProcessEnv;
  readonly #options: RegistryCredentialsOptions;
  #config: Promise<DockerConfig> | undefined;
  #defaultStore: Promise<string | undefined> | undefined;
  readonly #lookups = new Map<string, Promise<CredentialLookup>>();
  readonly #warnings = new Set<string>();

  constructor(options: RegistryCredentialsOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#options = options;
  }

  /** The credential for a registry key (`127.0.0.1:5000`, `https://index.docker.io/v1/`). */
  forKey(key: string): Promise<CredentialLookup> {
    let lookup = this.#lookups.get(key);
    if (lookup === undefined) {
      lookup = this.#lookUp(key).then((found) => {
        for (const warning of found.warnings) this.#warnings.add(warning);
        return found;
      });
      this.#lookups.set(key, lookup);
    }
    return lookup;
  }

  /**
   * Every distinct warning of the lookups so far, in the order they first came: one lookup's
   * warnings come back with each image of that registry, this says each once.
   */
  warnings(): readonly string[] {
    return [...this.#warnings];
  }

  /** The credential for the registry an image lives in. */
  async forImage(image: ImageReference | string): Promise<CredentialLookup> {
    return this.forKey(authConfigKey(registryHost(toReference(image))));
  }

  /** The X-Registry-Auth value for pulling or pushing `image` (anonymous: `e30=`, i.e. `{}`). */
  async registryAuthHeader(image: ImageReference | string): Promise<HeaderWithWarnings> {
    const lookup = await this.forImage(image);
    return { header: lookup.credential.authHeader(), warnings: lookup.warnings };
  }

  /**
   * The X-Registry-Config value for a build: key → AuthConfig for the registries of the given
   * images (FROM, cache_from), anonymous ones left out. The Docker CLI sends every credential
   * it has; sending only those a build can use keeps other registries' secrets (and their
   * helpers' prompts) out of it. Images that are no valid reference are skipped.
   */
  async buildRegistryConfig(images: Iterable<ImageReference | string>): Promise<HeaderWithWarnings> {
    const keys = new Set<string>();
    for (const image of images) {
      const ref = typeof image === 'string' ? parseReference(image) : image;
      if (!(ref instanceof Error)) keys.add(authConfigKey(registryHost(ref)));
    }
    const configs: Record<string, EngineAuthConfig> = Object.create(null) as Record<string, EngineAuthConfig>;
    const warnings: string[] = [];
    for (const lookup of await Promise.all([...keys].sort().map((key) => this.forKey(key)))) {
      warnings.push(...lookup.warnings);
      if (!lookup.credential.isAnonymous) configs[lookup.key] = lookup.credential.engineAuthConfig();
    }
    return { header: encodeHeaderJson(configs), warnings: unique(warnings) };
  }

  async #lookUp(key: string): Promise<CredentialLookup> {
    this.#config ??= loadDockerConfig(this.#env);
    const config = await this.#config;
    const warnings = [...config.warnings];
    const fromEnv = config.envAuths.get(key);
    if (fromEnv !== undefined) return { key, credential: fromEnv, source: { kind: 'env' }, warnings };

    const fromFile = fileStoreGet(config.auths, key);
    const helper = config.credHelpers.get(key) ?? config.credsStore ?? (config.containsAuth ? undefined : await this.#detectDefaultStore());
    if (helper === undefined) {
      return fromFile !== undefined && !fromFile.isAnonymous
        ? { key, credential: fromFile, source: { kind: 'config' }, warnings }
        : { key, credential: fromFile ?? RegistryCredential.anonymous(), source: { kind: 'none' }, warnings };
    }

    const ask = this.#options.getFromHelper ?? getFromHelper;
    const answer = await ask(helper, key, { env: this.#env, ...(this.#options.helperTimeoutMs !== undefined ? { timeoutMs: this.#options.helperTimeoutMs } : {}) });
    if (answer.kind === 'found') return { key, credential: credentialFromHelper(key, answer), source: { kind: 'helper', helper }, warnings };
    if (answer.kind === 'not-found') return { key, credential: RegistryCredential.anonymous(), source: { kind: 'none' }, warnings };
    // As the CLI's ResolveAuthConfig: the helper's error is set aside and what the file holds
    // for the key is used (nothing, when the helper is how credentials are stored).
    const fallback = fromFile ?? RegistryCredential.anonymous();
    warnings.push(helperProblem(helper, key, answer, config.credHelpers.has(key) ? 'credHelpers' : 'credsStore', fallback));
    return { key, credential: fallback, source: fallback.isAnonymous ? { kind: 'none' } : { kind: 'config' }, warnings };
  }

  #detectDefaultStore(): Promise<string | undefined> {
    this.#defaultStore ??= detectDefaultStore(this.#env, this.#options.platform);
    return this.#defaultStore;
  }
}

function credentialFromHelper(key: string, answer: { username: string; secret: string }): RegistryCredential {
  return answer.username === TOKEN_USERNAME
    ? RegistryCredential.fromFields({ serverAddress: key, identityToken: answer.secret })
    : RegistryCredential.fromFields({ serverAddress: key, username: answer.username, password: answer.secret });
}

function helperProblem(
  helper: string,
  key: string,
  answer: Exclude<HelperAnswer, { kind: 'found' } | { kind: 'not-found' }>,
  setting: 'credHelpers' | 'credsStore',
  fallback: RegistryCredential,
): string {
  const program = HELPER_PREFIX + helper;
  const what = answer.kind === 'missing' ? `${program} (${setting} in the Docker config) is not installed or not on PATH` : `credential helper ${program} ${answer.why}`;
  const then = fallback.isAnonymous ? `${key} is used anonymously` : `${key} is used with the credentials config.json's auths holds for it`;
  return `${what}; ${then}`;
}

function toReference(image: ImageReference | string): ImageReference {
  if (typeof image !== 'string') return image;
  const ref = parseReference(image);
  if (ref instanceof Error) throw new OperationError(ref.message, { hint: 'write the image as [registry/]repository[:tag][@digest], in lower case' });
  return ref;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
