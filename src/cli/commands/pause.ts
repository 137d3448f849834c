import type { Command } from 'commander';
import { runLifecycleAction } from '../project-request.js';

export function registerPause(program: Command): Command {
  return program
    .command('pause')
    .description('pause (freeze) the running containers of the project')
    .argument('[services...]', 'only these services')
    .addHelpText('after', '\nExamples:\n  stack pause worker')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const { pauseServices } = await import('../../stack/index.js');
      await runLifecycleAction(cmd, services, 'paused', (p, hooks) => pauseServices(p, services, {}, hooks));
    });
}
