// What watch reports while it runs: plain, JSON-serialisable values (the CLI prints them as
// lines between the services' logs, or as JSON events with `--progress json`). Texts that
// could quote a value of the stack's variables pass the watch's redactor before they leave.

import type { StackFileProblem } from '../errors.js';
import { isStackError, StackFileError } from '../errors.js';
import type { StackEvent } from './events.js';
import type { Redact } from './redaction.js';

/** An error as an event carries it: the message, what to do, and for a stack file its problems. */
export interface ErrorSummary {
  readonly message: string;
  readonly hint?: string;
  /** The stack file's problems (file:line:col, dotted path), exactly as `stack config` reports them. */
  readonly problems?: readonly StackFileProblem[];
}

/** One service's part of a batch (or the stack files' part: no `service`, action `reload`). */
export interface WatchBatchPart {
  readonly service?: string;
  /** sync, restart, sync+restart, sync+exec, sync+restart+exec, rebuild, reload. */
  readonly action: string;
  /** Changed paths that counted for this part. */
  readonly files: number;
  /** Up to MAX_LISTED of them, relative to the project directory. */
  readonly paths: readonly string[];
  readonly ok: boolean;
  readonly error?: ErrorSummary;
}

export type WatchEvent =
  | {
      readonly type: 'watch-ready';
      readonly at: number;
      readonly projectName: string;
      readonly services: readonly string[];
      /** Directories and files handed to the file watcher. */
      readonly paths: number;
      readonly mode: 'native' | 'polling';
      /** Stack, env, config and secret files watched for a reload. */
      readonly stackFiles: number;
    }
  | {
      readonly type: 'watch-batch';
      readonly at: number;
      readonly seq: number;
      /** From the batch's first file event to the end of its work. */
      readonly elapsedMs: number;
      readonly parts: readonly WatchBatchPart[];
    }
  | {
      readonly type: 'watch-catch-up';
      readonly at: number;
      readonly service: string;
      readonly containerName: string;
      /** Why the container was looked at: watch started, it was created or started, the rules changed... */
      readonly reason: string;
      readonly written: number;
      readonly deleted: number;
      readonly elapsedMs: number;
    }
  | {
      readonly type: 'watch-exec-output';
      readonly at: number;
      readonly service: string;
      readonly containerName: string;
      readonly number: number;
      readonly stream: 'stdout' | 'stderr';
      readonly text: string;
    }
  /** Something the user should know that is not a failure (polling fallback, a recreate to delete files...). */
  | { readonly type: 'watch-notice'; readonly at: number; readonly message: string; readonly service?: string }
  /** A failure outside any batch (the file watcher, the engine's event stream, a catch-up). */
  | { readonly type: 'watch-error'; readonly at: number; readonly error: ErrorSummary; readonly service?: string }
  /** Watching ended; `pending` changed paths were never applied. */
  | { readonly type: 'watch-stopped'; readonly at: number; readonly pending: number };

export interface WatchHooks {
  readonly onEvent?: (event: WatchEvent | StackEvent) => void;
}

/** Paths listed in a batch part; the count says how many there were. */
export const MAX_LISTED = 5;

export function errorSummary(error: unknown, redact: Redact): ErrorSummary {
  if (error instanceof StackFileError) {
    return {
      message: redact(error.message),
      ...(error.hint !== undefined ? { hint: redact(error.hint) } : {}),
      problems: error.problems.map((p) => ({ ...p, message: redact(p.message), ...(p.hint !== undefined ? { hint: redact(p.hint) } : {}) })),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const hint = isStackError(error) ? error.hint : undefined;
  return { message: redact(message), ...(hint !== undefined ? { hint: redact(hint) } : {}) };
}
