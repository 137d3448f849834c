// Connections to an engine over ssh, made the way the Docker CLI makes them: the system `ssh`
// (so ~/.ssh/config, agents, keys and known_hosts work as they do for `docker`) running
// `docker system dial-stdio` on the remote host, whose stdio carries plain HTTP to the engine.
//
// What this adds, because one ssh process per request made every command slow (issue 14: a
// no-op `up` opened 5 ssh connections, `logs` 7; the Docker CLI opens 1, and each costs a key
// exchange, a login and a remote `docker` start — 0.6 s on 127.0.0.1 here):
//   - the connections are HTTP keep-alive connections (see `SshAgent`): sequential calls reuse
//     one `dial-stdio` stream, idle ones are unref'd (they never keep the process alive) and
//     dropped when their ssh ends;
//   - every ssh process of one gateway shares ONE ssh connection (OpenSSH multiplexing): the
//     first runs as `ControlMaster=auto` with a control socket in a private directory, which
//     backgrounds a master once logged in; the others, started only once that socket exists,
//     open a channel on it: no key exchange, no login, one `dial-stdio` each. So a `logs -f`
//     of several services (one long stream each) is still one ssh connection.
//   - `ControlPersist=1`: the master outlives the last channel by a second, then exits on its
//     own; a command that dies leaves nothing behind for longer. Each gateway has its own
//     control socket, so two commands never share (or wait on) a master.
//   - the first process may already be running: boot.cts starts it before the bundle loads
//     (ssh-predial.cts), and the connector adopts it when it runs the very command line the
//     connector would run (ssh-command.cts builds both), or ends it.
//
// Failures keep what ssh said (`SshExitError`: exit code and stderr): unreachable-cause.ts
// turns them into a cause in words and the hint that fits (host key, login, no docker...).

import http from 'node:http';
import { Duplex, PassThrough } from 'node:stream';
import { existsSync, rmSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { multiplexOptions, newControlPath, spawnSsh, type SshCommandLine, type SshProcess } from '../ssh-command.cjs';
import { discardPreDialled, type PreDialled } from '../ssh-predial.cjs';

export { multiplexOptions, type SshCommandLine } from '../ssh-command.cjs';

/** ssh ended with a non-zero status before the HTTP exchange was over. */
export class SshExitError extends Error {
  readonly code = 'ESSH';
  constructor(
    /** ssh's exit status (255: ssh itself failed; otherwise the remote command's), or null when killed by a signal. */
    readonly exitCode: number | null,
    /** What ssh (and the remote command) printed on stderr, trimmed and bounded. */
    readonly stderr: string,
  ) {
    super(`ssh exited with code ${exitCode}${stderr ? `: ${stderr}` : ''}`);
    this.name = 'SshExitError';
  }
}

export interface SshConnectorOptions {
  /**
   * Share one ssh connection between all the processes (OpenSSH's ControlMaster). Off for a
   * replacement command (tests use a local relay) and where OpenSSH has no control sockets.
   */
  readonly multiplex: boolean;
}

/** Connector processes still running and control directories to remove, per process. */
const live = new Set<SshConnector>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous, at exit: our ssh children would end anyway once their stdin closes, but the
  // control directory would stay.
  process.once('exit', () => {
    for (const connector of live) connector.close();
  });
}

/**
 * Makes the ssh processes of one gateway. The first runs alone until its login is done (its
 * control socket appears, it answers, or it ends); the others wait for that, so they join its
 * connection instead of racing it with logins of their own.
 */
export class SshConnector {
  private readonly children = new Set<SshProcess>();
  private controlDir?: string;
  private establishing?: Promise<void>;
  /** How long the first process took to its first answer (login included), in ms. */
  private firstAnswer?: number;
  /** An ssh started before the bundle loaded (ssh-predial.cts), adopted: the first connection. */
  private preDialled?: PreDialled;

  constructor(
    private readonly commandLine: (sshOptions: readonly string[]) => SshCommandLine,
    private readonly options: SshConnectorOptions,
    preDialled?: PreDialled,
  ) {
    if (preDialled) this.adoptOrDiscard(preDialled);
  }

  /** A duplex over a new ssh process (it may wait for the first one's login). */
  async connect(): Promise<Duplex> {
    const adopted = this.preDialled;
    if (adopted) {
      // The pre-dialled ssh is the first process, the one that logs in and becomes the master.
      this.preDialled = undefined;
      const duplex = this.use(adopted.process);
      this.establishing = whenEstablished(adopted.controlPath, duplex).finally(() => {
        this.establishing = undefined;
      });
      return duplex;
    }
    const controlPath = this.options.multiplex ? this.controlPath() : undefined;
    if (controlPath === undefined) return this.spawn([]);
    if (this.establishing) await this.establishing;
    else if (!existsSync(controlPath)) {
      // No master yet (or it has gone): this process logs in and becomes it; later ones wait.
      const duplex = this.spawn(multiplexOptions(controlPath));
      this.establishing = whenEstablished(controlPath, duplex).finally(() => {
        this.establishing = undefined;
      });
      return duplex;
    }
    return this.spawn(multiplexOptions(controlPath));
  }

  /** ssh processes running (each one connection). */
  get openConnections(): number {
    return this.children.size;
  }

  /**
   * What one more connection costs, estimated (see connection-gate.ts): half what the first
   * one took to answer, login included; a multiplexed channel skips the key exchange and the
   * login (measured here: 1.0 s to the first answer, 0.35-0.6 s for a new channel).
   */
  newConnectionCostMs(): number | undefined {
    return this.firstAnswer === undefined ? undefined : this.firstAnswer / 2;
  }

  /** Ends the ssh processes still running (by PID: our own children) and removes the control directory. */
  close(): void {
    for (const proc of this.children) if (proc.running()) proc.child.kill();
    this.children.clear();
    if (this.preDialled?.process.running()) this.preDialled.process.child.kill();
    this.preDialled = undefined;
    if (this.controlDir) rmSync(this.controlDir, { recursive: true, force: true });
    this.controlDir = undefined;
    live.delete(this);
  }

  /** The control socket's path, in a private directory (0700, mkdtemp); undefined when none can be made. */
  private controlPath(): string | undefined {
    if (this.controlDir === undefined) {
      const path = newControlPath();
      if (path === undefined) return undefined;
      this.owns(dirname(path));
    }
    return join(this.controlDir!, 'm');
  }

  /** From now on the control directory `dir` is this connector's to remove (on close, or at exit). */
  private owns(dir: string): void {
    this.controlDir = dir;
    live.add(this);
    installExitHook();
  }

  /**
   * Adopts a pre-dialled ssh when it runs exactly the command this connector would run for its
   * first connection (same endpoint, same options, its control path); otherwise ends it now.
   * Either way, what it printed and how it ended reach the caller as for a process of ours.
   */
  private adoptOrDiscard(preDialled: PreDialled): void {
    const expected = this.options.multiplex ? this.commandLine(multiplexOptions(preDialled.controlPath)) : undefined;
    if (!expected || !sameCommandLine(expected, preDialled.process.commandLine)) return discardPreDialled(preDialled);
    this.owns(dirname(preDialled.controlPath));
    this.preDialled = preDialled;
  }

  private spawn(sshOptions: readonly string[]): Duplex {
    return this.use(spawnSsh(this.commandLine(sshOptions)));
  }

  private use(proc: SshProcess): Duplex {
    this.children.add(proc);
    proc.onEnd(() => this.children.delete(proc));
    const duplex = sshDuplex(proc);
    if (this.firstAnswer === undefined) duplex.once('ssh-output', () => (this.firstAnswer ??= Date.now() - proc.startedAt));
    return duplex;
  }
}

/** Whether two ssh command lines are the same, program and every argument. */
export function sameCommandLine(a: SshCommandLine, b: SshCommandLine): boolean {
  return a.command === b.command && a.args.length === b.args.length && a.args.every((arg, i) => arg === b.args[i]);
}

/**
 * Resolves once the first process has logged in: its control socket exists (multiplexing
 * works), or bytes came back (it logged in, with or without a master), or it ended (it
 * failed: the others then fail, or succeed, on their own).
 */
function whenEstablished(controlPath: string, first: Duplex): Promise<void> {
  return new Promise((resolve) => {
    const dir = join(controlPath, '..');
    let watcher: ReturnType<typeof watch> | undefined;
    const done = (): void => {
      watcher?.close();
      first.off('ssh-output', done);
      first.off('close', done);
      resolve();
    };
    try {
      watcher = watch(dir, () => {
        if (existsSync(controlPath)) done();
      });
      watcher.on('error', done);
    } catch {
      // No inotify (or the like): fall back on the first answer or the end of the process.
    }
    first.once('ssh-output', done);
    first.once('close', done);
    if (existsSync(controlPath)) done();
  });
}

/**
 * A duplex over an ssh child's stdin/stdout that behaves enough like a socket for node's http
 * agent: `ref`/`unref` (an idle keep-alive connection must not keep the process alive), and
 * the socket options the agent sets, which mean nothing for a pipe.
 *
 * Its output ends only once ssh has exited, so that a failure (a host key refused, no route,
 * no docker on the remote) reaches the HTTP client as ssh's own exit status and message
 * rather than "socket hang up"; a write to an ssh that already died must not fail first with
 * a bare EPIPE either.
 */
function sshDuplex(proc: SshProcess): Duplex {
  const child = proc.child;
  const output = new PassThrough();
  child.stdout.pipe(output, { end: false });
  const input = new PassThrough();
  input.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  const duplex = Duplex.from({ readable: output, writable: input });
  child.stdout.once('data', () => duplex.emit('ssh-output'));
  proc.onEnd(({ code, error }) => {
    if (error) return void duplex.destroy(error);
    if (code !== 0 && code !== null) return void duplex.destroy(new SshExitError(code, proc.stderr().trim()));
    output.end();
    // An idle pooled connection has no reader: nobody would see the end, so it goes now.
    if (duplex.readableLength === 0 && output.readableLength === 0) duplex.destroy();
    else duplex.once('end', () => duplex.destroy());
  });
  duplex.on('close', () => {
    if (proc.running()) child.kill();
  });
  // A pre-dialled process was unref'd while it waited; in use, it keeps the process alive
  // like any connection (node's agent unrefs it again once it is idle).
  proc.setRef(true);
  return Object.assign(duplex, {
    ref(): Duplex {
      proc.setRef(true);
      return duplex;
    },
    unref(): Duplex {
      proc.setRef(false);
      return duplex;
    },
    setKeepAlive: (): Duplex => duplex,
    setNoDelay: (): Duplex => duplex,
    setTimeout: (): Duplex => duplex,
  });
}

/**
 * The http agent of an ssh endpoint: every connection is an ssh process from the connector,
 * kept alive between requests. Node's agent reuses a free connection before it asks for a new
 * one, unrefs free ones, and drops one whose ssh ended (its 'close').
 */
export class SshAgent extends http.Agent {
  constructor(private readonly connector: SshConnector) {
    super({ keepAlive: true, scheduling: 'lifo' });
  }

  // Node's agent accepts a connection handed over later through the callback (an error
  // instead fails the request that asked for it).
  override createConnection(_options: unknown, callback?: (err: Error | null, socket: Duplex) => void): undefined {
    this.connector.connect().then(
      (socket) => callback?.(null, socket),
      (e: unknown) => callback?.(e instanceof Error ? e : new Error(String(e)), undefined as unknown as Duplex),
    );
    return undefined;
  }
}
