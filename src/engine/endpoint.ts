// Where the engine is, resolved exactly as the Docker CLI resolves it, so that `stack` talks to
// the same engine `docker` does. A pure function of (flags, environment, a file reader): the
// caller passes a real reader, unit tests a fake one.
//
// The CLI's order (docker/cli `resolveContextName`, `getServerHost`, `opts.ParseHost`):
//   1. `--context` names a context (`--host` together with `--context` is an error);
//   2. `--host`, or else `DOCKER_HOST`, selects the `default` context;
//   3. `DOCKER_CONTEXT`, then `currentContext` in `$DOCKER_CONFIG/config.json` (~/.docker);
//   4. the `default` context: `--host` / `DOCKER_HOST`, else `unix:///var/run/docker.sock`
//      (`tcp://localhost:2376` when TLS is on and no host is given).
// TLS for the default context: on when `DOCKER_TLS_VERIFY` or `DOCKER_TLS` is any non-empty
// value (docker-modem wrongly wants exactly "1" or port 2376: see TRAPS), verification on when
// `DOCKER_TLS_VERIFY` is; material from `$DOCKER_CERT_PATH` (default: the config dir).
// A named context keeps its endpoint in `contexts/meta/<sha256(name)>/meta.json` and its TLS
// material in `contexts/tls/<sha256(name)>/docker/`.
//
// Podman: its Docker-compatible API is a unix socket like any other; point DOCKER_HOST or a
// context at it (`unix://$XDG_RUNTIME_DIR/podman/podman.sock`). We deliberately do not probe
// for it: the Docker CLI does not, and guessing would make `stack` and `docker` disagree about
// which engine they manage.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { parseSshAddress, type SshTarget } from '../ssh-command.cjs';

// The ssh command line is built in ssh-command.cts, shared with boot.cts (which starts it early).
export { sshCommand, type SshTarget } from '../ssh-command.cjs';

export const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';
const DEFAULT_TCP_PORT = 2375;
const DEFAULT_TLS_HOST = 'tcp://localhost:2376';

export interface TlsMaterial {
  /** PEM text; required when verifying. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Verify the server's certificate against `ca` (false = DOCKER_TLS without _VERIFY, or a context's SkipTLSVerify). */
  readonly verify: boolean;
  /** The directory the material was read from (DOCKER_CERT_PATH, or the context's TLS directory), for hints. */
  readonly dir?: string;
}


export interface Endpoint {
  readonly kind: 'unix' | 'tcp' | 'ssh';
  /** Canonical form, for messages: `unix:///var/run/docker.sock`, `tcp://h:2376`, `ssh://me@h`. */
  readonly url: string;
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly tls?: TlsMaterial;
  readonly ssh?: SshTarget;
  /** Which rule chose it, for messages and `--debug`. */
  readonly source: 'flag' | 'env' | 'context' | 'default';
  /** The context it came from, when one did (`default` included). */
  readonly contextName: string;
}

export interface EndpointFlags {
  readonly host?: string;
  readonly context?: string;
}

export interface FileReader {
  /** The file's text, or undefined when it does not exist. Other errors throw. */
  readFile(path: string): string | undefined;
  readonly homeDir: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: Env, files: FileReader): string {
  return nonEmpty(env.DOCKER_CONFIG) ?? join(files.homeDir, '.docker');
}

/** The context store keys directories by the SHA-256 of the context name. */
export function contextDirName(contextName: string): string {
  return createHash('sha256').update(contextName).digest('hex');
}

function readJson(files: FileReader, path: string, what: string): unknown {
  const text = files.readFile(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** The context name the CLI would use (before knowing whether it exists). */
export function resolveContextName(flags: EndpointFlags, env: Env, files: FileReader): string {
  if (nonEmpty(flags.context)) return flags.context!.trim();
  if (nonEmpty(flags.host)) return 'default';
  if (nonEmpty(env.DOCKER_HOST)) return 'default';
  const fromEnv = nonEmpty(env.DOCKER_CONTEXT);
  if (fromEnv) return fromEnv;
  const config = readJson(files, join(dockerConfigDir(env, files), 'config.json'), 'the Docker config file');
  if (config && typeof config === 'object' && 'currentContext' in config) {
    const current = (config as { currentContext?: unknown }).currentContext;
    if (typeof current === 'string' && current.trim() !== '') return current.trim();
  }
  return 'default';
}

export function resolveEndpoint(flags: EndpointFlags, env: Env, files: FileReader): Endpoint {
  if (nonEmpty(flags.host) && nonEmpty(flags.context)) {
    throw new UsageError('conflicting options: either specify --host or --context, not both');
  }
  const contextName = resolveContextName(flags, env, files);
  if (contextName === 'default') return defaultContextEndpoint(flags, env, files);
  return namedContextEndpoint(contextName, env, files);
}

function defaultContextEndpoint(flags: EndpointFlags, env: Env, files: FileReader): Endpoint {
  const tlsOn = nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined || nonEmpty(env.DOCKER_TLS) !== undefined;
  const verify = nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined;
  const flagHost = nonEmpty(flags.host);
  const envHost = nonEmpty(env.DOCKER_HOST);
  const raw = flagHost ?? envHost ?? (tlsOn ? DEFAULT_TLS_HOST : `unix://${DEFAULT_UNIX_SOCKET}`);
  const source: Endpoint['source'] = flagHost ? 'flag' : envHost ? 'env' : 'default';
  const parsed = parseHost(raw);
  if (parsed.kind !== 'tcp' || !tlsOn) return { ...parsed, source, contextName: 'default' };

  const certDir = nonEmpty(env.DOCKER_CERT_PATH) ?? dockerConfigDir(env, files);
  const ca = files.readFile(join(certDir, 'ca.pem'));
  if (verify && ca === undefined) {
    throw new UsageError(`DOCKER_TLS_VERIFY is set but there is no CA certificate at ${join(certDir, 'ca.pem')}`, {
      hint: 'set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem',
    });
  }
  // Like the CLI, client certificates are optional: used when both files exist.
  const cert = files.readFile(join(certDir, 'cert.pem'));
  const key = files.readFile(join(certDir, 'key.pem'));
  return { ...parsed, tls: tlsMaterial(certDir, verify, ca, cert, key), source, contextName: 'default' };
}

function tlsMaterial(dir: string, verify: boolean, ca?: string, cert?: string, key?: string): TlsMaterial {
  return {
    verify,
    dir,
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
  };
}

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

function namedContextEndpoint(contextName: string, env: Env, files: FileReader): Endpoint {
  const configDir = dockerConfigDir(env, files);
  const dir = contextDirName(contextName);
  const metaPath = join(configDir, 'contexts', 'meta', dir, 'meta.json');
  const meta = readJson(files, metaPath, `the metadata of context "${contextName}"`) as ContextMeta | undefined;
  if (meta === undefined) {
    throw new UsageError(`context "${contextName}" does not exist (no ${metaPath})`, {
      hint: 'list contexts with `docker context ls`, or use --host / DOCKER_HOST',
    });
  }
  const docker = meta.Endpoints?.docker;
  const host = nonEmpty(docker?.Host);
  if (!host) throw new UsageError(`context "${contextName}" has no docker endpoint (Endpoints.docker.Host in ${metaPath})`);
  const parsed = parseHost(host);
  if (parsed.kind !== 'tcp') return { ...parsed, source: 'context', contextName };

  const tlsDir = join(configDir, 'contexts', 'tls', dir, 'docker');
  const ca = files.readFile(join(tlsDir, 'ca.pem'));
  const cert = files.readFile(join(tlsDir, 'cert.pem'));
  const key = files.readFile(join(tlsDir, 'key.pem'));
  const skipVerify = docker?.SkipTLSVerify === true;
  // The CLI turns TLS on for a context when it has TLS material or SkipTLSVerify is set.
  const hasTls = ca !== undefined || cert !== undefined || key !== undefined || skipVerify;
  if (!hasTls) return { ...parsed, source: 'context', contextName };
  return { ...parsed, tls: tlsMaterial(tlsDir, !skipVerify, ca, cert, key), source: 'context', contextName };
}

type ParsedHost = Pick<Endpoint, 'kind' | 'url' | 'socketPath' | 'host' | 'port' | 'ssh'>;

/** Parse a `-H` / DOCKER_HOST / context value the way the CLI's `opts.ParseHost` does. */
export function parseHost(value: string): ParsedHost {
  const trimmed = value.trim();
  const sep = trimmed.indexOf('://');
  const scheme = sep < 0 ? 'tcp' : trimmed.slice(0, sep).toLowerCase();
  const rest = sep < 0 ? trimmed : trimmed.slice(sep + 3);
  switch (scheme) {
    case 'unix': {
      const socketPath = rest === '' ? DEFAULT_UNIX_SOCKET : rest;
      return { kind: 'unix', url: `unix://${socketPath}`, socketPath };
    }
    case 'tcp':
      // http:// and https:// are refused, as by the CLI: TLS comes from DOCKER_TLS_VERIFY.
      return parseTcp(rest, value);
    case 'ssh':
      return parseSsh(trimmed);
    case 'npipe':
      throw new UsageError(`named pipes (${value}) only exist on Windows`);
    case 'fd':
      throw new UsageError(`fd:// endpoints (${value}) are for the daemon, not for clients`);
    default:
      throw new UsageError(`invalid engine address "${value}"`, {
        hint: 'use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host',
      });
  }
}

function parseTcp(rest: string, original: string): ParsedHost {
  // The CLI accepts `tcp://host`, `tcp://host:port`, `tcp://:port`, `host:port`; a path is an error.
  const slash = rest.indexOf('/');
  if (slash >= 0 && rest.slice(slash) !== '/') {
    throw new UsageError(`invalid engine address "${original}": a tcp address takes no path`);
  }
  const hostPort = slash >= 0 ? rest.slice(0, slash) : rest;
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) throw new UsageError(`invalid engine address "${original}"`);
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    portText = after.startsWith(':') ? after.slice(1) : undefined;
  } else {
    const colon = hostPort.lastIndexOf(':');
    host = colon >= 0 ? hostPort.slice(0, colon) : hostPort;
    portText = colon >= 0 ? hostPort.slice(colon + 1) : undefined;
  }
  if (host === '') host = 'localhost';
  const port = portText === undefined || portText === '' ? DEFAULT_TCP_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`invalid engine address "${original}": bad port "${portText}"`);
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { kind: 'tcp', url: `tcp://${shownHost}:${port}`, host, port };
}

function parseSsh(value: string): ParsedHost {
  const address = parseSshAddress(value);
  if (!address.ok) throw new UsageError(address.message, address.hint ? { hint: address.hint } : undefined);
  return { kind: 'ssh', url: address.shown, ssh: address.target };
}
