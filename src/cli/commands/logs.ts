import type { Command } from 'commander';
import { interruptSignal, noticeHooks, openCommandProject, parseTimeArg, whenStdoutCloses } from '../project-request.js';
import { optionsOf } from '../options.js';
import { ExitCode, ExitRequest, OperationError, UsageError } from '../../errors.js';
import type { LogFailure } from '../../stack/index.js';
import { paint } from '../style.js';

interface LogsFlags {
  follow?: boolean;
  tail?: string;
  since?: string;
  until?: string;
  timestamps?: boolean;
  logPrefix: boolean;
  color: boolean;
  index?: number;
}

function parseTail(value: string | undefined): number | 'all' | undefined {
  if (value === undefined || value === 'all') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--tail expects a number of lines or "all", got "${value}"`);
  return n;
}

function logsFailed(failed: readonly LogFailure[]): OperationError {
  const names = failed.map((f) => f.source.containerName);
  const why = failed.map((f) => `${f.source.containerName}: ${(f.error as Error)?.message ?? String(f.error)}`).join('; ');
  return new OperationError(`could not read the logs of ${names.join(', ')} (${why})`, {
    hint: 'the other containers\' logs were shown; a container whose logging driver keeps no log (driver "none", or a remote one without reading) cannot be read back',
  });
}

export function registerLogs(program: Command): Command {
  return program
    .command('logs')
    .description('show the output of the project\'s containers; with -f keep following, across restarts and recreates')
    .argument('[services...]', 'only these services')
    .option('-f, --follow', 'keep following new output (Ctrl-C to stop)')
    .option('-n, --tail <lines>', 'only the last N lines of each container ("all" for everything)')
    .option('--since <time>', 'lines since a time: RFC 3339, Unix seconds, or a duration such as 10m')
    .option('--until <time>', 'lines before a time (same forms as --since)')
    .option('-t, --timestamps', 'show the engine\'s timestamps')
    .option('--no-log-prefix', 'do not print the service-n | prefix')
    .option('--no-color', 'plain output without colours')
    .addHelpText('after', '\nExamples:\n  stack logs                  everything the containers wrote so far\n  stack logs -f --tail 10 web  the last 10 lines of web, then follow\n  stack logs --since 5m -t    the last five minutes, with timestamps')
    .action(async (services: string[], _f: unknown, cmd: Command) => {
      const flags = optionsOf<LogsFlags>(cmd);
      const tail = parseTail(flags.tail);
      const since = flags.since !== undefined ? parseTimeArg(flags.since) : undefined;
      const until = flags.until !== undefined ? parseTimeArg(flags.until) : undefined;
      const [{ containers, followLogs }, { LogPrinter, prefixLabel }] = await Promise.all([import('../../stack/index.js'), import('../log-printer.js')]);
      const p = await openCommandProject(cmd, services);
      const printer = new LogPrinter({ out: process.stdout, prefix: flags.logPrefix, timestamps: flags.timestamps === true });
      const { resolveTarget, swarmLogs } = await import('../../stack/index.js');
      if (resolveTarget(optionsOf<{ target?: string }>(cmd).target, process.env, p.model) === 'swarm') {
        const interrupt = interruptSignal();
        try {
          await swarmLogs(p, { services, follow: flags.follow === true, signal: interrupt.signal, ...(tail !== undefined ? { tail } : {}), ...(since !== undefined ? { since } : {}) }, (line) => printer.line(line));
        } finally {
          interrupt.dispose();
        }
        if (interrupt.interrupted()) throw new ExitRequest(ExitCode.interrupted);
        return;
      }
      // Validates the services (with a stack file) and sizes the prefix column up front.
      const known = await containers(p, { services }, noticeHooks());
      printer.reserve(known.map((c) => prefixLabel({ containerName: c.name, service: c.service, number: c.number, oneoff: c.oneoff })));
      const interrupt = interruptSignal();
      const reader = new AbortController();
      let stdoutClosed = false;
      const stopWatchingStdout = whenStdoutCloses(() => {
        stdoutClosed = true;
        reader.abort();
      });
      const err = paint(process.stderr);
      let failed: readonly LogFailure[];
      try {
        ({ failed } = await followLogs(
          p,
          {
            services,
            follow: flags.follow === true,
            signal: AbortSignal.any([interrupt.signal, reader.signal]),
            ...(tail !== undefined ? { tail } : {}),
            ...(since !== undefined ? { since } : {}),
            ...(until !== undefined ? { until } : {}),
            onNotice: (n) => {
              if (n.kind === 'error') process.stderr.write(err.yellow(`warning: ${n.source ? `${n.source.containerName}: ` : ''}${(n.error as Error)?.message ?? String(n.error)}\n`));
            },
          },
          (line) => {
            if (!stdoutClosed) printer.line(line);
          },
        ));
      } finally {
        interrupt.dispose();
        stopWatchingStdout();
      }
      if (interrupt.interrupted()) throw new ExitRequest(ExitCode.interrupted);
      // A log that could not be read is not an empty one: exit 1, naming the containers.
      if (failed.length > 0 && !stdoutClosed) throw logsFailed(failed);
    });
}
