import type { Command } from 'commander';
import { runLifecycleAction } from '../project-request.js';
import { optionsOf } from '../options.js';
import { paint } from '../style.js';

export function registerRm(program: Command): Command {
  return program
    .command('rm')
    .description('remove the stopped containers of the project (named volumes are kept; networks stay until `down`)')
    .argument('[services...]', 'only these services')
    .option('-s, --stop', 'stop running containers first (dependents first)')
    .option('-v, --volumes', 'remove the containers\' anonymous volumes too')
    .option('-f, --force', 'accepted for Compose compatibility: stack never asks for confirmation')
    .option('-t, --timeout <seconds>', 'with --stop: seconds to wait before killing', Number)
    .addHelpText('after', '\nExamples:\n  stack rm             remove stopped containers (and finished one-off containers)\n  stack rm -s -v web   stop and remove the web containers with their anonymous volumes')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<{ stop?: boolean; volumes?: boolean; timeout?: number }>(cmd);
      const { removeServices } = await import('../../stack/index.js');
      let stillRunning: readonly string[] = [];
      await runLifecycleAction(cmd, services, 'removed', async (p, hooks) => {
        const r = await removeServices(
          p,
          services,
          { stop: flags.stop === true, volumes: flags.volumes === true, ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}) },
          hooks,
        );
        stillRunning = r.stillRunning;
        return r;
      });
      if (stillRunning.length > 0) {
        process.stderr.write(paint(process.stderr).yellow(`not removed (running; use --stop): ${stillRunning.join(', ')}\n`));
      }
    });
}
