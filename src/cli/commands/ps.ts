import { Option, type Command } from 'commander';
import { noticeHooks, openCommandProject } from '../project-request.js';
import { optionsOf } from '../options.js';
import type { PsRow } from '../../stack/index.js';

interface PsFlags {
  all?: boolean;
  services?: boolean;
  status?: string[];
  quiet?: boolean;
  format: 'table' | 'json';
}

/** `running (healthy)`, `exited (3)`. */
export function stateText(r: PsRow): string {
  if (r.health) return `${r.state} (${r.health})`;
  if (r.state === 'exited' && r.exitCode !== undefined) return `exited (${r.exitCode})`;
  return r.state;
}

export function portsText(r: PsRow): string {
  return r.ports
    .map((p) => (p.publicPort !== undefined ? `${p.ip ?? '0.0.0.0'}:${p.publicPort}->${p.privatePort}/${p.protocol}` : `${p.privatePort}/${p.protocol}`))
    .join(', ');
}

/** The JSON shape of `docker compose ps --format json`, so tools written for it keep working. */
export function composeJson(r: PsRow): Record<string, unknown> {
  return {
    ID: r.id,
    Name: r.name,
    Image: r.image,
    Project: r.project,
    Service: r.service,
    Number: r.number,
    Created: r.created,
    State: r.state,
    Status: r.status,
    Health: r.health ?? '',
    ExitCode: r.exitCode ?? 0,
    Publishers: r.ports.map((p) => ({ URL: p.ip ?? '', TargetPort: p.privatePort, PublishedPort: p.publicPort ?? 0, Protocol: p.protocol })),
    OneOff: r.oneoff,
  };
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('   ').trimEnd()).join('\n') + '\n';
}

export function registerPs(program: Command): Command {
  return program
    .command('ps')
    .description('list the containers of the project')
    .argument('[services...]', 'only these services')
    .option('-a, --all', 'stopped containers too')
    .option('--services', 'print the service names only')
    .option('--status <state>', 'only containers in this state (running, exited, paused...; repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('-q, --quiet', 'print the container ids only')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', '\nExamples:\n  stack ps                     running containers, with state, health and ports\n  stack ps -a --format json    every container, as JSON (Compose\'s field names)\n  stack ps -q web              ids of the web containers')
    .action(async (services: string[], _flags: PsFlags, cmd: Command) => {
      const flags = optionsOf<PsFlags>(cmd);
      const { ps, resolveTarget, swarmPs } = await import('../../stack/index.js');
      const project = await openCommandProject(cmd, services);
      if (resolveTarget(flags.target, process.env, project.model) === 'swarm') {
        const tasks = await swarmPs(project, { services, all: flags.all === true });
        if (flags.quiet) for (const t of tasks) process.stdout.write(`${t.id}\n`);
        else if (flags.services) for (const s of [...new Set(tasks.map((t) => t.service))]) process.stdout.write(`${s}\n`);
        else if (flags.format === 'json') process.stdout.write(`${JSON.stringify(tasks)}\n`);
        else process.stdout.write(table([['NAME', 'NODE', 'DESIRED', 'CURRENT', 'SINCE', 'ERROR'], ...tasks.map((t) => [t.name, t.node, t.desiredState, t.currentState, t.since.slice(0, 19), t.error])]));
        return;
      }
      const rows = await ps(project, {
        services,
        all: flags.all === true || (flags.status?.length ?? 0) > 0,
        ...(flags.status ? { status: flags.status } : {}),
      }, noticeHooks());
      if (flags.quiet) {
        for (const r of rows) process.stdout.write(`${r.id}\n`);
      } else if (flags.services) {
        for (const s of [...new Set(rows.map((r) => r.service))]) process.stdout.write(`${s}\n`);
      } else if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify(rows.map(composeJson))}\n`);
      } else {
        process.stdout.write(table([['NAME', 'SERVICE', 'STATE', 'PORTS'], ...rows.map((r) => [r.name, r.service, stateText(r), portsText(r)])]));
      }
    });
}
