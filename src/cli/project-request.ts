// What the everyday commands share on the CLI side: turning options into a project request
// (through context.ts, so -f/-p/-H mean what they mean for `up`), reporting what a lifecycle
// action did, and parsing time arguments.

import type { Command } from 'commander';
import { commandContext } from './context.js';
import { optionsOf } from './options.js';
import type { ActionResult, Project, ProjectRequest, RunHooks } from '../stack/index.js';
import { isStackError, OperationError, UsageError } from '../errors.js';
import { paint } from './style.js';
import { leftAloneLine } from './left-alone.js';
import { noteSignal } from './termination.js';

export function projectRequest(cmd: Command, services: readonly string[] = [], needModel = false): ProjectRequest {
  const ctx = commandContext(optionsOf(cmd), services);
  return {
    load: ctx.load,
    connect: ctx.connect,
    ...(ctx.projectName !== undefined ? { projectName: ctx.projectName } : {}),
    needModel,
  };
}

/** Opens the project the command line names, through the façade. */
export async function openCommandProject(cmd: Command, services: readonly string[] = [], needModel = false): Promise<Project> {
  const { openProject } = await import('../stack/index.js');
  return openProject(projectRequest(cmd, services, needModel));
}

/** One line per container acted on (stderr, like progress); the first failure becomes the error. */
export function reportAction(result: ActionResult, verb: string, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): void {
  const p = paint(out);
  for (const name of result.done) out.write(`${p.green('✔')} ${name} ${verb}\n`);
  for (const f of result.failed) out.write(`${p.red('✘')} ${f.name} ${p.red(errorText(f.error))}\n`);
  if (result.failed.length === 1 && isStackError(result.failed[0]!.error)) throw result.failed[0]!.error;
  if (result.failed.length > 0) {
    throw new OperationError(`${result.failed.length} container(s) could not be ${verb}: ${result.failed.map((f) => f.name).join(', ')}`);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * `--since` / `--until`: an RFC 3339 time (`2026-11-23T18:00:00Z`), Unix seconds
 * (`1763920800.5`), or a duration before now (`10m`, `1h30m`, `45s`). Returns Unix seconds.
 */
export function parseTimeArg(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const duration = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(value);
  if (duration && value !== '') {
    const seconds = Number(duration[1] ?? 0) * 3600 + Number(duration[2] ?? 0) * 60 + Number(duration[3] ?? 0);
    return (now - seconds * 1000) / 1000;
  }
  const ms = Date.parse(value);
  if (!Number.isNaN(ms)) return ms / 1000;
  throw new UsageError(`cannot read "${value}" as a time`, { hint: 'use an RFC 3339 time (2026-11-23T18:00:00Z), Unix seconds, or a duration such as 10m or 1h30m' });
}

/** Words of `--entrypoint "sh -c"` with simple quoting ('...' and "..."). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let any = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (current !== '' || any) words.push(current);
      current = '';
      any = false;
    } else current += ch;
  }
  if (quote) throw new UsageError(`unbalanced quote in "${text}"`);
  if (current !== '' || any) words.push(current);
  return words;
}

/** A whole number ≥ 0 for options such as --tail and --index. */
export function wholeNumber(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} expects a whole number, got "${value}"`);
    return n;
  };
}

/** Aborts on SIGINT/SIGTERM; `dispose` removes the handlers. */
export function interruptSignal(): { signal: AbortSignal; interrupted: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    noteSignal(signal);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    interrupted: () => controller.signal.aborted,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * The shape of every mutating lifecycle command: open the project, act under its lock (the
 * façade takes it; a wait for another run is said on stderr), report one line per container.
 * Ctrl-C keeps its default meaning here (the process ends; a lock it held is recognised as
 * stale by its dead pid).
 */
export async function runLifecycleAction(
  cmd: Command,
  services: readonly string[],
  verb: string,
  act: (project: Project, hooks: RunHooks) => Promise<ActionResult>,
): Promise<void> {
  const project = await openCommandProject(cmd, services);
  const result = await act(project, noticeHooks());
  reportAction(result, verb);
}

/**
 * Hooks for the everyday commands (no progress renderer): what they say besides their output,
 * on stderr — a wait for another run's lock, and what was left alone because stack did not
 * create it.
 */
export function noticeHooks(out: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): RunHooks {
  const warn = paint(out);
  return {
    onEvent: (e) => {
      if (e.type === 'lock-wait') out.write(warn.yellow(`waiting for another run on this project to finish (${e.holder})\n`));
      if (e.type === 'left-alone') out.write(warn.yellow(`${leftAloneLine(e)}\n`));
    },
  };
}

/**
 * When stdout is a pipe that closes (`stack logs -f | head`), stop quietly instead of dying
 * on EPIPE: `onClosed` ends the work (e.g. aborts following).
 */
export function whenStdoutCloses(onClosed: () => void): () => void {
  const onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') onClosed();
  };
  process.stdout.on('error', onError);
  return () => process.stdout.off('error', onError);
}
