// What the façade tells its caller while it works: the executor's progress events plus its
// own (a lock wait, model warnings, the plan), and the hooks a caller passes in (a listener
// and an abort signal). Every event is a plain, JSON-serialisable value, and every event that
// leaves the façade has passed through the redactor (redaction.ts).

import type { ProgressEvent } from '../engine/progress.js';
import type { Operation, Plan } from '../planner/types.js';
import { operationTarget } from '../planner/ids.js';
import { InterruptedError, isStackError } from '../errors.js';
import { isNothingLeftAlone, type LeftAlone } from '../api/ownership.js';

/** One operation of a plan as renderers need it: no request bodies (they hold env values). */
export interface PlanStepSummary {
  readonly id: string;
  readonly kind: Operation['kind'];
  readonly service?: string;
  readonly group?: string;
  /** The container, network, volume or image the operation is about. */
  readonly target: string;
  /** The cause, already redacted by the planner. */
  readonly cause: string;
}

/** What the façade reports besides the executor's own progress events. */
export type StackEvent =
  | ProgressEvent
  /** Another run holds the project lock; `holder` says who (command, pid, since when). */
  | { readonly type: 'lock-wait'; readonly at: number; readonly holder: string }
  | { readonly type: 'model-warning'; readonly at: number; readonly message: string; readonly path?: string }
  /**
   * Objects carrying the project's labels that stack did not create for it, which the command
   * left alone (ownership: api/ownership.ts). Names only, sorted, by kind.
   */
  | ({ readonly type: 'left-alone'; readonly at: number; readonly projectName: string } & LeftAlone)
  /** `up --wait --target swarm`: where one service's rollout stands (sent when it changes). */
  | {
      readonly type: 'service-progress';
      readonly at: number;
      readonly service: string;
      readonly running: number;
      readonly desired: number;
      readonly updateState?: string;
      readonly converged: boolean;
      readonly taskErrors: readonly string[];
    }
  | {
      readonly type: 'plan';
      readonly at: number;
      readonly projectName: string;
      readonly steps: readonly PlanStepSummary[];
      readonly warnings: readonly string[];
    };

export interface RunHooks {
  readonly onEvent?: (event: StackEvent) => void;
  /** Aborting stops new operations from starting; the run then ends with InterruptedError. */
  readonly signal?: AbortSignal;
}

/** The plan as renderers see it: ids, kinds, targets and causes, never request bodies. */
export function planSteps(planned: Plan): PlanStepSummary[] {
  return planned.operations.map((op) => ({
    id: op.id,
    kind: op.kind,
    ...(op.service !== undefined ? { service: op.service } : {}),
    ...(op.group !== undefined ? { group: op.group } : {}),
    target: operationTarget(op),
    cause: op.cause.text,
  }));
}

/** Runs a step that honours the abort signal; an abort becomes our InterruptedError (exit 130). */
export async function interruptible<T>(hooks: RunHooks, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (hooks.signal?.aborted && !isStackError(e)) throw new InterruptedError('interrupted before anything was changed');
    throw e;
  }
}

/** Tells the caller what a command left alone, when it left anything. */
export function sayLeftAlone(hooks: RunHooks, projectName: string, left: LeftAlone): void {
  if (isNothingLeftAlone(left)) return;
  hooks.onEvent?.({ type: 'left-alone', at: Date.now(), projectName, ...left });
}
