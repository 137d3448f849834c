// The ssh command that carries the engine API, built in ONE place for its two users: the
// transport (engine/ssh-connection.ts, through endpoint.ts) and boot.cts, which starts that
// very command before the bundle loads (ssh-predial.cts). They must agree to the byte: the
// transport adopts a pre-dialled ssh only when the command it would run is the same.
//
// CommonJS (.cts), like cache-dir.cts: boot.cts loads it without the ES module loader, and
// without the bundle. So it imports nothing of ours, and node:child_process only when a
// process is really started.
//
// Also here: how an ssh process is watched from the moment it starts (`spawnSsh`). A process
// started by boot may end (a host key refused) long before the transport looks at it, and
// Node discards what an exited child printed unless someone was already reading; so the
// watching starts with the process, whoever ends up using it.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface SshTarget {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

export interface SshCommandLine {
  readonly command: string;
  readonly args: string[];
}

/** An `ssh://` address read: its target and its canonical spelling, or what is wrong with it. */
export type SshAddress =
  | { readonly ok: true; readonly target: SshTarget; readonly shown: string }
  | { readonly ok: false; readonly message: string; readonly hint?: string };

/** Reads `ssh://[user@]host[:port]` as the Docker CLI does (no password, path, query or fragment). */
export function parseSshAddress(value: string): SshAddress {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, message: `invalid ssh address "${value}"`, hint: 'use ssh://[user@]host[:port]' };
  }
  if (url.password) return { ok: false, message: `ssh address "${value}" must not contain a password: use an ssh agent or key` };
  if (url.pathname !== '' && url.pathname !== '/') {
    return { ok: false, message: `ssh address "${value}" must not have a path`, hint: 'use ssh://[user@]host[:port]' };
  }
  if (url.search || url.hash) return { ok: false, message: `ssh address "${value}" must not have a query or fragment` };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return { ok: false, message: `ssh address "${value}" names no host` };
  let user: string | undefined;
  try {
    user = url.username ? decodeURIComponent(url.username) : undefined;
  } catch {
    return { ok: false, message: `invalid ssh address "${value}": the user name is badly escaped` };
  }
  const port = url.port ? Number(url.port) : undefined;
  const shown = `ssh://${user ? `${user}@` : ''}${url.hostname}${port ? `:${port}` : ''}`;
  return { ok: true, target: { host, ...(user ? { user } : {}), ...(port ? { port } : {}) }, shown };
}

/**
 * The ssh command the transport runs, like the Docker CLI's connection helper: the system
 * `ssh` (so ~/.ssh/config, agents and keys work as for `docker`) running
 * `docker system dial-stdio` remotely. Host keys are checked against known_hosts, never
 * accepted blindly: `StrictHostKeyChecking=yes` overrides a laxer user setting, and
 * `BatchMode=yes` makes an unknown host or a password prompt fail instead of hanging.
 * `extraOptions` come before the host (the multiplexing options).
 */
export function sshCommand(target: SshTarget, extraOptions: readonly string[] = []): SshCommandLine {
  const args = ['-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-T', ...extraOptions];
  if (target.user) args.push('-l', target.user);
  if (target.port) args.push('-p', String(target.port));
  args.push('--', target.host, 'docker', 'system', 'dial-stdio');
  return { command: 'ssh', args };
}

/**
 * `-o` options that share one connection through the control socket at `controlPath`
 * (OpenSSH's ControlMaster): the first process logs in and becomes the master, the others
 * open channels on it. `ControlPersist=1`: the master outlives its last channel by a second.
 */
export function multiplexOptions(controlPath: string): string[] {
  return ['-o', 'ControlMaster=auto', '-o', `ControlPath=${controlPath}`, '-o', 'ControlPersist=1'];
}

/**
 * A new control socket path, `<dir>/m` in a private directory (0700, mkdtemp) of its own, so
 * two commands never share (or wait on) a master; undefined when no directory can be made.
 * A short name: a unix socket's path has room for about 100 bytes.
 */
export function newControlPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return join(mkdtempSync(join(env.XDG_RUNTIME_DIR || tmpdir(), 'stack-ssh-')), 'm');
  } catch {
    return undefined;
  }
}

/** How an ssh process ended: its exit status (null when killed by a signal), or the error that kept it from starting. */
export interface SshEnd {
  readonly code: number | null;
  readonly error?: Error;
}

/** An ssh process, watched since it started. */
export interface SshProcess {
  readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly commandLine: SshCommandLine;
  /** Date.now() when it was started. */
  readonly startedAt: number;
  /** What it printed on stderr so far, up to ~4000 characters. */
  stderr(): string;
  /** How it ended, once it has (stdio closed), else undefined. */
  end(): SshEnd | undefined;
  /** Calls `listener` once it has ended; at once (but never synchronously) when it already has. */
  onEnd(listener: (end: SshEnd) => void): void;
  /** Whether it still runs. */
  running(): boolean;
  /** The process and its pipes stop (or start again) keeping Node's event loop alive. */
  setRef(ref: boolean): void;
}

/** Starts `commandLine` with piped stdio and watches its stderr and its end from now on. */
export function spawnSsh(commandLine: SshCommandLine): SshProcess {
  // Loaded here: a local socket never needs node:child_process (start-up cost, issue 5).
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(commandLine.command, commandLine.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const startedAt = Date.now();
  let stderr = '';
  let ended: SshEnd | undefined;
  const listeners: ((end: SshEnd) => void)[] = [];
  const settle = (end: SshEnd): void => {
    if (ended) return;
    ended = end;
    for (const listener of listeners.splice(0)) listener(end);
  };
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 4000) stderr += c.toString();
  });
  // A spawn failure (no `ssh` on PATH) comes as 'error'; everything else as 'close', once ssh
  // has exited and its pipes are drained.
  child.on('error', (error) => settle({ code: null, error }));
  child.on('close', (code) => settle({ code }));
  return {
    child,
    commandLine,
    startedAt,
    stderr: () => stderr,
    end: () => ended,
    onEnd(listener) {
      if (ended) {
        const end = ended;
        // Never synchronously: the caller is still wiring the process up (an HTTP request
        // attaches its error handlers on a later tick than the socket is handed over).
        setImmediate(() => listener(end));
      } else listeners.push(listener);
    },
    running: () => ended === undefined && child.exitCode === null && child.signalCode === null,
    setRef(ref) {
      for (const handle of [child, child.stdin, child.stdout, child.stderr] as { ref?: () => void; unref?: () => void }[]) {
        if (ref) handle.ref?.();
        else handle.unref?.();
      }
    },
  };
}
