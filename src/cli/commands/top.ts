import type { Command } from 'commander';
import { noticeHooks, openCommandProject } from '../project-request.js';
import { table } from './ps.js';

export function registerTop(program: Command): Command {
  return program
    .command('top')
    .description('show the processes running in the containers of the project')
    .argument('[services...]', 'only these services')
    .addHelpText('after', '\nExamples:\n  stack top\n  stack top web')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const { top } = await import('../../stack/index.js');
      const p = await openCommandProject(cmd, services);
      for (const r of await top(p, services, noticeHooks())) {
        process.stdout.write(`${r.container}\n`);
        process.stdout.write(r.titles.length > 0 ? table([[...r.titles], ...r.processes.map((x) => [...x])]) : '');
        process.stdout.write('\n');
      }
    });
}
