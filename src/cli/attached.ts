// Attached `up`: after the plan is applied, stream the logs of the attached services with
// their prefixes (following recreates, restarts and scale-ups), and end by the declared policy:
//
// - every attached container has exited          → return (exit code: --exit-code-from's, or 0)
// - --abort-on-container-exit / --exit-code-from  → the first exit stops the project
// - --abort-on-container-failure                  → the first non-zero exit stops the project
// - first SIGINT/SIGTERM  → stop the project's containers gracefully (each one's
//                           stop_grace_period, or -t), dependents first; exit 130
// - second SIGINT/SIGTERM → kill them all at once; exit 130
// - and never hang: the graceful stop is bounded (longest grace period + a margin), after
//   which the containers are killed, and the kill itself is bounded too.
//
// `--on-exit` chooses what "stop the project" means: `stop` (default, as Compose users
// expect), `down` (remove it, through the façade's `down`), or `detach` (leave it running).

import type { EngineGateway } from '../engine/gateway.js';
import type { LogNotice, LogSource } from '../engine/logs.js';
import type { StackModel } from '../model/types.js';
import { ExitCode } from '../errors.js';
import { LogPrinter, prefixLabel } from './log-printer.js';
import { paint } from './style.js';

export type OnExit = 'stop' | 'down' | 'detach';

export interface AttachedOptions {
  readonly gateway: EngineGateway;
  readonly projectName: string;
  /** Services named on the command line (empty: all). */
  readonly services: readonly string[];
  /** `--attach`: only these services' logs (default: the named services, or all). */
  readonly attach?: readonly string[];
  /** `--no-attach`: not these. */
  readonly noAttach?: readonly string[];
  readonly abortOnContainerExit?: boolean;
  readonly abortOnContainerFailure?: boolean;
  readonly exitCodeFrom?: string;
  readonly onExit?: OnExit;
  /** `-t`: seconds each stop waits before the engine kills; default each container's own. */
  readonly timeoutSeconds?: number;
  /** Unix seconds: lines from this time on (when the apply started), so old runs stay out. */
  readonly since?: number;
  /** For `attach: false` services. */
  readonly model?: StackModel;
  /** Removes the project for `--on-exit down` (the façade's `down`). */
  readonly down?: () => Promise<void>;
  readonly out?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly err?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly prefix?: boolean;
  readonly timestamps?: boolean;
  /** Where SIGINT/SIGTERM come from (tests pass an EventEmitter). */
  readonly signals?: NodeJS.EventEmitter;
  /** Extra seconds on top of the longest grace period before a graceful stop turns into a kill. */
  readonly stopMarginSeconds?: number;
}

/** Which services' logs are shown. */
export function attachedServices(options: Pick<AttachedOptions, 'services' | 'attach' | 'noAttach' | 'model' | 'exitCodeFrom'>): ((service: string) => boolean) {
  const explicit = options.attach && options.attach.length > 0 ? options.attach : undefined;
  const named = options.services.length > 0 ? options.services : undefined;
  const excluded = new Set(options.noAttach ?? []);
  return (service) => {
    if (excluded.has(service)) return false;
    if (explicit) return explicit.includes(service);
    if (service === options.exitCodeFrom) return true;
    if (named) return named.includes(service);
    const spec = options.model && Object.hasOwn(options.model.services, service) ? options.model.services[service] : undefined;
    return spec ? spec.attach : true;
  };
}

const DEFAULT_GRACE_SECONDS = 10;

/** Streams logs until the policy ends the run; resolves with the exit code. */
export async function runAttached(options: AttachedOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const signals = options.signals ?? process;
  const p = paint(err);
  const outPaint = paint(out);
  const onExit: OnExit = options.onExit ?? 'stop';
  const abortOnExit = options.abortOnContainerExit === true || options.exitCodeFrom !== undefined;
  const isAttached = attachedServices(options);
  const { followProjectLogs } = await import('../engine/logs.js');
  const { projectContainers, stopServices, killServices, serviceOf, numberOf } = await import('../lifecycle.js');

  const printer = new LogPrinter({ out, prefix: options.prefix ?? true, timestamps: options.timestamps === true });
  const initial = await projectContainers(options.gateway, options.projectName, {});
  const attachedNow = initial.filter((c) => isAttached(serviceOf(c)));
  printer.reserve(attachedNow.map((c) => prefixLabel({ containerId: c.id, containerName: c.name, service: serviceOf(c), number: numberOf(c), oneoff: false })));
  if (attachedNow.length > 0) err.write(p.dim(`Attaching to ${attachedNow.map((c) => c.name).join(', ')}\n`));

  const following = new AbortController();
  const open = new Set<string>(); // containers whose stream is open
  let exitCode: number = ExitCode.ok;
  let exitCodeFromSeen: number | undefined;
  let finishing: Promise<void> | undefined;
  let interrupts = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  // --- stopping the project: graceful, then (second signal or deadline) kill -------------
  let killing: Promise<unknown> | undefined;
  const killAll = (): Promise<unknown> => {
    killing ??= killServices(options.gateway, options.projectName, []).catch(() => undefined);
    return killing;
  };
  const graceSeconds = (): number => {
    if (options.timeoutSeconds !== undefined) return options.timeoutSeconds;
    // The longest stop_grace_period bounds a graceful stop (the engine's default is 10 s).
    const periods = options.model ? Object.values(options.model.services).map((s) => (s.stopGracePeriod !== undefined ? s.stopGracePeriod / 1e9 : DEFAULT_GRACE_SECONDS)) : [];
    return periods.length > 0 ? Math.max(...periods) : DEFAULT_GRACE_SECONDS;
  };
  const stopProject = async (): Promise<void> => {
    if (onExit === 'detach') return;
    const margin = options.stopMarginSeconds ?? 5;
    const bound = (graceSeconds() + margin) * 1000;
    const graceful =
      onExit === 'down' && options.down
        ? options.down()
        : stopServices(options.gateway, options.projectName, [], options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}).then(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), bound)));
    const outcome = await Promise.race([graceful.then(() => 'ok' as const, () => 'failed' as const), deadline, killingSignal]);
    clearTimeout(timer);
    if (outcome !== 'ok') {
      if (outcome === 'late') err.write(p.yellow('the graceful stop took too long: killing\n'));
      await bounded(killAll(), 10_000);
      if (onExit === 'down' && options.down) await bounded(options.down().catch(() => undefined), 30_000);
    }
  };
  let resolveKilling!: (v: 'killed') => void;
  const killingSignal = new Promise<'killed'>((r) => (resolveKilling = r));

  const finish = (code: number, why?: string): Promise<void> => {
    if (finishing) return finishing;
    exitCode = code;
    if (why) err.write(p.dim(`${why}\n`));
    finishing = (async () => {
      try {
        await stopProject();
        // Let the streams of stopping containers deliver their last lines (bounded).
        const drainUntil = Date.now() + 2000;
        while (open.size > 0 && onExit !== 'detach' && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
      } finally {
        following.abort();
        resolveDone();
      }
    })();
    return finishing;
  };

  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      void finish(ExitCode.interrupted, onExit === 'detach' ? 'Detaching: the containers keep running' : 'Gracefully stopping... (press Ctrl+C again to force)');
    } else if (interrupts === 2) {
      exitCode = ExitCode.interrupted;
      err.write(p.yellow('Killing the containers\n'));
      resolveKilling('killed');
      void killAll();
    }
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);

  // --- the natural end: every attached container has exited ------------------------------
  const checkAllExited = async (): Promise<void> => {
    if (finishing) return;
    const containers = await projectContainers(options.gateway, options.projectName, {}).catch(() => undefined);
    if (!containers) return;
    const attached = containers.filter((c) => isAttached(serviceOf(c)));
    if (attached.every((c) => c.state !== 'running' && c.state !== 'restarting' && c.state !== 'paused')) {
      void finish(exitCodeFromSeen ?? ExitCode.ok);
    }
  };

  const onNotice = (n: LogNotice): void => {
    const key = n.kind === 'error' ? undefined : n.source.containerId;
    if (n.kind === 'attached' && key) open.add(key);
    if ((n.kind === 'exited' || n.kind === 'removed') && key) open.delete(key);
    if (n.kind === 'error') {
      err.write(p.yellow(`warning: ${n.source ? `${n.source.containerName}: ` : ''}${(n.error as Error)?.message ?? String(n.error)}\n`));
      return;
    }
    if (n.kind !== 'exited') return;
    const label = prefixLabel(n.source);
    out.write(`${outPaint.dim(`${label} exited with code ${n.exitCode}${n.oomKilled ? ' (out of memory)' : ''}`)}\n`);
    if (finishing) return;
    if (n.source.service === options.exitCodeFrom) exitCodeFromSeen = n.exitCode;
    const code = options.exitCodeFrom !== undefined ? (exitCodeFromSeen ?? n.exitCode) : n.exitCode;
    if (abortOnExit) {
      void finish(code, `Aborting on container exit (${label})...`);
    } else if (options.abortOnContainerFailure && n.exitCode !== 0) {
      void finish(n.exitCode, `Aborting on container failure (${label})...`);
    } else void checkAllExited();
  };

  const wanted = (source: LogSource): boolean => isAttached(source.service);
  const follow = followProjectLogs(
    options.gateway,
    {
      projectName: options.projectName,
      follow: true,
      signal: following.signal,
      ...(options.since !== undefined ? { since: options.since } : {}),
      onNotice: (n) => {
        if (n.kind === 'error' || wanted(n.source)) onNotice(n);
      },
    },
    (line) => {
      if (wanted(line.source)) printer.line(line);
    },
  ).catch((e: unknown) => {
    err.write(p.red(`error: following logs failed: ${(e as Error)?.message ?? String(e)}\n`));
    void finish(ExitCode.failed);
  });

  // Nothing to wait for: everything attached exited already (or nothing runs).
  void checkAllExited();
  try {
    await done;
    await bounded(follow, 5000);
  } finally {
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
  }
  return exitCode;
}

async function bounded<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

// --- the wiring `up` uses: its extra flags, and what happens after the apply ----------------

import { Option, type Command } from 'commander';
import type { CommandContext } from './context.js';
import type { UpResult } from '../stack.js';
import { ExitRequest, UsageError } from '../errors.js';

export interface AttachFlags {
  readonly attach?: string[];
  readonly noAttach?: string[];
  readonly abortOnContainerExit?: boolean;
  readonly abortOnContainerFailure?: boolean;
  readonly exitCodeFrom?: string;
  readonly onExit?: OnExit;
  readonly timeout?: number;
  readonly logPrefix?: boolean;
  readonly timestamps?: boolean;
}

const collectValues = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * `--no-attach <service>` takes a value, but commander reads any `--no-x` as the negation of
 * `--x`: declare it as a plain option with its own attribute.
 */
function noAttachOption(): Option {
  const option = new Option('--no-attach <service>', 'do not show this service\'s logs (repeatable)').argParser(collectValues);
  option.negate = false;
  option.attributeName = () => 'noAttach';
  return option;
}

/** The flags of attached `up` (without -d). */
export function addAttachFlags(cmd: Command): Command {
  return cmd
    .option('--attach <service>', 'show only these services\' logs (repeatable)', collectValues)
    .addOption(noAttachOption())
    .option('--abort-on-container-exit', 'stop the whole project when any container exits')
    .option('--abort-on-container-failure', 'stop the whole project when a container exits with a non-zero code')
    .option('--exit-code-from <service>', 'exit with this service\'s exit code (implies --abort-on-container-exit)')
    .addOption(new Option('--on-exit <action>', 'what Ctrl-C or an abort does to the containers').choices(['stop', 'down', 'detach']).default('stop'))
    .option('--no-log-prefix', 'do not print the service-n | prefix')
    .option('--timestamps', 'show the engine\'s timestamps');
}

/** After `up` applied its plan without -d: follow the logs and end by the policy; exit code via ExitRequest. */
export async function attachAfterUp(ctx: CommandContext, result: UpResult, flags: AttachFlags, services: readonly string[]): Promise<void> {
  if (ctx.progress === 'json') return; // stdout carries JSON events: no log lines in between
  if (flags.exitCodeFrom !== undefined && !Object.hasOwn(result.model.services, flags.exitCodeFrom)) {
    throw new UsageError(`--exit-code-from: no such service: ${flags.exitCodeFrom}`);
  }
  const { openGateway } = await import('../engine/connect.js');
  const gateway = await openGateway({
    env: ctx.connect.env,
    ...(ctx.connect.host !== undefined ? { host: ctx.connect.host } : {}),
    ...(ctx.connect.context !== undefined ? { context: ctx.connect.context } : {}),
  });
  const attach = Array.isArray(flags.attach) ? flags.attach : undefined;
  const code = await runAttached({
    gateway,
    projectName: result.model.projectName,
    services,
    ...(attach ? { attach } : {}),
    ...(flags.noAttach ? { noAttach: flags.noAttach } : {}),
    abortOnContainerExit: flags.abortOnContainerExit === true,
    abortOnContainerFailure: flags.abortOnContainerFailure === true,
    ...(flags.exitCodeFrom !== undefined ? { exitCodeFrom: flags.exitCodeFrom } : {}),
    onExit: flags.onExit ?? 'stop',
    ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
    // From when the apply started: new output only, not the history of untouched containers.
    since: Math.floor((Date.now() - result.durationMs) / 1000) - 1,
    model: result.model,
    prefix: flags.logPrefix !== false,
    timestamps: flags.timestamps === true,
    down: async () => {
      const { down } = await import('../stack.js');
      await down({ load: ctx.load, connect: ctx.connect, projectName: result.model.projectName });
    },
  });
  if (code !== ExitCode.ok) throw new ExitRequest(code);
}
