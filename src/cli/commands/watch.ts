// `stack watch [svc...]`: bring the stack up (as `up -d`), then follow the services' logs and
// keep the containers in step with the files: sync, restart, exec, rebuild, and reload the
// stack file itself. The work is the façade's (`src/stack/watch.ts`); this file parses flags,
// starts it, and hands the run to attached `up`'s Ctrl-C policy (`--on-exit`).
// `stack up --watch` uses `runWatch` from here too.

import { Option, type Command } from 'commander';
import type { CommandContext } from '../context.js';
import { commandContext } from '../context.js';
import { optionsOf } from '../options.js';
import { attachAfterUp, type AttachFlags, type OnExit } from '../attached.js';
import { LogPrinter } from '../log-printer.js';
import { watchOutput } from '../watch-output.js';
import type { Project, ReconcileOptions, StackModel, UpResult } from '../../stack/index.js';
import type { imageOptionsFrom } from '../image-flags.js';

interface WatchFlags {
  /** `--no-up`: false. */
  readonly up?: boolean;
  readonly prune?: boolean;
  readonly quiet?: boolean;
  readonly onExit?: OnExit;
  readonly logPrefix?: boolean;
  readonly timestamps?: boolean;
}

export function registerWatch(program: Command): Command {
  return program
    .command('watch')
    .description('bring the stack up, then sync, restart or rebuild services as their files change (develop.watch)')
    .argument('[services...]', 'only these services (and what they depend on)')
    .option('--no-up', 'do not bring the stack up first: watch what is running')
    .option('--prune', 'remove the image a rebuild superseded (default)')
    .option('--no-prune', 'keep the images rebuilds superseded')
    .option('--quiet', 'print only failures (no line per change)')
    .addOption(new Option('--on-exit <action>', 'what Ctrl-C does to the containers').choices(['stop', 'down', 'detach']).default('stop'))
    .option('--no-log-prefix', 'do not print the service-n | prefix')
    .option('--timestamps', "show the engine's timestamps")
    .addHelpText(
      'after',
      `
Each service's develop.watch rules say what a change does:
  sync          copy the changed files into every replica (deletions too)
  sync+restart  copy, then restart the service
  sync+exec     copy, then run exec.command in each replica
  restart       restart the service
  rebuild       build the service's image again and recreate it
A change to the stack file (or an override, .env, env_file, config or secret file) reloads it:
an invalid file is reported and changes nothing, a valid one is applied as \`up\` would.
Files changed while watch was not running are sent when it starts.

Examples:
  stack watch                          bring everything up, follow the logs, apply every save
  stack watch web                      only web (and what it depends on)
  stack watch --no-up                  watch a stack that is already running
  stack --progress json watch          one JSON event per line, for tools
  STACK_WATCH_POLL=1 stack watch       poll the files (network and WSL filesystems)`,
    )
    .action(async (services: string[], _flags: WatchFlags, self: Command) => {
      const opts = optionsOf<WatchFlags>(self);
      const ctx = commandContext(opts, services);
      await runWatch(ctx, services, opts, opts.up === false ? undefined : services.length > 0 ? { services } : {});
    });
}

/**
 * Brings the stack up (unless `reconcile` is undefined: `--no-up`) with the files in place
 * before anything starts — create without starting, start watching (which catches every
 * watched container up), then start — and follows the logs until Ctrl-C, which ends by the
 * `--on-exit` policy (exit 130). `stack up --watch` runs this too, with its own flags.
 */
export async function runWatch(
  ctx: CommandContext,
  services: readonly string[],
  flags: AttachFlags & Pick<WatchFlags, 'prune' | 'quiet'>,
  reconcile: ReconcileOptions | undefined,
  images: ImageChoices = {},
): Promise<void> {
  const facade = await import('../../stack/index.js');
  // The images are had in the first pass (`up --watch --build` builds once, not twice).
  if (reconcile) await bringUp(ctx, { ...reconcile, noStart: true }, true, images);
  const printer = new LogPrinter({ out: process.stdout, prefix: flags.logPrefix !== false, timestamps: flags.timestamps === true });
  const onEvent = watchOutput({ json: ctx.progress === 'json', quiet: flags.quiet === true, debug: ctx.debug, out: process.stdout, err: process.stderr, printer });
  const session = await facade.watch(
    {
      load: ctx.load,
      connect: ctx.connect,
      services,
      prune: flags.prune !== false,
      ...(ctx.parallel !== undefined ? { parallel: ctx.parallel } : {}),
    },
    { onEvent },
  );
  let up: { readonly project: Project; readonly model: StackModel; readonly durationMs: number };
  try {
    // The second pass only starts: forcing a recreate again would replace what was just caught up.
    const { forceRecreate: _force, renewAnonVolumes: _renew, ...start } = reconcile ?? {};
    up = reconcile ? await bringUp(ctx, start, false) : await openRunning(ctx);
  } catch (e) {
    await session.stop();
    throw e;
  }
  await attachAfterUp(ctx, up, flags, services, {
    untilInterrupted: true,
    beforeStop: () => session.stop(),
    logs: ctx.progress !== 'json',
    printer,
  });
}

/** One `up` pass with the usual progress view; the first pass (creates) prints what it applied. */
/** `up`'s `--build`/`--no-build`/`--pull` choices, passed on by `up --watch`. */
type ImageChoices = ReturnType<typeof imageOptionsFrom>;

async function bringUp(ctx: CommandContext, reconcile: ReconcileOptions, summarise: boolean, images: ImageChoices = {}): Promise<UpResult> {
  const [{ up }, { withProgress }] = await Promise.all([import('../../stack/index.js'), import('../progress/run.js')]);
  const result = await withProgress({ mode: ctx.progress }, (hooks) =>
    up({ load: ctx.load, connect: ctx.connect, reconcile, ...images, ...(ctx.parallel !== undefined ? { parallel: ctx.parallel } : {}) }, hooks),
  );
  if (summarise && ctx.progress !== 'json' && ctx.progress !== 'quiet') {
    const { summariseApplied } = await import('../progress/summary.js');
    process.stdout.write(await summariseApplied(result, process.stdout));
  }
  return result;
}

async function openRunning(ctx: CommandContext): Promise<{ project: Project; model: StackModel; durationMs: number }> {
  const { openProject } = await import('../../stack/index.js');
  const project = await openProject({ load: ctx.load, connect: ctx.connect, needModel: true });
  return { project, model: project.model!, durationMs: 0 };
}
