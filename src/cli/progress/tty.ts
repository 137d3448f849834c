// The live view in an interactive terminal: one listr2 task per service (and one for the
// project's networks and volumes), all running side by side. A task's line shows what is
// happening to that service right now (the operation in flight, or "waiting for demo-db-1 to
// be healthy (4 s)"), and its title ends with what was done once all its operations are over.
//
// listr2 drives its tasks itself, so each task is a promise we settle from the executor's
// events: the renderer never decides anything, it only mirrors the plan and the events.

import { Listr, type ListrTaskWrapper } from 'listr2';
import type { PlanStepSummary, StackEvent } from '../../stack/index.js';
import { formatDuration, imageOutcome, type Renderer, type RendererStreams } from './renderer.js';
import { leftAloneLine } from '../left-alone.js';

const PROJECT_TASK = '(project)';

interface TaskState {
  readonly title: string;
  readonly opIds: Set<string>;
  readonly finished: Set<string>;
  readonly verbs: string[];
  failures: string[];
  firstStartAt?: number;
  lastEndAt?: number;
  wrapper?: ListrTaskWrapper<unknown, never, never>;
  pendingOutput?: string;
  settle?: () => void;
  fail?: (error: Error) => void;
  settled: boolean;
  /** Ended from outside (run over, or planned again): the task fails as soon as it runs. */
  abandoned?: string;
}

const VERBS: Readonly<Record<string, string>> = {
  'container.create': 'created',
  'container.start': 'started',
  'container.stop': 'stopped',
  'container.restart': 'restarted',
  'container.remove': 'removed',
  'container.wait': 'ready',
  'network.create': 'network created',
  'network.remove': 'network removed',
  'network.connect': 'connected',
  'network.disconnect': 'disconnected',
  'volume.create': 'volume created',
  'volume.remove': 'volume removed',
  'image.pull': 'image pulled',
  'image.build': 'image built',
  'image.tag': 'image tagged',
  'image.push': 'image pushed',
  'image.remove': 'image removed',
  'service.create': 'service created',
  'service.update': 'service updated',
  'service.remove': 'service removed',
  'config.create': 'config created',
  'config.remove': 'config removed',
  'secret.create': 'secret created',
  'secret.remove': 'secret removed',
};

export function ttyRenderer(streams: RendererStreams): Renderer {
  const tasks = new Map<string, TaskState>();
  const taskOfOp = new Map<string, TaskState>();
  let listr: Listr<unknown> | undefined;
  let running: Promise<unknown> | undefined;
  const warnings: string[] = [];
  const notes: string[] = []; // what was left alone: said once listr is done, like warnings

  const setOutput = (state: TaskState, text: string) => {
    if (state.wrapper) state.wrapper.output = text;
    else state.pendingOutput = text;
  };

  const abandon = (state: TaskState, why: string) => {
    if (state.finished.size >= state.opIds.size && state.settled) return;
    state.abandoned = why;
    if (state.fail) {
      state.settled = true;
      state.fail(new Error(`${state.title}: ${why}`));
    }
  };

  const maybeSettle = (state: TaskState) => {
    if (state.settled || state.finished.size < state.opIds.size) return;
    state.settled = true;
    const took = state.firstStartAt !== undefined && state.lastEndAt !== undefined ? ` ${formatDuration(state.lastEndAt - state.firstStartAt)}` : '';
    const verbs = [...new Set(state.verbs)].join(', ');
    if (state.failures.length > 0) {
      state.fail?.(new Error(`${state.title}: ${state.failures.join('; ')}`));
    } else {
      if (state.wrapper) state.wrapper.title = `${state.title}  ${verbs || 'up to date'}${took}`;
      state.settle?.();
    }
  };

  const start = (steps: readonly PlanStepSummary[]) => {
    // A second plan in one run (the façade observed again after the engine changed under the
    // first): end the first view, then draw the new one below it.
    for (const state of tasks.values()) abandon(state, 'planned again');
    tasks.clear();
    taskOfOp.clear();
    for (const step of steps) {
      const key = step.service ?? PROJECT_TASK;
      let state = tasks.get(key);
      if (!state) {
        state = { title: key === PROJECT_TASK ? 'networks and volumes' : key, opIds: new Set(), finished: new Set(), verbs: [], failures: [], settled: false };
        tasks.set(key, state);
      }
      state.opIds.add(step.id);
      taskOfOp.set(step.id, state);
    }
    if (tasks.size === 0) return;
    const ordered = [...tasks.entries()].sort(([a], [b]) => (a === PROJECT_TASK ? -1 : b === PROJECT_TASK ? 1 : a.localeCompare(b)));
    listr = new Listr(
      ordered.map(([, state]) => ({
        title: state.title,
        task: (_ctx: unknown, wrapper: ListrTaskWrapper<unknown, never, never>) =>
          new Promise<void>((resolve, reject) => {
            state.wrapper = wrapper;
            if (state.pendingOutput) wrapper.output = state.pendingOutput;
            state.settle = resolve;
            state.fail = reject;
            if (state.abandoned) {
              state.settled = true;
              reject(new Error(`${state.title}: ${state.abandoned}`));
              return;
            }
            // Events may have finished this task before listr asked for it.
            state.settled = false;
            maybeSettle(state);
          }),
      })),
      {
        concurrent: true,
        exitOnError: false,
        // Signals are the command's business (Ctrl-C stops the run, then we render the end).
        registerSignalListeners: false,
        // Truncating needs a known width; a pseudo-terminal may report none (0 columns).
        rendererOptions: { collapseErrors: false, formatOutput: (streams.stderr as { columns?: number }).columns ? 'truncate' : 'wrap' },
        // listr2 falls back to its simple renderer on its own when stdout is not a terminal.
        ...({ renderer: 'default', fallbackRenderer: 'simple' } as object),
      } as never,
    ) as Listr<unknown>;
    const previous = running;
    const current = listr;
    running = (async () => {
      await previous;
      await current.run().catch(() => undefined);
    })();
  };

  return {
    onEvent(event: StackEvent): void {
      switch (event.type) {
        case 'plan':
          warnings.push(...event.warnings);
          start(event.steps);
          break;
        case 'op-started': {
          const state = taskOfOp.get(event.opId);
          if (!state) break;
          state.firstStartAt ??= event.at;
          setOutput(state, `${event.opId} ...`);
          break;
        }
        case 'wait-progress':
        case 'image-progress': {
          const state = taskOfOp.get(event.opId);
          if (state) setOutput(state, event.type === 'image-progress' ? `${event.opId}: ${event.message}` : event.message);
          break;
        }
        case 'op-done':
        case 'op-failed':
        case 'op-skipped': {
          const state = taskOfOp.get(event.opId);
          if (!state) break;
          state.finished.add(event.opId);
          state.lastEndAt = event.at;
          if (event.type === 'op-done') state.verbs.push(imageOutcome(event) ?? VERBS[event.kind] ?? 'done');
          if (event.type === 'op-failed') state.failures.push(event.error.message);
          if (event.type === 'op-skipped' && event.reason === 'interrupted') state.failures.push('interrupted');
          if (event.type === 'op-skipped' && event.reason === 'dependency-failed') state.failures.push(`skipped: ${event.blockedBy ?? 'a prerequisite'} did not complete`);
          maybeSettle(state);
          break;
        }
        case 'warning':
        case 'model-warning':
          // listr owns the screen while it runs: warnings are printed once it is done.
          warnings.push(event.message);
          break;
        case 'lock-wait':
          warnings.push(`waited for another run on this project (${event.holder})`);
          break;
        case 'left-alone':
          notes.push(leftAloneLine(event));
          break;
        default:
          break;
      }
    },
    async close(): Promise<void> {
      // Anything still open (an interrupted run) ends as failed so the view stops spinning.
      for (const state of tasks.values()) abandon(state, 'not finished');
      await running;
      for (const line of [...notes, ...warnings.map((w) => `warning: ${w}`)]) streams.stderr.write(`${line}\n`);
      notes.length = 0;
      warnings.length = 0;
    },
  };
}
