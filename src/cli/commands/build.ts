// `stack build`: build the images of the services that have a `build:` section (all, or those
// named). Services with identical build sections are built once. Unlike `docker compose build`,
// an image stack built from the same files, Dockerfile, args and base images is not sent to the
// builder again (it would answer "cached" for every step): it is reported up to date, and
// `--no-cache` or `--pull` builds anyway. Progress: a line per build step, then what was built;
// the work is the façade's (src/stack/image-commands.ts).

import type { Command } from 'commander';
import { optionsOf } from '../options.js';
import { commandContext } from '../context.js';
import { buildArgsFrom, collectBuildArg } from '../image-flags.js';

interface BuildFlags {
  readonly cache?: boolean;
  readonly pull?: boolean;
  readonly buildArg?: string[];
  readonly quiet?: boolean;
  readonly withDependencies?: boolean;
}

export function registerBuild(program: Command): Command {
  return program
    .command('build')
    .description("build the services' images (those with a build section)")
    .argument('[services...]', 'only these services')
    .option('--no-cache', 'do not use the build cache')
    .option('--pull', 'always try to pull newer versions of the base images')
    .option('--build-arg <name=value>', 'a build arg over the stack file\'s (repeatable; NAME alone takes it from the environment)', collectBuildArg)
    .option('-q, --quiet', 'print nothing but errors')
    .option('--with-dependencies', 'also build the services the named ones depend on')
    .addHelpText(
      'after',
      `
Examples:
  stack build                         build every service that has a build section
  stack build web --no-cache          rebuild web's image from scratch, even when up to date
  stack build --build-arg VERSION=2   override a build arg (its value is never printed)
  stack build --with-dependencies api build api and what it depends on

An image built by stack from the same files, Dockerfile, args and base images is up to
date and is not built again (--no-cache or --pull builds it anyway).
\`stack up\` builds by itself when an image is missing or its build context changed.`,
    )
    .action(async (services: string[], _flags: BuildFlags, self: Command) => {
      const opts = optionsOf<BuildFlags>(self);
      const ctx = commandContext(opts, services);
      const mode = opts.quiet ? 'quiet' : ctx.progress;
      const buildArgs = buildArgsFrom(opts.buildArg, process.env);
      const [{ build }, { withProgress }] = await Promise.all([import('../../stack/index.js'), import('../progress/run.js')]);
      const result = await withProgress({ mode }, (hooks) =>
        build(
          {
            load: ctx.load,
            connect: ctx.connect,
            services,
            ...(opts.withDependencies ? { withDependencies: true } : {}),
            ...(opts.cache === false ? { noCache: true } : {}),
            ...(opts.pull ? { pull: true } : {}),
            ...(buildArgs ? { buildArgs } : {}),
            ...(ctx.parallel !== undefined ? { parallel: ctx.parallel } : {}),
          },
          hooks,
        ),
      );
      const current = result.built.filter((b) => b.how === 'up-to-date');
      if (mode === 'quiet') return;
      if (mode === 'json') {
        for (const b of current) process.stdout.write(JSON.stringify({ type: 'image-up-to-date', at: Date.now(), service: b.service, image: b.image, ...(b.imageId !== undefined ? { imageId: b.imageId } : {}) }) + '\n');
        return;
      }
      if (result.built.length === 0) process.stderr.write('nothing to build: no selected service has a build section\n');
      for (const b of current) process.stderr.write(`${b.service}: image ${b.image} is up to date (same files, Dockerfile, args and base images; --no-cache builds anyway)\n`);
    });
}
