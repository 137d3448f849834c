// Dialling the engine's ssh before the bundle loads (issue 14 item 2: a no-op `up` over ssh
// within 1.5× of `docker -H ssh://… ps`). The ssh login and the remote `docker system
// dial-stdio` take ~300 ms; loading and setting up the CLI took ~85 ms before the transport
// even started ssh (a trace of a no-op `up`). boot.cts starts the very command the transport
// would run, first thing, and the two overlap.
//
// Only in the plain case, where the endpoint is certain from the environment alone:
// DOCKER_HOST=ssh://…, no DOCKER_CONTEXT, no -H/--host/-c/--context before the command, and a
// command that talks to the engine (ENGINE_COMMANDS: an explicit list; `--help`, `--version`,
// `config` and friends never open an ssh login). STACK_SSH_PREDIAL=0 turns it off.
//
// The hand-over: the process, its command line and its control path wait on globalThis (a
// Symbol.for key: boot's copy of this module and the bundle's are two copies). The transport
// claims it once (`takePreDialled`) and adopts it for its first connection when the command it
// would run is the same, byte for byte (ssh-command.cts builds both); otherwise it is ended at
// once. One nobody claimed is ended at exit, and its control directory removed: no stray ssh.

import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { splitCommandLine } from './command-line.cjs';
import { multiplexOptions, newControlPath, parseSshAddress, spawnSsh, sshCommand, type SshProcess, type SshTarget } from './ssh-command.cjs';

/** Commands that open the engine connection. Anything else never pre-dials. */
export const ENGINE_COMMANDS: ReadonlySet<string> = new Set([
  'up', 'down', 'ps', 'plan', 'logs', 'exec', 'run', 'start', 'stop', 'restart', 'kill', 'rm',
  'pause', 'unpause', 'top', 'port', 'events', 'ls', 'pull', 'push', 'build', 'watch',
]);

/** A pre-dialled ssh, waiting for the transport. */
export interface PreDialled {
  readonly process: SshProcess;
  /** The control socket path it was started with (its directory is ours to remove). */
  readonly controlPath: string;
  /** Set by whoever takes it: from then on, ending it is theirs. */
  claimed: boolean;
}

const HANDOFF = Symbol.for('stack.ssh-predial');
type WithHandoff = { [HANDOFF]?: PreDialled };

/**
 * Where to pre-dial for this command line and environment, or undefined: only when nothing
 * but DOCKER_HOST can choose the endpoint and the command surely talks to the engine.
 */
export function preDialTarget(argv: readonly string[], env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): SshTarget | undefined {
  // No control sockets on Windows: the transport does not multiplex there (ssh-connection.ts).
  if (platform === 'win32') return undefined;
  if (env.STACK_SSH_PREDIAL === '0') return undefined;
  if ((env.DOCKER_CONTEXT ?? '').trim() !== '') return undefined;
  const host = (env.DOCKER_HOST ?? '').trim();
  if (!/^ssh:\/\//i.test(host)) return undefined;
  if (!ENGINE_COMMANDS.has(commandWord(argv) ?? '')) return undefined;
  // Help for a command (`up --help`, `up -h`) never talks to the engine; a `-h` meant for a
  // container's command (`exec web ls -h`) just goes without the head start.
  for (const arg of argv.slice(2)) {
    if (arg === '--') break;
    if (arg === '--help' || arg === '--version' || /^-[A-Za-z]*h[A-Za-z]*$/.test(arg)) return undefined;
  }
  const address = parseSshAddress(host);
  return address.ok ? address.target : undefined;
}

/**
 * The command word, when only DOCKER_HOST can choose the engine: undefined when a global
 * option before it names an engine or a context (`-H x`, `--host=x`, `-cx`...).
 */
function commandWord(argv: readonly string[]): string | undefined {
  const { command, globalOptions } = splitCommandLine(argv);
  return globalOptions.some((option) => /^(-H|--host|-c|--context)/.test(option)) ? undefined : command;
}

/**
 * Starts the ssh the transport would start for its first connection, when `preDialTarget`
 * says so, and leaves it for the transport. Never throws: a pre-dial is a head start only.
 */
export function preDial(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const target = preDialTarget(argv, env);
  if (!target) return;
  const controlPath = newControlPath(env);
  if (!controlPath) return;
  let process_: SshProcess;
  try {
    process_ = spawnSsh(sshCommand(target, multiplexOptions(controlPath)));
  } catch {
    rmSync(dirname(controlPath), { recursive: true, force: true });
    return;
  }
  // Until the transport adopts it, it must not keep the process alive (a command that fails
  // to read its stack file exits at once).
  process_.setRef(false);
  const handoff: PreDialled = { process: process_, controlPath, claimed: false };
  (globalThis as WithHandoff)[HANDOFF] = handoff;
  process.once('exit', () => {
    if (!handoff.claimed) discardPreDialled(handoff);
  });
}

/** The pre-dialled ssh, claimed: only the first caller gets it, and must adopt or discard it. */
export function takePreDialled(): PreDialled | undefined {
  const holder = globalThis as WithHandoff;
  const handoff = holder[HANDOFF];
  if (!handoff) return undefined;
  delete holder[HANDOFF];
  handoff.claimed = true;
  return handoff;
}

/** Ends a pre-dialled ssh (our own child, by its handle) and removes its control directory. */
export function discardPreDialled(handoff: PreDialled): void {
  handoff.claimed = true;
  if (handoff.process.running()) handoff.process.child.kill();
  rmSync(dirname(handoff.controlPath), { recursive: true, force: true });
}
