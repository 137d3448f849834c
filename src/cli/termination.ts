// Which signal ended a run. SIGINT (Ctrl-C) and SIGTERM (a supervisor, `kill`, `docker stop`
// of a CI job) take the same graceful path through the commands, but end with different exit
// codes, as a shell reports them: 130 (128 + SIGINT) and 143 (128 + SIGTERM). Supervisors
// tell "I asked it to stop" from "it was interrupted by hand" by that code.

import { ExitCode } from '../errors.js';

let first: NodeJS.Signals | undefined;

/** Called by every signal handler of the CLI; the first signal decides the exit code. */
export function noteSignal(signal: NodeJS.Signals): void {
  first ??= signal;
}

/** The exit code of a run that ended because it was interrupted: 143 after SIGTERM, else 130. */
export function interruptedExitCode(): number {
  return first === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
}
