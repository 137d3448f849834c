// `stack up`: bring the project in step with the stack file. The work is the façade's
// (`src/stack/up-down.ts`); this file parses flags, shows progress and prints what was applied.

import type { Command } from 'commander';
import { optionsOf } from '../options.js';
import { addReconcileFlags, commandContext, reconcileOptionsFrom, type CommandContext, type ReconcileFlags } from '../context.js';
import type { UpResult } from '../../stack/index.js';
import { addAttachFlags, attachAfterUp, type AttachFlags } from '../attached.js';
import { UsageError } from '../../errors.js';
import { addImageFlags, imageOptionsFrom, type ImageFlags } from '../image-flags.js';

interface UpFlags extends ReconcileFlags, AttachFlags, ImageFlags {
  readonly detach?: boolean;
  readonly watch?: boolean;
}

export function registerUp(program: Command): Command {
  const cmd = program
    .command('up')
    .description('create and start the stack, or bring it in step with the stack file')
    .argument('[services...]', 'only these services (and their dependencies, unless --no-deps)')
    .option('-d, --detach', 'apply the plan and return, leaving the containers running')
    .option('--watch', 'then keep the containers in step with their files (develop.watch), as `stack watch`');
  addAttachFlags(addImageFlags(addReconcileFlags(cmd)))
    .addHelpText(
      'after',
      `
Examples:
  stack up -d                         bring everything up, detached
  stack up -d web                     web and what it depends on
  stack up -d --scale worker=3        three worker replicas
  stack up -d --remove-orphans        also remove containers of services no longer in the file
  stack up -d --build web             build web's image (changed or not), then bring it up;
                                      without --build, images are built when missing or
                                      when their build context changed
  stack up -d --no-build --pull never use only the images already present
  stack up -d --wait --wait-timeout 60
                                      return once every service is running (healthy if it
                                      has a healthcheck), or fail after 60 s
  stack --progress json up -d         one JSON event per line, for scripts
  stack up --watch                    follow the logs and apply every save (develop.watch)`,
    )
    .action(async (services: string[], _flags: UpFlags, self: Command) => {
      const opts = optionsOf<UpFlags>(self);
      if (opts.watch && opts.detach) throw new UsageError('--watch and --detach cannot be used together', { hint: 'watch runs attached; use `stack watch` in another terminal' });
      const ctx = commandContext(opts, services);
      const reconcile = reconcileOptionsFrom(opts, services);
      if (opts.watch) {
        const { runWatch } = await import('./watch.js');
        return runWatch(ctx, services, opts, reconcile, imageOptionsFrom(opts));
      }
      const [{ up }, { withProgress }] = await Promise.all([import('../../stack/index.js'), import('../progress/run.js')]);
      const result = await withProgress({ mode: ctx.progress }, (hooks) =>
        up(
          {
            load: ctx.load,
            connect: ctx.connect,
            reconcile,
            ...imageOptionsFrom(opts),
            ...(ctx.parallel !== undefined ? { parallel: ctx.parallel } : {}),
            ...(ctx.target !== undefined ? { target: ctx.target } : {}),
            ...(opts.resolveImage !== undefined ? { resolveImage: opts.resolveImage } : {}),
          },
          hooks,
        ),
      );
      await printApplied(ctx, result);
      // A swarm runs the services itself, as `docker stack deploy` leaves them: `stack logs -f` follows them.
      if (!opts.detach && result.target !== 'swarm') await attachAfterUp(ctx, result, opts, services);
    });
  return cmd;
}

/** What was applied, on stdout (progress went to stderr), unless the output is for machines. */
async function printApplied(ctx: CommandContext, result: UpResult): Promise<void> {
  if (ctx.progress === 'json' || ctx.progress === 'quiet') return;
  const { summariseApplied } = await import('../progress/summary.js');
  process.stdout.write(await summariseApplied(result, process.stdout));
}

