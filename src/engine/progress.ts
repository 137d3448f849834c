// Progress events: what the executor tells the outside world while it applies a plan.
// The core never prints (ARCHITECTURE rule 5): renderers in `src/cli/` turn these into listr2
// tasks, plain lines or JSON. Every event is a plain, JSON-serialisable value (no Error
// instances, no class objects), so `--progress json` can print it as it is.
//
// Secrets: events carry operation ids, names, durations and error messages only. Operation
// ids and causes are built by the planner, which redacts values before they reach a plan.

import type { OperationKind } from '../planner/types.js';
import type { DependencyCondition } from '../model/types.js';

/** Where an operation ended up. */
export type OperationStatus = 'done' | 'failed' | 'skipped';

/** The parts of an operation every event repeats, so a renderer needs no lookup. */
export interface OperationRef {
  /** The operation's id in the plan, e.g. `create container demo-web-1`. */
  readonly opId: string;
  readonly kind: OperationKind;
  readonly service?: string;
  /** Named group of a composite change, e.g. `recreate demo-web-1`. */
  readonly group?: string;
  /** The container, network or volume the operation is about (by name). */
  readonly target: string;
}

/** A failure, flattened for rendering. The typed StackError is in the ExecutionResult. */
export interface ErrorSummary {
  /** The StackError subclass name, e.g. `ConflictError`, `OperationError`. */
  readonly name: string;
  readonly message: string;
  readonly hint?: string;
  readonly exitCode: number;
}

/** `at` is milliseconds from the executor's clock (`now()`, default `Date.now`). */
interface EventBase {
  readonly at: number;
}

export interface RunStartedEvent extends EventBase {
  readonly type: 'run-started';
  readonly projectName: string;
  /** Number of operations in the plan. */
  readonly total: number;
  /** The concurrency limit in force for engine calls (waits do not count against it); -1 = no limit. */
  readonly parallel: number;
}

export interface OperationStartedEvent extends EventBase, OperationRef {
  readonly type: 'op-started';
}

export interface OperationDoneEvent extends EventBase, OperationRef {
  readonly type: 'op-done';
  readonly durationMs: number;
  /** For `container.create`: the id the engine gave the new container. */
  readonly containerId?: string;
  /** For `image.build`: the id of the image built. */
  readonly imageId?: string;
  /** For `image.build`: bytes of build context sent to the engine. */
  readonly contextBytes?: number;
}

export interface OperationFailedEvent extends EventBase, OperationRef {
  readonly type: 'op-failed';
  readonly durationMs: number;
  readonly error: ErrorSummary;
}

export interface OperationSkippedEvent extends EventBase, OperationRef {
  readonly type: 'op-skipped';
  /** Why it never ran: a prerequisite failed or was skipped, or the run was interrupted. */
  readonly reason: 'dependency-failed' | 'interrupted';
  /** The prerequisite that failed or was skipped, for `dependency-failed`. */
  readonly blockedBy?: string;
}

/** Emitted about once a second while a dependency wait is in progress. */
export interface WaitProgressEvent extends EventBase, OperationRef {
  readonly type: 'wait-progress';
  /** The container waited for, by name. */
  readonly container: string;
  readonly condition: DependencyCondition;
  readonly elapsedMs: number;
  /** What the engine last said: `starting`, `running`, `created`... */
  readonly state?: string;
  /** Ready to print: `waiting for db-1 to be healthy (12 s)`. */
  readonly message: string;
}

/** How a build, pull or push goes: a build's steps, a pull's or push's layers (aggregated per image). */
export interface ImageProgressEvent extends EventBase, OperationRef {
  readonly type: 'image-progress';
  /** Ready to print: `step 3/5: RUN make`, `pulling: 3 of 5 layers, 12.1 MB of 40.2 MB`. */
  readonly message: string;
  readonly step?: number;
  readonly totalSteps?: number;
  /** Bytes of all layers so far, and in all. */
  readonly current?: number;
  readonly total?: number;
}

/** Something the user should know that does not fail the run (e.g. a `required: false` wait). */
export interface WarningEvent extends EventBase {
  readonly type: 'warning';
  readonly message: string;
  readonly opId?: string;
  readonly service?: string;
}

export interface RunFinishedEvent extends EventBase {
  readonly type: 'run-finished';
  readonly ok: boolean;
  readonly durationMs: number;
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  /** True when an abort signal stopped the run from starting new operations. */
  readonly interrupted: boolean;
}

export type ProgressEvent =
  | RunStartedEvent
  | OperationStartedEvent
  | OperationDoneEvent
  | OperationFailedEvent
  | OperationSkippedEvent
  | WaitProgressEvent
  | ImageProgressEvent
  | WarningEvent
  | RunFinishedEvent;

export type ProgressListener = (event: ProgressEvent) => void;
