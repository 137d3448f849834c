import type { Command } from 'commander';
import { interruptSignal, openCommandProject, splitWords } from '../project-request.js';
import { optionsOf } from '../options.js';
import { commandContext } from '../context.js';
import { ExitRequest } from '../../errors.js';
import { rawStdin, terminalIo, wantTty } from './exec.js';
import { DEFAULT_DETACH_KEYS } from '../detach-keys.js';

interface RunFlags {
  rm?: boolean;
  deps: boolean;
  detach?: boolean;
  /** `-T, --no-TTY` (commander names it `TTY`). */
  TTY: boolean;
  detachKeys?: string;
  interactive: boolean;
  env?: string[];
  volume?: string[];
  publish?: string[];
  servicePorts?: boolean;
  useAliases?: boolean;
  name?: string;
  entrypoint?: string;
  user?: string;
  workdir?: string;
  label?: string[];
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerRun(program: Command): Command {
  return program
    .command('run')
    .description('run a one-off command in a new container of a service (dependencies are started first); its exit code is ours')
    .argument('<service>', 'the service whose container to start from')
    .argument('[command...]', 'the command and its arguments (default: the service\'s command)')
    .option('--rm', 'remove the container (and its anonymous volumes) when it exits')
    .option('--no-deps', 'do not start the services it depends on')
    .option('-d, --detach', 'start it in the background and print its name')
    .option('-T, --no-TTY', 'no pseudo-terminal, even when stdin and stdout are terminals')
    .option('--no-interactive', 'do not attach stdin')
    .option('--detach-keys <keys>', `with a TTY, the keys that leave the container running and give the terminal back (default ${DEFAULT_DETACH_KEYS})`)
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
    .option('-v, --volume <source:target>', 'mount a volume or a host path (repeatable)', collect)
    .option('-p, --publish <[ip:][host:]port>', 'publish a port (repeatable)', collect)
    .option('-P, --service-ports', 'publish the service\'s own ports')
    .option('--use-aliases', 'answer to the service\'s network aliases too')
    .option('--name <name>', 'container name (default <project>-<service>-run-<id>)')
    .option('--entrypoint <command>', 'override the image\'s entrypoint')
    .option('-u, --user <user>', 'run as this user')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-l, --label <KEY=VALUE>', 'add a label (repeatable)', collect)
    .passThroughOptions()
    .addHelpText('after', '\nExamples:\n  stack run --rm web sh                    a throw-away shell in a new web container\n  stack run --rm -T worker ./migrate.sh   no TTY; the script\'s exit code is ours\n  echo data | stack run --rm -T tool wc -c\n  stack run --rm --no-deps -e DEBUG=1 web env')
    .action(async (service: string, command: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<RunFlags>(cmd);
      const ctx = commandContext(flags, [service]);
      const [{ prepareOneOff, startOneOff }, { withProgress }] = await Promise.all([import('../../stack/index.js'), import('../progress/run.js')]);
      const project = await openCommandProject(cmd, [service], true);
      const tty = !flags.detach && wantTty(flags.TTY);
      const interactive = !flags.detach && flags.interactive;
      const termIo = terminalIo(tty, flags.detachKeys);
      const runIt = async (): Promise<number> => {
        // Dependencies and resources are applied like `up` applies a plan, with its progress
        // (on stderr: stdout is the container's, so JSON events become plain lines).
        const oneOff = await withProgress({ mode: ctx.progress === 'json' ? 'plain' : ctx.progress }, (hooks) =>
          prepareOneOff(
            project,
            {
              service,
              noDeps: flags.deps === false,
              tty,
              interactive,
              command,
              ...(flags.entrypoint !== undefined ? { entrypoint: splitWords(flags.entrypoint) } : {}),
              ...(flags.env ? { env: flags.env } : {}),
              ...(flags.volume ? { volumes: flags.volume } : {}),
              ...(flags.publish ? { publish: flags.publish } : {}),
              ...(flags.label ? { labels: flags.label } : {}),
              servicePorts: flags.servicePorts === true,
              useAliases: flags.useAliases === true,
              ...(flags.name !== undefined ? { name: flags.name } : {}),
              ...(flags.user !== undefined ? { user: flags.user } : {}),
              ...(flags.workdir !== undefined ? { workdir: flags.workdir } : {}),
              ...(ctx.parallel !== undefined ? { parallel: ctx.parallel } : {}),
              hostEnv: process.env,
            },
            hooks,
          ),
        );
        if (flags.detach) process.stdout.write(`${oneOff.name}\n`);
        const interrupt = interruptSignal();
        const restore = rawStdin(tty && interactive);
        try {
          return await startOneOff(oneOff, {
            rm: flags.rm === true,
            detach: flags.detach === true,
            interactive,
            io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, ...termIo },
            signal: interrupt.signal,
          });
        } finally {
          restore();
          interrupt.dispose();
        }
      };
      let code: number;
      try {
        code = await runIt();
      } finally {
        // Stop reading our stdin so the process can exit when the container is done.
        process.stdin.destroy();
      }
      if (code !== 0) throw new ExitRequest(code);
    });
}
