import type { Command } from 'commander';
import { runLifecycleAction } from '../project-request.js';

export function registerUnpause(program: Command): Command {
  return program
    .command('unpause')
    .description('resume the paused containers of the project')
    .argument('[services...]', 'only these services')
    .addHelpText('after', '\nExamples:\n  stack unpause worker')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const { unpauseServices } = await import('../../stack/index.js');
      await runLifecycleAction(cmd, services, 'unpaused', (p, hooks) => unpauseServices(p, services, {}, hooks));
    });
}
