import type { Command } from 'commander';
import { runLifecycleAction } from '../project-request.js';
import { optionsOf } from '../options.js';

export function registerStop(program: Command): Command {
  return program
    .command('stop')
    .description('stop the running containers of the project (dependents first) without removing them')
    .argument('[services...]', 'only these services')
    .option('-t, --timeout <seconds>', 'seconds to wait before killing (default: each service\'s stop_grace_period)', Number)
    .addHelpText('after', '\nExamples:\n  stack stop           stop everything, dependents before their dependencies\n  stack stop -t 0 db   stop the db containers at once')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<{ timeout?: number }>(cmd);
      const { stopServices } = await import('../../stack/index.js');
      await runLifecycleAction(cmd, services, 'stopped', (p, hooks) =>
        stopServices(p, services, flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}, hooks),
      );
    });
}
