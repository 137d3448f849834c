import type { Command } from 'commander';
import { runLifecycleAction } from '../project-request.js';
import { optionsOf } from '../options.js';

export function registerKill(program: Command): Command {
  return program
    .command('kill')
    .description('send a signal (default SIGKILL) to the running containers of the project')
    .argument('[services...]', 'only these services')
    .option('-s, --signal <signal>', 'the signal to send', 'SIGKILL')
    .addHelpText('after', '\nExamples:\n  stack kill                 kill everything at once\n  stack kill -s SIGHUP web   ask web to reload')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<{ signal: string }>(cmd);
      const { killServices } = await import('../../stack/index.js');
      await runLifecycleAction(cmd, services, `sent ${flags.signal}`, (p, hooks) => killServices(p, services, { signal: flags.signal }, hooks));
    });
}
