import type { Command } from 'commander';
import { interruptSignal, projectRequest } from '../project-request.js';
import { optionsOf } from '../program.js';
import { COMPOSE } from '../../api/labels.js';

export function registerEvents(program: Command): Command {
  return program
    .command('events')
    .description('stream the engine events of the project\'s containers (until Ctrl-C)')
    .argument('[services...]', 'only these services')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', '\nExamples:\n  stack events              start, die, health_status... as they happen\n  stack events --json web')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<{ json?: boolean }>(cmd);
      const { openProject, projectEvents } = await import('../../lifecycle.js');
      const p = await openProject(projectRequest(cmd, services));
      const interrupt = interruptSignal();
      try {
        await projectEvents(p.gateway, p.projectName, { services, signal: interrupt.signal }, (e) => {
          const time = new Date(Math.floor(e.timeNano / 1e6)).toISOString();
          const service = e.attributes[COMPOSE.service] ?? '';
          if (flags.json) {
            process.stdout.write(`${JSON.stringify({ time, type: e.type, action: e.action, id: e.id, service, attributes: e.attributes })}\n`);
          } else {
            // Compose's own labels are noise in a one-line view; keep name, image, exit code...
            const attrs = Object.entries(e.attributes)
              .filter(([k]) => !k.startsWith('com.docker.compose.') && !k.startsWith('dev.stack.'))
              .map(([k, v]) => `${k}=${v}`)
              .join(', ');
            process.stdout.write(`${time} ${e.type} ${e.action} ${e.id}${attrs ? ` (${attrs})` : ''}\n`);
          }
        });
      } finally {
        interrupt.dispose();
      }
    });
}
