// The bin entry. It builds the command line, runs it, and maps every outcome to an exit
// code: the only place that sets process.exitCode.

import { ExitCode, ExitRequest, InternalError, isStackError, type StackError } from './errors.js';
import { buildProgram } from './cli/program.js';
import { renderError } from './cli/render-error.js';
import { interruptedExitCode } from './cli/termination.js';
import { setBuildId } from './build-info.js';

/** Runs the command line; sets process.exitCode and also returns it (for in-process tests). */
export async function main(argv: readonly string[], context: { buildId?: string } = {}): Promise<number> {
  setBuildId(context.buildId);
  const debug = argv.includes('--debug') || process.env.STACK_DEBUG === '1';
  ignoreClosedPipes();
  try {
    const program = buildProgram();
    await program.parseAsync(argv as string[]);
    // A command that wants a non-zero code without an error (plan --detailed-exitcode)
    // throws an ExitRequest instead of touching process.exitCode itself.
    process.exitCode = ExitCode.ok;
  } catch (e) {
    const code = e instanceof ExitRequest ? e.code : exitCodeFor(e, debug);
    // An interrupted run says which signal interrupted it: 130 for SIGINT, 143 for SIGTERM.
    process.exitCode = code === ExitCode.interrupted ? interruptedExitCode() : code;
  }
  return process.exitCode as number;
}


function exitCodeFor(e: unknown, debug: boolean): number {
  const commanderCode = (e as { code?: unknown } | null)?.code;
  if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
    // commander already printed its message (or the help / version).
    if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help') {
      return ExitCode.ok;
    }
    if (commanderCode === 'commander.executeSubCommandAsync') return ExitCode.failed;
    return ExitCode.usage;
  }
  const err: StackError = isStackError(e)
    ? e
    : new InternalError(`unexpected error: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  renderError(err, { debug, stream: process.stderr });
  return err.exitCode;
}

/**
 * `stack ps | head` closes our stdout early. Node then emits EPIPE as an unhandled 'error'
 * and dies with a stack trace. Output nobody reads is simply dropped; the command itself
 * carries on, so a mutating run is never cut short by its reader going away.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
}
