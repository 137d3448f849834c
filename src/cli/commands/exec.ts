import type { Command } from 'commander';
import { openCommandProject, wholeNumber } from '../project-request.js';
import { optionsOf } from '../options.js';
import { ExitRequest, UsageError } from '../../errors.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys.js';

interface ExecFlags {
  /** `-T, --no-TTY`: commander names it after the long option, `TTY` (it was read as `tty`: never a TTY). */
  TTY: boolean;
  detachKeys?: string;
  env?: string[];
  user?: string;
  workdir?: string;
  index: number;
  privileged?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** A TTY only when both ends are terminals (as `docker compose exec` decides), unless -T. */
export function wantTty(flagTty: boolean): boolean {
  return flagTty && process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/**
 * Raw mode for an interactive TTY session (keys go to the process as typed: ctrl-c included);
 * returns the undo. Also undone at exit, whatever ends the process (a signal handler's
 * process.exit, an uncaught error): a terminal left raw is unusable.
 */
export function rawStdin(tty: boolean): () => void {
  if (!tty || typeof process.stdin.setRawMode !== 'function') return () => {};
  process.stdin.setRawMode(true);
  const undo = (): void => {
    process.off('exit', undo);
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  };
  process.once('exit', undo);
  return undo;
}

/** What a TTY session needs besides raw mode: the size to follow and the detach keys (`--detach-keys`). */
export function terminalIo(tty: boolean, detachKeys: string | undefined): { terminal?: NodeJS.WriteStream; detachKeys?: Buffer } {
  if (!tty) return {};
  let keys: Buffer;
  try {
    keys = parseDetachKeys(detachKeys ?? DEFAULT_DETACH_KEYS);
  } catch (e) {
    throw new UsageError(`--detach-keys: ${(e as Error).message}`);
  }
  return { terminal: process.stdout, detachKeys: keys };
}

export function registerExec(program: Command): Command {
  return program
    .command('exec')
    .description('run a command in a running container of a service; its exit code is ours')
    .argument('<service>', 'the service')
    .argument('<command...>', 'the command and its arguments')
    .option('-T, --no-TTY', 'no pseudo-terminal, even when stdin and stdout are terminals')
    .option('--detach-keys <keys>', `with a TTY, the keys that leave the command running and give the terminal back (default ${DEFAULT_DETACH_KEYS})`)
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
    .option('-u, --user <user>', 'run as this user')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('--index <n>', 'which replica (container number)', wholeNumber('--index'), 1)
    .option('--privileged', 'give the process extended privileges')
    .passThroughOptions()
    .addHelpText('after', '\nExamples:\n  stack exec web sh                   a shell in web-1 (TTY when run from a terminal)\n  stack exec -T db pg_dump app > dump.sql\n  echo hi | stack exec -T web cat     stdin and stdout without a TTY\n  stack exec --index 2 worker ps')
    .action(async (service: string, command: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<ExecFlags>(cmd);
      const { execInService } = await import('../../stack/index.js');
      const p = await openCommandProject(cmd, [service]);
      const tty = wantTty(flags.TTY);
      const termIo = terminalIo(tty, flags.detachKeys);
      const restore = rawStdin(tty);
      let code: number;
      try {
        code = await execInService(
          p,
          {
            service,
            index: flags.index,
            cmd: command,
            tty,
            ...(flags.env ? { env: flags.env } : {}),
            ...(flags.user ? { user: flags.user } : {}),
            ...(flags.workdir ? { workingDir: flags.workdir } : {}),
            ...(flags.privileged ? { privileged: true } : {}),
          },
          { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, ...termIo },
        );
      } finally {
        restore();
        // Stop reading our stdin so the process can exit when the command is done.
        process.stdin.destroy();
      }
      if (code !== 0) throw new ExitRequest(code);
    });
}
