import type { Command } from 'commander';
import { runLifecycleAction } from '../project-request.js';
import { optionsOf } from '../options.js';

export function registerRestart(program: Command): Command {
  return program
    .command('restart')
    .description('restart the containers of the project (dependencies first); the stack file is not re-read: use `up` to apply changes')
    .argument('[services...]', 'only these services')
    .option('-t, --timeout <seconds>', 'seconds to wait for each stop before killing', Number)
    .addHelpText('after', '\nExamples:\n  stack restart        restart everything\n  stack restart web')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<{ timeout?: number }>(cmd);
      const { restartServices } = await import('../../stack/index.js');
      await runLifecycleAction(cmd, services, 'restarted', (p, hooks) =>
        restartServices(p, services, flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}, hooks),
      );
    });
}
