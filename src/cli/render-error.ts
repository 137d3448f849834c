// How an error looks to a person: one clear message, the problems with their places, what to
// do next; the stack trace only with --debug.

import { formatProblem, StackFileError, type StackError } from '../errors.js';
import { paint } from './style.js';

export interface RenderErrorOptions {
  readonly debug: boolean;
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
}

export function renderError(err: StackError, { debug, stream }: RenderErrorOptions): void {
  const p = paint(stream);
  const lines: string[] = [];
  if (err instanceof StackFileError && err.problems.length > 0) {
    const n = err.problems.length;
    lines.push(p.red(`error: invalid stack file (${n} problem${n === 1 ? '' : 's'})`));
    for (const problem of err.problems) {
      lines.push(`  ${formatProblem(problem)}`);
      if (problem.hint) lines.push(p.dim(`    ${problem.hint}`));
    }
  } else {
    lines.push(p.red(`error: ${err.message}`));
    if (err.hint) lines.push(p.dim(`hint: ${err.hint}`));
  }
  if (debug) {
    lines.push(p.dim(err.stack ?? ''));
    let cause = (err as { cause?: unknown }).cause;
    while (cause) {
      lines.push(p.dim(`caused by: ${(cause as Error).stack ?? String(cause)}`));
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  stream.write(lines.join('\n') + '\n');
}
