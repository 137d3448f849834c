// How watch looks. Its own lines go to stderr, between the services' logs on stdout, one per
// batch: `[watch] web: sync 2 files (src/app.js, src/style.css) in 38ms`; a reload shows its
// plan and the `up` progress as `up` does in plain mode; a stack file that does not validate is
// printed exactly as `stack config` prints it, followed by what watch does about it. The output
// of `sync+exec` commands goes to stdout in the service's log column. `--progress json` writes
// every event as one JSON line on stdout instead; `--quiet` keeps only failures.

import type { ErrorSummary, StackEvent, WatchEvent } from '../stack/index.js';
import { StackFileError } from '../errors.js';
import type { LogPrinter } from './log-printer.js';
import { plainRenderer } from './progress/plain.js';
import { formatDuration } from './progress/renderer.js';
import { renderError } from './render-error.js';
import { paint } from './style.js';

export interface WatchOutputOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
  /** The attached run's printer, so exec output lines up with the logs. */
  readonly printer: LogPrinter;
}

export type WatchEventListener = (event: WatchEvent | StackEvent) => void;

export function watchOutput(options: WatchOutputOptions): WatchEventListener {
  if (options.json) return (event) => void options.out.write(JSON.stringify(event) + '\n');
  const progress = plainRenderer({ stdout: options.out, stderr: options.err });
  const p = paint(options.err);
  const say = (text: string): void => void options.err.write(`${p.dim('[watch]')} ${text}\n`);
  const failure = (what: string, error: ErrorSummary | undefined): void => {
    say(p.red(`${what} failed: ${error?.message ?? 'unknown error'}`));
    if (error?.hint) say(p.dim(`hint: ${error.hint}`));
  };
  return (event) => {
    if (!event.type.startsWith('watch-')) {
      const stackEvent = event as StackEvent;
      if (options.quiet && stackEvent.type !== 'op-failed') return;
      if (stackEvent.type === 'plan') for (const step of stackEvent.steps) say(`plan: ${step.kind} ${step.target}: ${step.cause}`);
      progress.onEvent(stackEvent);
      return;
    }
    const e = event as WatchEvent;
    switch (e.type) {
      case 'watch-ready':
        if (!options.quiet) say(`watching ${e.services.join(', ')} (${e.paths} path${e.paths === 1 ? '' : 's'}, ${e.mode === 'native' ? 'native file events' : 'polling'}; ${e.stackFiles} stack file${e.stackFiles === 1 ? '' : 's'} reload the model)`);
        break;
      case 'watch-batch':
        for (const part of e.parts) {
          const who = part.service ?? 'stack file';
          const what = `${who}: ${part.action} ${part.files} file${part.files === 1 ? '' : 's'} (${part.paths.join(', ')}${part.files > part.paths.length ? ', …' : ''})`;
          if (part.ok) {
            if (!options.quiet) say(`${what} ${p.dim(`in ${formatDuration(e.elapsedMs)}`)}`);
          } else if (part.error?.problems) {
            renderError(new StackFileError(part.error.problems), { debug: false, stream: options.err });
            say(p.yellow('the stack file is invalid: nothing was changed, watch goes on with the last valid one'));
          } else {
            failure(what, part.error);
          }
        }
        break;
      case 'watch-catch-up':
        if (!options.quiet) {
          const parts = [e.written > 0 ? `sent ${e.written} path${e.written === 1 ? '' : 's'}` : '', e.deleted > 0 ? `deleted ${e.deleted}` : ''].filter(Boolean);
          say(`${e.containerName}: caught up (${e.reason}): ${parts.join(', ')} ${p.dim(`in ${formatDuration(e.elapsedMs)}`)}`);
        }
        break;
      case 'watch-exec-output':
        options.printer.line({ source: { containerId: '', containerName: e.containerName, service: e.service, number: e.number, oneoff: false }, stream: e.stream, text: e.text, timestamp: '' });
        break;
      case 'watch-notice':
        if (!options.quiet) say(p.yellow(e.message));
        break;
      case 'watch-error':
        failure(e.service ?? 'watch', e.error);
        break;
      case 'watch-stopped':
        if (!options.quiet || e.pending > 0) say(e.pending > 0 ? p.yellow(`stopped; ${e.pending} changed path${e.pending === 1 ? ' was' : 's were'} not applied`) : 'stopped');
        break;
    }
  };
}
