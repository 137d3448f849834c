import type { Command } from 'commander';
import { runLifecycleAction } from '../project-request.js';
import { optionsOf } from '../options.js';

export function registerStart(program: Command): Command {
  return program
    .command('start')
    .description('start the existing, stopped containers of the project (dependencies first, waiting for their conditions)')
    .argument('[services...]', 'only these services')
    .option('--wait-timeout <seconds>', 'bound on each dependency wait', Number)
    .addHelpText('after', '\nExamples:\n  stack start          start everything that was stopped\n  stack start web      start the web containers (not their dependencies)')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<{ waitTimeout?: number }>(cmd);
      const { startServices } = await import('../../stack/index.js');
      await runLifecycleAction(cmd, services, 'started', (p, hooks) =>
        startServices(p, services, flags.waitTimeout !== undefined ? { waitTimeoutMs: flags.waitTimeout * 1000 } : {}, hooks),
      );
    });
}
