// `stack down`: stop and remove the project's containers (dependents first), then its
// networks, and with -v its volumes. Works from labels alone: `stack -p NAME down` needs no
// stack file. Only objects carrying our ownership label are touched; external volumes and
// anything made by hand stay. One failed removal is reported and everything else still done.

import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { optionsOf } from '../options.js';
import { commandContext } from '../context.js';

interface DownFlags {
  readonly volumes?: boolean;
  readonly removeOrphans?: boolean;
  readonly timeout?: number;
  readonly takeOver?: boolean;
}

function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of seconds, got "${value}"`);
  return n;
}

export function registerDown(program: Command): Command {
  return program
    .command('down')
    .description('stop and remove the stack: containers, networks, and with -v its volumes')
    .option('-v, --volumes', 'also remove the named and anonymous volumes the stack created (never external ones)')
    .option('--remove-orphans', 'also remove containers of services no longer in the stack file')
    .option('-t, --timeout <seconds>', 'seconds to wait for a container to stop before it is killed', seconds)
    .option('--take-over', 'take the project down although it was brought up from another folder')
    .addHelpText(
      'after',
      `
Examples:
  stack down                          remove containers and networks, keep volumes
  stack down -v                       remove the volumes too (their data is lost)
  stack -p demo down                  take down project "demo" without its stack file
  stack down -t 0                     do not wait for graceful stops`,
    )
    .action(async (_flags: DownFlags, self: Command) => {
      const opts = optionsOf<DownFlags>(self);
      const ctx = commandContext(opts);
      const [{ down }, { withProgress }, { summariseDown }] = await Promise.all([
        import('../../stack/index.js'),
        import('../progress/run.js'),
        import('../progress/summary.js'),
      ]);
      // With a project name and no -f, work from labels alone: no stack file is read.
      const labelsOnly = ctx.projectName !== undefined && !ctx.filesGiven;
      const result = await withProgress({ mode: ctx.progress }, (hooks) =>
        down(
          {
            load: ctx.load,
            connect: ctx.connect,
            ...(ctx.target !== undefined ? { target: ctx.target } : {}),
            ...(labelsOnly ? { projectName: ctx.projectName } : {}),
            removeVolumes: opts.volumes === true,
            removeOrphans: opts.removeOrphans === true,
            ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}),
            ...(opts.takeOver ? { takeOver: true } : {}),
            ...(ctx.parallel !== undefined ? { parallel: ctx.parallel } : {}),
          },
          hooks,
        ),
      );
      if (ctx.progress !== 'json' && ctx.progress !== 'quiet') process.stdout.write(summariseDown(result));
    });
}
