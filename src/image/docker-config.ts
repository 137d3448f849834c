// The credentials part of the Docker CLI's config file, read as the CLI reads it
// (cli/config: Dir, load, LoadFromReader, decodeAuth; credentials.fileStore; DOCKER_AUTH_CONFIG):
//
//   - the file is $DOCKER_CONFIG/config.json, else ~/.docker/config.json; a missing file is an
//     empty config;
//   - `auths` maps a key (a host, `https://index.docker.io/v1/` for Docker Hub, or a URL as
//     older CLIs wrote it) to {auth: base64("user:password"), identitytoken, registrytoken}
//     (or username/password written out); `credsStore` names the helper for all registries,
//     `credHelpers` one per key;
//   - JSON keys match case-insensitively, as Go's encoding/json matches struct fields;
//   - DOCKER_AUTH_CONFIG (CLI 28.3+) holds `{"auths": {key: {"auth": …}}}` and is consulted
//     first, by exact key.
//
// Where the CLI refuses a whole file for one bad entry, we drop only that entry and say so.
// No message ever quotes the file's content: JSON.parse's own message quotes the text around
// the error, which may be a password, so only the position is kept.

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegistryCredential } from './registry-credential.js';

export interface DockerConfig {
  /** The file read (or looked for). */
  readonly path: string;
  /** Entries of `auths` as written (key → credential; anonymous when the entry holds none). */
  readonly auths: ReadonlyMap<string, RegistryCredential>;
  readonly credHelpers: ReadonlyMap<string, string>;
  readonly credsStore?: string;
  /** Entries of DOCKER_AUTH_CONFIG's `auths`, by exact key. */
  readonly envAuths: ReadonlyMap<string, RegistryCredential>;
  /** Whether the file has any credentials setting (then no default store is detected). */
  readonly containsAuth: boolean;
  /** What could not be read, without any value. */
  readonly warnings: readonly string[];
}

export const DOCKER_AUTH_CONFIG_ENV = 'DOCKER_AUTH_CONFIG';

/** Where the Docker CLI reads its config file from. */
export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  const dir = env.DOCKER_CONFIG || join(env.HOME || safeHomedir(), '.docker');
  return join(dir, 'config.json');
}

/** Reads the config file and DOCKER_AUTH_CONFIG. Never throws: what is unreadable becomes a warning. */
export async function loadDockerConfig(env: NodeJS.ProcessEnv): Promise<DockerConfig> {
  const path = dockerConfigPath(env);
  let text: string | undefined;
  const warnings: string[] = [];
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') warnings.push(`cannot read ${path} (${code ?? 'error'}); registries are used without credentials from it`);
  }
  return parseDockerConfig(text, path, env[DOCKER_AUTH_CONFIG_ENV], warnings);
}

/** The pure part of loadDockerConfig: `text` undefined means no file. */
export function parseDockerConfig(text: string | undefined, path: string, envAuthConfig?: string, warnings: string[] = []): DockerConfig {
  const auths = new Map<string, RegistryCredential>();
  const credHelpers = new Map<string, string>();
  let credsStore: string | undefined;
  let containsAuth = false;
  const root = text === undefined || text.trim() === '' ? {} : parseJsonObject(text, path, warnings);
  if (root !== undefined) {
    const authsValue = field(root, 'auths');
    if (isObject(authsValue)) {
      for (const key of Object.keys(authsValue)) {
        const entry = authsValue[key];
        const credential = isObject(entry) ? credentialOfEntry(key, entry, `${path}: auths["${key}"]`, warnings) : undefined;
        if (credential !== undefined) auths.set(key, credential);
        else if (!isObject(entry) && entry !== null) warnings.push(`${path}: auths["${key}"] is not an object; ignored`);
      }
    }
    const helpersValue = field(root, 'credHelpers');
    if (isObject(helpersValue)) {
      for (const key of Object.keys(helpersValue)) {
        const helper = helpersValue[key];
        if (typeof helper === 'string') credHelpers.set(key, helper);
        else warnings.push(`${path}: credHelpers["${key}"] is not a string; ignored`);
      }
    }
    const store = field(root, 'credsStore');
    if (typeof store === 'string' && store !== '') credsStore = store;
    containsAuth = credsStore !== undefined || credHelpers.size > 0 || (isObject(authsValue) && Object.keys(authsValue).length > 0);
  }
  const envAuths = envAuthConfig ? parseEnvAuthConfig(envAuthConfig, warnings) : new Map<string, RegistryCredential>();
  return { path, auths, credHelpers, ...(credsStore !== undefined ? { credsStore } : {}), envAuths, containsAuth, warnings };
}

/**
 * The file store's lookup (credentials.fileStore.Get): the entry under exactly `key`, else the
 * first whose key, read as a URL, names that host (`https://127.0.0.1:5000/v2/` for
 * `127.0.0.1:5000`).
 */
export function fileStoreGet(auths: ReadonlyMap<string, RegistryCredential>, key: string): RegistryCredential | undefined {
  const exact = auths.get(key);
  if (exact !== undefined) return exact;
  for (const [written, credential] of auths) {
    if (convertToHostname(written) === key) return credential;
  }
  return undefined;
}

/** credentials.ConvertToHostname: `https://host:port/path` → `host:port`; `host/path` → `host`. */
export function convertToHostname(maybeUrl: string): string {
  const scheme = maybeUrl.indexOf('://');
  if (scheme >= 0) {
    let authority = maybeUrl.slice(scheme + 3).split('/')[0]!;
    const at = authority.lastIndexOf('@');
    if (at >= 0) authority = authority.slice(at + 1);
    if (authority !== '') return authority;
  }
  return maybeUrl.split('/')[0]!;
}

function credentialOfEntry(key: string, entry: Record<string, unknown>, where: string, warnings: string[]): RegistryCredential | undefined {
  let username = stringField(entry, 'username');
  let password = stringField(entry, 'password');
  const auth = stringField(entry, 'auth');
  if (auth !== '') {
    const decoded = decodeAuth(auth);
    if (decoded === undefined) {
      warnings.push(`${where}: "auth" is not base64 of "user:password"; this entry is ignored`);
      return undefined;
    }
    ({ username, password } = decoded);
  }
  return RegistryCredential.fromFields({
    serverAddress: key,
    username,
    password,
    identityToken: stringField(entry, 'identitytoken'),
    registryToken: stringField(entry, 'registrytoken'),
  });
}

/** configfile.decodeAuth: strict standard base64 of `user:password`, user not empty. */
function decodeAuth(auth: string): { username: string; password: string } | undefined {
  if (auth.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(auth)) return undefined;
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  // Trailing NULs are trimmed, as the CLI trims them (old writers padded the buffer).
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '') };
}

/** DOCKER_AUTH_CONFIG: only `auths`, each with `auth`; anything else makes the CLI ignore it all. */
function parseEnvAuthConfig(value: string, warnings: string[]): Map<string, RegistryCredential> {
  const out = new Map<string, RegistryCredential>();
  const ignored = (why: string): Map<string, RegistryCredential> => {
    warnings.push(`${DOCKER_AUTH_CONFIG_ENV} is ignored: ${why}`);
    return new Map();
  };
  const root = parseJsonObject(value, DOCKER_AUTH_CONFIG_ENV, []);
  if (root === undefined) return ignored('it is not a JSON object');
  for (const name of Object.keys(root)) if (name.toLowerCase() !== 'auths') return ignored(`unknown field "${name}"`);
  const auths = field(root, 'auths');
  if (auths === undefined || auths === null) return out;
  if (!isObject(auths)) return ignored('"auths" is not an object');
  for (const key of Object.keys(auths)) {
    const entry = auths[key];
    if (!isObject(entry)) return ignored(`auths["${key}"] is not an object`);
    for (const name of Object.keys(entry)) if (name.toLowerCase() !== 'auth') return ignored(`unknown field auths["${key}"].${name}`);
    const auth = stringField(entry, 'auth');
    if (auth === '') return ignored(`auths["${key}"] has no "auth"`);
    const decoded = decodeAuth(auth);
    if (decoded === undefined) return ignored(`auths["${key}"].auth is not base64 of "user:password"`);
    out.set(key, RegistryCredential.fromFields({ serverAddress: key, ...decoded }));
  }
  return out;
}

function parseJsonObject(text: string, where: string, warnings: string[]): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text near the error (it may be a secret): keep the position only.
    const position = /position (\d+)/.exec(String((err as Error).message))?.[1];
    warnings.push(`${where} is not valid JSON${position !== undefined ? ` (at character ${position})` : ''}; registries are used without credentials from it`);
    return undefined;
  }
  if (!isObject(value)) {
    warnings.push(`${where} is not a JSON object; registries are used without credentials from it`);
    return undefined;
  }
  return value;
}

/** A member of a JSON object, matched as Go's encoding/json matches it: exactly, else ignoring case. */
function field(object: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(object, name)) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) return object[key];
  return undefined;
}

function stringField(object: Record<string, unknown>, name: string): string {
  const value = field(object, name);
  return typeof value === 'string' ? value : '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}
