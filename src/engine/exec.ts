// Connecting a container process (exec, or an attached `run` container) to local streams:
// input → the process's stdin, its output → our stdout/stderr (demultiplexed unless it has a
// TTY), and the exit code back. The streams are the caller's: this module never picks
// process.stdout itself.

import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineGateway, ExecOptions, ProcessStream } from './gateway.js';
import { readProcessOutput } from './demux.js';
import { OperationError } from '../errors.js';

export interface ProcessIo {
  /** Forwarded to the process until it ends (then the process sees EOF). Omit for no input. */
  readonly stdin?: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/**
 * Pumps a process stream until its output ends. Input is forwarded as it arrives; when the
 * input ends, the write side is half-closed so the process reads EOF (as `docker exec -i`).
 */
export async function pumpProcessStream(processStream: ProcessStream, io: ProcessIo): Promise<void> {
  const { stream, tty } = processStream;
  let detachInput = (): void => {};
  if (io.stdin) {
    const input = io.stdin;
    const onData = (chunk: Buffer | string): void => {
      stream.write(chunk);
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
  } finally {
    detachInput();
  }
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

/** Runs a command in a running container with the given streams; resolves with its exit code. */
export async function execInContainer(gateway: EngineGateway, containerId: string, options: ExecOptions, io: ProcessIo): Promise<number> {
  const { execId, stream } = await gateway.exec(containerId, options);
  await pumpProcessStream(stream, options.attachStdin ? io : { stdout: io.stdout, stderr: io.stderr });
  return waitExecExitCode(gateway, execId);
}
