// Runs one façade call under a progress renderer and the interrupt policy of mutating
// commands: the first SIGINT/SIGTERM stops new engine operations from starting (those in
// flight finish, the lock is released, the command ends with exit 130 and the next run
// finishes the plan); a second one ends the process at once with that signal's default
// behaviour (a lock left behind is recognised as stale by its dead pid).

import type { RunHooks, StackEvent } from '../../stack/index.js';
import type { ProgressMode } from '../context.js';
import { createRenderer, type RendererStreams } from './index.js';
import { noteSignal } from '../termination.js';

export interface ProgressRunOptions {
  readonly mode: ProgressMode;
  readonly streams?: RendererStreams;
  /** Also called for every event, after the renderer (tests, summaries). */
  readonly onEvent?: (event: StackEvent) => void;
}

export async function withProgress<T>(options: ProgressRunOptions, body: (hooks: RunHooks) => Promise<T>): Promise<T> {
  const renderer = await createRenderer(options.mode, options.streams);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    noteSignal(signal);
    interrupts++;
    if (interrupts === 1) {
      controller.abort();
      return;
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body({
      signal: controller.signal,
      onEvent: (event) => {
        renderer.onEvent(event);
        options.onEvent?.(event);
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await renderer.close();
  }
}
