// `stack push`: push the images of the services that have both `build:` and `image:` (the image
// stack builds, under the name a registry knows), and their `build.tags`. Credentials are the
// Docker CLI's; they never appear in any output.

import type { Command } from 'commander';
import { optionsOf } from '../options.js';
import { commandContext } from '../context.js';

interface PushFlags {
  readonly ignorePushFailures?: boolean;
  readonly quiet?: boolean;
  readonly includeDeps?: boolean;
}

export function registerPush(program: Command): Command {
  return program
    .command('push')
    .description('push the images of services that have both build and image')
    .argument('[services...]', 'only these services')
    .option('--ignore-push-failures', 'push what can be pushed; report the failures and exit 0')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--include-deps', 'also push the images of the services the named ones depend on')
    .addHelpText(
      'after',
      `
Examples:
  stack build && stack push           build, then push every image with a registry name
  stack push api                      only api's image (and its build.tags)`,
    )
    .action(async (services: string[], _flags: PushFlags, self: Command) => {
      const opts = optionsOf<PushFlags>(self);
      const ctx = commandContext(opts, services);
      const mode = opts.quiet ? 'quiet' : ctx.progress;
      const [{ push }, { withProgress }, { reportTransfer }] = await Promise.all([import('../../stack/index.js'), import('../progress/run.js'), import('../progress/images.js')]);
      const result = await withProgress({ mode }, (hooks) =>
        push(
          {
            load: ctx.load,
            connect: ctx.connect,
            services,
            ...(opts.includeDeps ? { includeDeps: true } : {}),
            ...(opts.ignorePushFailures ? { ignorePushFailures: true } : {}),
            ...(ctx.parallel !== undefined ? { parallel: ctx.parallel } : {}),
          },
          hooks,
        ),
      );
      if (mode !== 'json' && mode !== 'quiet') process.stderr.write(reportTransfer(result, 'push'));
    });
}
