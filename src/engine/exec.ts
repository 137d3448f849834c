// Connecting a container process (exec, or an attached `run` container) to local streams:
// input → the process's stdin, its output → our stdout/stderr (demultiplexed unless it has a
// TTY), and the exit code back. The streams are the caller's: this module never picks
// process.stdout itself.

import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineGateway, ExecOptions, ProcessStream } from './gateway.js';
import { readProcessOutput } from './demux.js';
import { OperationError } from '../errors.js';
import { followTerminalSize, type TerminalSizeSource } from './terminal-size.js';
import { DetachKeyWatcher } from './detach-keys.js';

export interface ProcessIo {
  /** Forwarded to the process until it ends (then the process sees EOF). Omit for no input. */
  readonly stdin?: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** With a TTY: the local terminal whose size the process's terminal follows. */
  readonly terminal?: TerminalSizeSource;
  /** With a TTY: the byte sequence (detach-keys.ts) that leaves the process running and ends the pump. */
  readonly detachKeys?: Buffer;
}

/** How a pump ended: the process's output ended, or the user typed the detach keys. */
export type PumpEnd = 'ended' | 'detached';

/**
 * Pumps a process stream until its output ends. Input is forwarded as it arrives; when the
 * input ends, the write side is half-closed so the process reads EOF (as `docker exec -i`).
 */
export async function pumpProcessStream(processStream: ProcessStream, io: ProcessIo): Promise<PumpEnd> {
  const { stream, tty } = processStream;
  let detached = false;
  let detachInput = (): void => {};
  if (io.stdin) {
    const input = io.stdin;
    const watcher = tty && io.detachKeys ? new DetachKeyWatcher(io.detachKeys) : undefined;
    const onData = (chunk: Buffer | string): void => {
      if (!watcher) return void stream.write(chunk);
      const { forward, detach } = watcher.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (forward.length > 0) stream.write(forward);
      if (detach) {
        // Leave the process running: drop our end of the connection, which ends the read below.
        detached = true;
        (stream as unknown as { destroy(): void }).destroy();
      }
    };
    const onEnd = (): void => {
      // Half-close: the engine closes the process's stdin and keeps sending its output.
      stream.end();
    };
    input.on('data', onData);
    input.once('end', onEnd);
    detachInput = () => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
    };
  }
  try {
    for await (const piece of readProcessOutput(stream as unknown as Readable, tty)) {
      const target = piece.stream === 'stderr' ? io.stderr : io.stdout;
      if (!target.write(piece.data)) await new Promise((r) => target.once('drain', r));
    }
  } catch (e) {
    // Destroying the connection on detach ends the read with a premature close: not a failure.
    if (!detached) throw e;
  } finally {
    detachInput();
  }
  return detached ? 'detached' : 'ended';
}

/** The exit code of a finished exec; the engine may need a moment to record it after the output ends. */
export async function waitExecExitCode(gateway: EngineGateway, execId: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 10;
  for (;;) {
    const code = await gateway.execExitCode(execId);
    if (code !== undefined) return code;
    if (Date.now() > deadline) throw new OperationError(`the engine did not report the exit code of exec ${execId}`);
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 200);
  }
}

/** Runs a command in a running container with the given streams; resolves with its exit code (0 once detached, as `docker exec`). */
export async function execInContainer(gateway: EngineGateway, containerId: string, options: ExecOptions, io: ProcessIo): Promise<number> {
  const size = options.tty && io.terminal?.rows && io.terminal.columns ? ([io.terminal.rows, io.terminal.columns] as const) : undefined;
  const { execId, stream } = await gateway.exec(containerId, size ? { ...options, consoleSize: size } : options);
  const resizeExec = gateway.resizeExecTty?.bind(gateway);
  const stopResizing = options.tty && io.terminal && resizeExec ? followTerminalSize(io.terminal, (rows, cols) => resizeExec(execId, rows, cols)) : () => {};
  let end: PumpEnd;
  try {
    end = await pumpProcessStream(stream, options.attachStdin ? io : { stdout: io.stdout, stderr: io.stderr });
  } finally {
    stopResizing();
  }
  return end === 'detached' ? 0 : waitExecExitCode(gateway, execId);
}
