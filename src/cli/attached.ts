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
//
// The engine is the façade's: this file holds the Project `up` returned and asks the façade
// for containers, logs, stops and kills. The run is one AttachedRun: its state (how it ends,
// with which code, which streams are open) in fields, each step of the policy a method.

import { Option, type Command } from 'commander';
import type { CommandContext } from './context.js';
import type { LogNotice, LogSource, Project, StackModel, UpResult } from '../stack/index.js';
import { ExitCode, ExitRequest, UsageError } from '../errors.js';
import { LogPrinter, prefixLabel } from './log-printer.js';
import { paint, type Painter } from './style.js';
import { noteSignal } from './termination.js';

export type OnExit = 'stop' | 'down' | 'detach';

export interface AttachedOptions {
  /** The project `up` brought up (its engine connection stays inside the façade). */
  readonly project: Project;
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
  /** Watch mode: the run ends on a signal (or an abort flag), not when every container has exited. */
  readonly untilInterrupted?: boolean;
  /** Runs first when the run ends (watch stops watching before the project is stopped); bounded. */
  readonly beforeStop?: () => Promise<void>;
  /** False: follow no logs (`--progress json` with watch: stdout carries events). Default true. */
  readonly logs?: boolean;
  /** The printer to use (watch shares it, so its exec output lines up with the logs). */
  readonly printer?: LogPrinter;
}

/** Which services' logs are shown. */
export function attachedServices(
  options: Pick<AttachedOptions, 'services' | 'attach' | 'noAttach' | 'exitCodeFrom'> & { readonly model?: StackModel },
): (service: string) => boolean {
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
/** How long the streams of stopping containers may take to deliver their last lines. */
const DRAIN_MS = 2000;
/** Bound on `beforeStop` (watch finishing its running batch) before the project is stopped anyway. */
const BEFORE_STOP_MS = 10_000;

type Facade = typeof import('../stack/index.js');

/** Streams logs until the policy ends the run; resolves with the exit code. */
export async function runAttached(options: AttachedOptions): Promise<number> {
  return new AttachedRun(options, await import('../stack/index.js')).run();
}

class AttachedRun {
  private readonly out: NonNullable<AttachedOptions['out']>;
  private readonly err: NonNullable<AttachedOptions['err']>;
  private readonly errPaint: Painter;
  private readonly onExit: OnExit;
  private readonly abortOnExit: boolean;
  private readonly isAttached: (service: string) => boolean;
  private readonly printer: LogPrinter;
  private readonly following = new AbortController();
  /** Containers whose log stream is open. */
  private readonly open = new Set<string>();
  private exitCode: number = ExitCode.ok;
  private exitCodeFromSeen: number | undefined;
  private finishing: Promise<void> | undefined;
  private interrupts = 0;
  private killing: Promise<unknown> | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((r) => (this.resolveDone = r));
  private resolveKilled!: (v: 'killed') => void;
  /** Settles on the second signal: a graceful stop in progress gives way to the kill. */
  private readonly killed = new Promise<'killed'>((r) => (this.resolveKilled = r));

  constructor(
    private readonly options: AttachedOptions,
    private readonly facade: Facade,
  ) {
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? process.stderr;
    this.errPaint = paint(this.err);
    this.onExit = options.onExit ?? 'stop';
    this.abortOnExit = options.abortOnContainerExit === true || options.exitCodeFrom !== undefined;
    this.isAttached = attachedServices({ ...options, ...(options.project.model ? { model: options.project.model } : {}) });
    this.printer = options.printer ?? new LogPrinter({ out: this.out, prefix: options.prefix ?? true, timestamps: options.timestamps === true });
  }

  async run(): Promise<number> {
    const signals = this.options.signals ?? process;
    const onSignal = (signal: NodeJS.Signals): void => {
      noteSignal(signal);
      this.onSignal();
    };
    if (this.options.logs !== false) await this.announce();
    signals.on('SIGINT', onSignal);
    signals.on('SIGTERM', onSignal);
    const follow = this.options.logs === false ? Promise.resolve() : this.follow();
    // Nothing to wait for: everything attached exited already (or nothing runs).
    void this.checkAllExited();
    try {
      await this.done;
      await bounded(follow, 5000);
    } finally {
      signals.off('SIGINT', onSignal);
      signals.off('SIGTERM', onSignal);
    }
    return this.exitCode;
  }

  /** `Attaching to ...`, with the prefix column sized for the containers there are now. */
  private async announce(): Promise<void> {
    const now = (await this.facade.containers(this.options.project)).filter((c) => this.isAttached(c.service));
    this.printer.reserve(now.map((c) => prefixLabel({ containerName: c.name, service: c.service, number: c.number, oneoff: false })));
    if (now.length > 0) this.err.write(this.errPaint.dim(`Attaching to ${now.map((c) => c.name).join(', ')}\n`));
  }

  /** Follows the attached services' logs until the run finishes. */
  private follow(): Promise<void> {
    const wanted = (source: LogSource): boolean => this.isAttached(source.service);
    return this.facade
      .followLogs(
        this.options.project,
        {
          follow: true,
          signal: this.following.signal,
          ...(this.options.since !== undefined ? { since: this.options.since } : {}),
          onNotice: (n) => {
            if (n.kind === 'error' || wanted(n.source)) this.onNotice(n);
          },
        },
        (line) => {
          if (wanted(line.source)) this.printer.line(line);
        },
      )
      // Failed streams were shown as warnings while following; attached `up` carries on.
      .then(() => undefined)
      .catch((e: unknown) => {
        this.err.write(this.errPaint.red(`error: following logs failed: ${(e as Error)?.message ?? String(e)}\n`));
        void this.finish(ExitCode.failed);
      });
  }

  private onNotice(n: LogNotice): void {
    if (n.kind === 'error') {
      this.err.write(this.errPaint.yellow(`warning: ${n.source ? `${n.source.containerName}: ` : ''}${(n.error as Error)?.message ?? String(n.error)}\n`));
      return;
    }
    if (n.kind === 'attached') this.open.add(n.source.containerId);
    if (n.kind === 'exited' || n.kind === 'removed') this.open.delete(n.source.containerId);
    if (n.kind === 'exited') this.onContainerExit(n.source, n.exitCode, n.oomKilled);
  }

  /** An attached container exited: say so in its column, and end the run if the policy says so. */
  private onContainerExit(source: LogSource, exitCode: number, oomKilled: boolean): void {
    const label = prefixLabel(source);
    this.out.write(`${paint(this.out).dim(`${label} exited with code ${exitCode}${oomKilled ? ' (out of memory)' : ''}`)}\n`);
    if (this.finishing) return;
    if (source.service === this.options.exitCodeFrom) this.exitCodeFromSeen = exitCode;
    const code = this.options.exitCodeFrom !== undefined ? (this.exitCodeFromSeen ?? exitCode) : exitCode;
    if (this.abortOnExit) void this.finish(code, `Aborting on container exit (${label})...`);
    else if (this.options.abortOnContainerFailure && exitCode !== 0) void this.finish(exitCode, `Aborting on container failure (${label})...`);
    else void this.checkAllExited();
  }

  /** The natural end: every attached container has exited. */
  private async checkAllExited(): Promise<void> {
    if (this.finishing || this.options.untilInterrupted) return;
    const list = await this.facade.containers(this.options.project).catch(() => undefined);
    if (!list) return;
    const attached = list.filter((c) => this.isAttached(c.service));
    if (attached.every((c) => c.state !== 'running' && c.state !== 'restarting' && c.state !== 'paused')) void this.finish(this.exitCodeFromSeen ?? ExitCode.ok);
  }

  private onSignal(): void {
    this.interrupts++;
    if (this.interrupts === 1) {
      void this.finish(ExitCode.interrupted, this.onExit === 'detach' ? 'Detaching: the containers keep running' : 'Gracefully stopping... (press Ctrl+C again to force)');
    } else if (this.interrupts === 2) {
      this.exitCode = ExitCode.interrupted;
      this.err.write(this.errPaint.yellow('Killing the containers\n'));
      this.resolveKilled('killed');
      void this.killAll();
    }
  }

  /** Ends the run once: stop the project by the policy, let the last lines drain, stop following. */
  private finish(code: number, why?: string): Promise<void> {
    if (this.finishing) return this.finishing;
    this.exitCode = code;
    if (why) this.err.write(this.errPaint.dim(`${why}\n`));
    this.finishing = (async () => {
      try {
        if (this.options.beforeStop) await bounded(this.options.beforeStop().catch(() => undefined), BEFORE_STOP_MS);
        await this.stopProject();
        const drainUntil = Date.now() + DRAIN_MS;
        while (this.open.size > 0 && this.onExit !== 'detach' && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
      } finally {
        this.following.abort();
        this.resolveDone();
      }
    })();
    return this.finishing;
  }

  /** Graceful first (bounded by the longest grace period and a margin), then a kill (bounded too). */
  private async stopProject(): Promise<void> {
    if (this.onExit === 'detach') return;
    const bound = (this.graceSeconds() + (this.options.stopMarginSeconds ?? 5)) * 1000;
    const down = this.options.down;
    const graceful =
      this.onExit === 'down' && down
        ? down()
        : this.facade
            .stopServices(this.options.project, [], { lock: false, ...(this.options.timeoutSeconds !== undefined ? { timeoutSeconds: this.options.timeoutSeconds } : {}) })
            .then(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), bound)));
    const outcome = await Promise.race([graceful.then(() => 'ok' as const, () => 'failed' as const), deadline, this.killed]);
    clearTimeout(timer);
    if (outcome === 'ok') return;
    if (outcome === 'late') this.err.write(this.errPaint.yellow('the graceful stop took too long: killing\n'));
    await bounded(this.killAll(), 10_000);
    if (this.onExit === 'down' && down) await bounded(down().catch(() => undefined), 30_000);
  }

  private killAll(): Promise<unknown> {
    this.killing ??= this.facade.killServices(this.options.project, [], { lock: false }).catch(() => undefined);
    return this.killing;
  }

  /** The longest stop_grace_period bounds a graceful stop (the engine's default is 10 s). */
  private graceSeconds(): number {
    if (this.options.timeoutSeconds !== undefined) return this.options.timeoutSeconds;
    const model = this.options.project.model;
    const periods = model ? Object.values(model.services).map((s) => (s.stopGracePeriod !== undefined ? s.stopGracePeriod / 1e9 : DEFAULT_GRACE_SECONDS)) : [];
    return periods.length > 0 ? Math.max(...periods) : DEFAULT_GRACE_SECONDS;
  }
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

/**
 * After `up` applied its plan without -d: follow the logs and end by the policy; exit code via
 * ExitRequest. `extra` is how watch (`up --watch`, `stack watch`) runs until interrupted.
 */
export async function attachAfterUp(
  ctx: CommandContext,
  result: Pick<UpResult, 'project' | 'model' | 'durationMs'>,
  flags: AttachFlags,
  services: readonly string[],
  extra: Pick<AttachedOptions, 'untilInterrupted' | 'beforeStop' | 'logs' | 'printer'> = {},
): Promise<void> {
  if (ctx.progress === 'json' && !extra.untilInterrupted) return; // stdout carries JSON events: no log lines in between
  if (flags.exitCodeFrom !== undefined && !Object.hasOwn(result.model.services, flags.exitCodeFrom)) {
    throw new UsageError(`--exit-code-from: no such service: ${flags.exitCodeFrom}`);
  }
  const attach = Array.isArray(flags.attach) ? flags.attach : undefined;
  const code = await runAttached({
    project: result.project,
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
    prefix: flags.logPrefix !== false,
    timestamps: flags.timestamps === true,
    down: async () => {
      const { down } = await import('../stack/index.js');
      await down({ load: ctx.load, connect: ctx.connect, projectName: result.model.projectName });
    },
    ...extra,
  });
  if (code !== ExitCode.ok) throw new ExitRequest(code);
}
