// The credential-helper protocol of docker/docker-credential-helpers, as the Docker CLI speaks
// it (client.Get): run `docker-credential-<name> get`, write the server URL on its stdin, read
// `{"ServerURL","Username","Secret"}` from its stdout. A helper that exits non-zero with
// stdout `credentials not found in native keychain` has nothing for that server: anonymous,
// not a failure. A Username of `<token>` means the Secret is an identity token.
//
// Nothing a helper writes is ever put into a message: its stdout may hold the secret, and its
// stderr is its own business (the CLI passes it to the terminal; a library has none). Failures
// are described by what happened (not installed, exit code, timeout, unreadable answer).

import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

export const HELPER_PREFIX = 'docker-credential-';
const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';
/** The token username a helper answers with when its Secret is an identity token. */
export const TOKEN_USERNAME = '<token>';
/** A helper may wait on a keyring or an agent; one that never answers must not hang `up`. */
export const DEFAULT_HELPER_TIMEOUT_MS = 60_000;
/** An answer is a few hundred bytes; more than this is not a helper speaking the protocol. */
const MAX_ANSWER_BYTES = 1 << 20;

export type HelperAnswer =
  | { readonly kind: 'found'; readonly username: string; readonly secret: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'failed'; readonly why: string };

export interface HelperRunOptions {
  /** The environment the helper runs with; its PATH finds the helper. */
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Asks `docker-credential-<helper>` for the credentials of `serverUrl`. Never throws. */
export function getFromHelper(helper: string, serverUrl: string, options: HelperRunOptions): Promise<HelperAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: HelperAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const timeoutMs = options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;
    const child = spawn(HELPER_PREFIX + helper, ['get'], { env: options.env, stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ kind: 'failed', why: `did not answer within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        child.kill('SIGKILL');
        finish({ kind: 'failed', why: 'answered with more than 1 MiB' });
        return;
      }
      chunks.push(chunk);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') finish({ kind: 'missing' });
      else finish({ kind: 'failed', why: `could not be run (${err.code ?? 'error'})` });
    });
    // A helper that exits without reading its input makes the write fail (EPIPE): its exit
    // status says what happened, not this.
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
    child.on('close', (code, signal) => {
      finish(readAnswer(Buffer.concat(chunks).toString('utf8'), code, signal));
    });
  });
}

function readAnswer(stdout: string, code: number | null, signal: NodeJS.Signals | null): HelperAnswer {
  if (code !== 0) {
    if (stdout.trim() === NOT_FOUND_MESSAGE) return { kind: 'not-found' };
    return { kind: 'failed', why: signal !== null ? `was killed by ${signal}` : `exited with code ${code}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return { kind: 'failed', why: 'answered with something that is not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object') return { kind: 'failed', why: 'answered with something that is not a JSON object' };
  const { Username: username, Secret: secret } = parsed as { Username?: unknown; Secret?: unknown };
  if ((username !== undefined && typeof username !== 'string') || (secret !== undefined && typeof secret !== 'string')) {
    return { kind: 'failed', why: 'answered with Username or Secret that is not a string' };
  }
  return { kind: 'found', username: username ?? '', secret: secret ?? '' };
}

/** Whether an executable `name` is on the PATH of `env` (exec.LookPath). */
export async function isOnPath(name: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    // LookPath skips relative PATH entries (Go 1.19's ErrDot); so do we.
    if (!isAbsolute(dir)) continue;
    try {
      await access(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * The credential store the Docker CLI falls back to when config.json holds no credentials
 * settings at all (credentials.DetectDefaultStore): the platform's keychain helper, when it is
 * installed. On Linux that is `pass` when the `pass` program exists, else `secretservice`.
 */
export async function detectDefaultStore(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  let store: string | undefined;
  if (platform === 'darwin') store = 'osxkeychain';
  else if (platform === 'win32') store = 'wincred';
  else if (platform === 'linux') {
    store = (await isOnPath('pass', env)) ? 'pass' : 'secretservice';
  }
  if (store === undefined) return undefined;
  return (await isOnPath(HELPER_PREFIX + store, env)) ? store : undefined;
}
