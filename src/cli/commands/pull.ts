// `stack pull`: pull the services' images as `docker compose pull` does: services without
// `image:` have nothing to pull; pull_policy never and build are skipped; a tag already present
// is pulled again only when it is `latest`. Credentials are the Docker CLI's (config.json,
// credential helpers); they never appear in any output.

import type { Command } from 'commander';
import { optionsOf } from '../options.js';
import { commandContext } from '../context.js';

interface PullFlags {
  readonly ignorePullFailures?: boolean;
  readonly quiet?: boolean;
  readonly includeDeps?: boolean;
}

export function registerPull(program: Command): Command {
  return program
    .command('pull')
    .description("pull the services' images")
    .argument('[services...]', 'only these services')
    .option('--ignore-pull-failures', 'pull what can be pulled; report the failures and exit 0')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--include-deps', 'also pull the images of the services the named ones depend on')
    .addHelpText(
      'after',
      `
Examples:
  stack pull                          pull every service's image
  stack pull db cache                 only these
  stack pull --ignore-pull-failures   pull what can be pulled`,
    )
    .action(async (services: string[], _flags: PullFlags, self: Command) => {
      const opts = optionsOf<PullFlags>(self);
      const ctx = commandContext(opts, services);
      const mode = opts.quiet ? 'quiet' : ctx.progress;
      const [{ pull }, { withProgress }, { reportTransfer }] = await Promise.all([import('../../stack/index.js'), import('../progress/run.js'), import('../progress/images.js')]);
      const result = await withProgress({ mode }, (hooks) =>
        pull(
          {
            load: ctx.load,
            connect: ctx.connect,
            services,
            ...(opts.includeDeps ? { includeDeps: true } : {}),
            ...(opts.ignorePullFailures ? { ignorePullFailures: true } : {}),
            ...(ctx.parallel !== undefined ? { parallel: ctx.parallel } : {}),
          },
          hooks,
        ),
      );
      if (mode !== 'json' && mode !== 'quiet') process.stderr.write(reportTransfer(result, 'pull'));
    });
}
