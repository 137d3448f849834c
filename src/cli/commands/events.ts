// `stack events`: the engine events of the project's containers as they happen. The façade
// hands over events that are safe to show (no label value stack wrote, the rest redacted);
// this file only lays them out.

import type { Command } from 'commander';
import { interruptSignal, openCommandProject } from '../project-request.js';
import { optionsOf } from '../options.js';
import type { ProjectEvent } from '../../stack/index.js';

export function registerEvents(program: Command): Command {
  return program
    .command('events')
    .description('stream the engine events of the project\'s containers (until Ctrl-C)')
    .argument('[services...]', 'only these services')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', '\nExamples:\n  stack events              start, die, health_status... as they happen\n  stack events --json web')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<{ json?: boolean }>(cmd);
      const { projectEvents } = await import('../../stack/index.js');
      const p = await openCommandProject(cmd, services);
      const interrupt = interruptSignal();
      try {
        await projectEvents(p, { services, signal: interrupt.signal }, (e) => process.stdout.write(flags.json ? jsonLine(e) : textLine(e)));
      } finally {
        interrupt.dispose();
      }
    });
}

function timeOf(e: ProjectEvent): string {
  return new Date(Math.floor(e.timeNano / 1e6)).toISOString();
}

function jsonLine(e: ProjectEvent): string {
  return `${JSON.stringify({ time: timeOf(e), type: e.type, action: e.action, id: e.id, project: e.project, service: e.service, attributes: e.attributes })}\n`;
}

/** One line: time, type, action, id, and the attributes (name, image, exit code...). */
function textLine(e: ProjectEvent): string {
  // Compose's own labels (a container Compose made in the project) are noise in a one-line view.
  const attrs = Object.entries(e.attributes)
    .filter(([k]) => !k.startsWith('com.docker.compose.'))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${timeOf(e)} ${e.type} ${e.action} ${e.id}${attrs ? ` (${attrs})` : ''}\n`;
}
