// Plain progress: one line per finished operation, never rewritten, for pipes, log files and
// CI. `[+] create container demo-web-1 ... done 0.4s`. Waits report about every five seconds
// so a slow health check is visible without flooding a CI log; so do pulls and pushes (their
// layers aggregated), while a build says each step it starts (`[~] build image demo-web:
// step 2/4: RUN make`) and ends with what it made (`... built 0123456789ab in 3.2s, sent 1.2 MB`).

import type { StackEvent } from '../../stack/index.js';
import { paint, type Painter } from '../style.js';
import { leftAloneLine } from '../left-alone.js';
import { formatDuration, imageOutcome, type Renderer, type RendererStreams } from './renderer.js';

/** How often a wait that is still going is reported, per wait. */
const WAIT_REPORT_EVERY_MS = 5000;

export function plainRenderer(streams: RendererStreams): Renderer {
  const out = streams.stderr;
  const p: Painter = paint(out);
  const lastWaitReport = new Map<string, number>();
  const line = (text: string) => out.write(text + '\n');

  return {
    onEvent(event: StackEvent): void {
      switch (event.type) {
        case 'lock-wait':
          line(p.yellow(`[~] waiting for another run on this project to finish (${event.holder})`));
          break;
        case 'model-warning':
          line(p.yellow(`[!] warning: ${event.message}`));
          break;
        case 'plan':
          for (const w of event.warnings) line(p.yellow(`[!] warning: ${w}`));
          break;
        case 'op-done': {
          lastWaitReport.delete(event.opId);
          const made = imageOutcome(event);
          line(
            made !== undefined
              ? `${p.green('[+]')} ${event.opId} ... ${p.green(made)}`
              : `${p.green('[+]')} ${event.opId} ... ${p.green('done')} ${p.dim(formatDuration(event.durationMs))}`,
          );
          break;
        }
        case 'image-progress': {
          if (event.step === undefined) {
            const last = lastWaitReport.get(event.opId);
            const now = event.at;
            if (last !== undefined && now - last < WAIT_REPORT_EVERY_MS) break;
            lastWaitReport.set(event.opId, now);
          }
          line(`${p.cyan('[~]')} ${event.opId}: ${event.message}`);
          break;
        }
        case 'op-failed':
          lastWaitReport.delete(event.opId);
          line(`${p.red('[x]')} ${event.opId} ... ${p.red('failed')} ${p.dim(formatDuration(event.durationMs))}: ${event.error.message}`);
          break;
        case 'op-skipped':
          line(
            `${p.dim('[-]')} ${event.opId} ... ${p.dim(
              event.reason === 'interrupted' ? 'skipped (interrupted)' : `skipped (${event.blockedBy ?? 'a prerequisite'} did not complete)`,
            )}`,
          );
          break;
        case 'wait-progress': {
          const last = lastWaitReport.get(event.opId);
          if (last !== undefined && event.elapsedMs - last < WAIT_REPORT_EVERY_MS) break;
          lastWaitReport.set(event.opId, event.elapsedMs);
          line(`${p.cyan('[~]')} ${event.message}`);
          break;
        }
        case 'warning':
          line(p.yellow(`[!] warning: ${event.message}`));
          break;
        case 'left-alone':
          line(p.yellow(`[!] ${leftAloneLine(event)}`));
          break;
        case 'service-progress': {
          const state = event.updateState ? `, update ${event.updateState}` : '';
          const errors = event.taskErrors.length > 0 ? p.red(`; task error: ${event.taskErrors[0]}`) : '';
          line(`${event.converged ? p.green('[+]') : p.cyan('[~]')} ${event.service}: ${event.running}/${event.desired} tasks of the current spec running${state}${errors}`);
          break;
        }
        default:
          break;
      }
    },
    async close(): Promise<void> {
      lastWaitReport.clear();
    },
  };
}
