import { Option, type Command } from 'commander';
import { projectRequest } from '../project-request.js';
import { optionsOf } from '../options.js';
import { table } from './ps.js';

interface LsFlags {
  all?: boolean;
  quiet?: boolean;
  format: 'table' | 'json';
}

export function registerLs(program: Command): Command {
  return program
    .command('ls')
    .description('list the projects on the engine')
    .option('-a, --all', 'projects whose containers are all stopped too')
    .option('-q, --quiet', 'print the project names only')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', '\nExamples:\n  stack ls                 running projects with their state and stack files\n  stack ls -a --format json')
    .action(async (_flags: LsFlags, cmd: Command) => {
      const flags = optionsOf<LsFlags>(cmd);
      const { listProjects } = await import('../../stack/index.js');
      // ls needs no stack file and no project: only the engine.
      const { connect } = projectRequest(cmd);
      const projects = await listProjects({ connect, all: flags.all === true });
      if (flags.quiet) for (const p of projects) process.stdout.write(`${p.name}\n`);
      else if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify(projects.map((p) => ({ Name: p.name, Status: p.status, ConfigFiles: p.configFiles, WorkingDir: p.workingDir, Counts: p.counts })))}\n`);
      } else process.stdout.write(table([['NAME', 'STATUS', 'CONFIG FILES'], ...projects.map((p) => [p.name, p.status, p.configFiles])]));
    });
}
