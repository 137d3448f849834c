// Reads the classic builder's progress stream (`POST /build`, API version 1), one parsed JSON
// message at a time, into progress events and an outcome. Pure: no I/O, no clock.
//
// What the stream looks like, measured on Docker 20.10 (API 1.41):
//   {"stream":"Step 3/6 : RUN make"}  {"stream":"\n"}     the step line, its newline apart
//   {"stream":" ---> Running in 26211582033e\n"}            the builder's own lines
//   {"stream":"partial\nno-newline"}                        the command's output, in chunks that
//                                                            need not end at a line's end
//   {"stream":"\u001b[91mline-two\n\u001b[0m"}              stderr output, wrapped in red
//   {"aux":{"ID":"sha256:..."}}                             an image id: after EVERY stage of a
//                                                            multi-stage build, so the last one wins
//   {"errorDetail":{"code":3,"message":"The command ... returned a non-zero code: 3"},"error":"..."}
//                                                            a failure, inside the 200 response
//   {"status":"Downloading","id":"...","progressDetail":{"current":1,"total":2}}
//                                                            base image pulls, remote contexts
// A step's stdout and stderr arrive as separate messages, each write of stderr wrapped whole
// in `\u001b[91m` ... `\u001b[0m`, and interleave freely: each keeps its own partial line,
// or `printf x` on stdout followed by `echo y >&2` would read as one line `xy`. After a
// failure the builder still prints `Removing intermediate container ...`, and an output chunk
// without a final newline is directly followed by such a line: a message that starts with one
// of the builder's own prefixes closes the pending output lines first.

import type { BuildProgressEvent } from '../api/engine-types.js';
import type { BuildFailure } from '../errors.js';

/** How many output lines a failure keeps. */
export const BUILD_FAILURE_LINES = 12;

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
const BUILDER_LINE = /^(?:Step \d+\/\d+ : | ---> |Removing intermediate container |Successfully built |Successfully tagged )/;
// Select Graphic Rendition only (colours): the builder wraps stderr output in red.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;
const STDERR_START = '\u001b[91m';
const STDERR_END = '\u001b[0m';

export type BuildOutcome = { readonly ok: true; readonly imageId: string } | { readonly ok: false; readonly failure: BuildFailure };

interface RawBuildMessage {
  stream?: unknown;
  status?: unknown;
  id?: unknown;
  progressDetail?: { current?: unknown; total?: unknown } | null;
  aux?: { ID?: unknown } | null;
  error?: unknown;
  errorDetail?: { message?: unknown; code?: unknown } | null;
}

export class BuildStreamReader {
  /** The partial last line of each output stream. */
  private readonly pending = { stdout: '', stderr: '' };
  private step?: string;
  private readonly lastOutput: string[] = [];
  private imageId?: string;
  private failure?: BuildFailure;

  constructor(private readonly onProgress?: (event: BuildProgressEvent) => void) {}

  /** One message of the stream, as parsed from its JSON line. */
  accept(message: unknown): void {
    if (message === null || typeof message !== 'object') return;
    const m = message as RawBuildMessage;
    if (typeof m.stream === 'string') this.text(m.stream);
    if (typeof m.status === 'string') this.status(m);
    if (m.aux && typeof m.aux.ID === 'string') this.imageId = m.aux.ID;
    if (m.error !== undefined || m.errorDetail) this.fail(m);
  }

  /** The outcome once the stream has ended. A stream that ends with neither an image id nor an error is a failure too. */
  finish(): BuildOutcome {
    this.flush();
    if (this.failure) return { ok: false, failure: this.failure };
    if (this.imageId) return { ok: true, imageId: this.imageId };
    return { ok: false, failure: { detail: 'the build ended without an image id', ...this.where(), output: [...this.lastOutput] } };
  }

  private text(chunk: string): void {
    if (BUILDER_LINE.test(chunk)) this.flush();
    const stderr = chunk.startsWith(STDERR_START) && chunk.endsWith(STDERR_END);
    const which = stderr ? 'stderr' : 'stdout';
    let pending = this.pending[which] + (stderr ? chunk.slice(STDERR_START.length, -STDERR_END.length) : chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const raw = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      this.line(raw);
    }
    this.pending[which] = pending;
  }

  /** The pending partial lines, if any, as lines of their own. */
  private flush(): void {
    for (const which of ['stdout', 'stderr'] as const) {
      const raw = this.pending[which];
      if (raw === '') continue;
      this.pending[which] = '';
      this.line(raw);
    }
  }

  private line(raw: string): void {
    // A `\r` redraws the line (progress bars): what is after the last one is what shows.
    const line = raw.slice(raw.lastIndexOf('\r', raw.length - 2) + 1).replace(/\r$/, '').replace(SGR, '');
    const step = STEP.exec(line);
    if (step) {
      this.step = line;
      this.lastOutput.length = 0;
      this.onProgress?.({ type: 'step', step: Number(step[1]), totalSteps: Number(step[2]), instruction: step[3]! });
      return;
    }
    if (BUILDER_LINE.test(line)) {
      this.onProgress?.({ type: 'builder', line });
      return;
    }
    if (line.trim() === '') return;
    this.lastOutput.push(line);
    if (this.lastOutput.length > BUILD_FAILURE_LINES) this.lastOutput.shift();
    this.onProgress?.({ type: 'output', line });
  }

  private status(m: RawBuildMessage): void {
    const current = typeof m.progressDetail?.current === 'number' ? m.progressDetail.current : undefined;
    const total = typeof m.progressDetail?.total === 'number' ? m.progressDetail.total : undefined;
    this.onProgress?.({
      type: 'status',
      status: m.status as string,
      ...(typeof m.id === 'string' ? { id: m.id } : {}),
      ...(current !== undefined ? { current } : {}),
      ...(total !== undefined ? { total } : {}),
    });
  }

  private fail(m: RawBuildMessage): void {
    this.flush();
    const message = typeof m.errorDetail?.message === 'string' ? m.errorDetail.message : typeof m.error === 'string' ? m.error : 'the build failed';
    const code = typeof m.errorDetail?.code === 'number' ? m.errorDetail.code : undefined;
    // The first error is the cause; a second one would only repeat it.
    this.failure ??= { detail: message.trim(), ...this.where(), ...(code !== undefined ? { commandExitCode: code } : {}), output: [...this.lastOutput] };
  }

  private where(): { step?: string } {
    return this.step ? { step: this.step } : {};
  }
}
