// Every failure the user can see is a StackError. It carries who is at fault, the exit code
// the entry point maps it to, where in the stack file it points (when it does), and what to
// do next. The CLI prints `message` (+ `hint`, + locations); the stack trace only with --debug.

export type Fault = 'user' | 'engine' | 'internal';

/** The exit codes, decided once here and documented in the README. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  planHasChanges: 2,
  usage: 64,
  invalidStackFile: 65,
  engineUnreachable: 69,
  internal: 70,
  interrupted: 130,
  /** Ended by SIGTERM (128 + 15), as a shell reports a process a SIGTERM ended. */
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A place in a stack file. Lines and columns are 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One problem found in a stack file: what is wrong, where, and the dotted path. */
export interface StackFileProblem {
  readonly message: string;
  /** Dotted path in the merged document, e.g. `services.web.ports[0]`; empty for the root. */
  readonly path?: string;
  readonly location?: SourceLocation;
  readonly hint?: string;
}

export interface StackErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class StackError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly fault: Fault;
  readonly hint?: string;
  constructor(message: string, exitCode: ExitCodeValue, fault: Fault, options: StackErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.fault = fault;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** Wrong flags or arguments on the command line. */
export class UsageError extends StackError {
  constructor(message: string, options: StackErrorOptions = {}) {
    super(message, ExitCode.usage, 'user', options);
  }
}

/** The stack file (or an env file, or an included file) is invalid. Carries every problem found. */
export class StackFileError extends StackError {
  readonly problems: readonly StackFileProblem[];
  constructor(problems: readonly StackFileProblem[], options: StackErrorOptions = {}) {
    const first = problems[0];
    super(first ? formatProblem(first) : 'invalid stack file', ExitCode.invalidStackFile, 'user', {
      ...options,
      hint: options.hint ?? first?.hint,
    });
    this.problems = problems;
  }
}

/** Render a problem as `file:line:col: services.web.ports[0]: message`. */
export function formatProblem(p: StackFileProblem): string {
  const where = p.location ? `${p.location.file}:${p.location.line}:${p.location.col}: ` : '';
  const path = p.path ? `${p.path}: ` : '';
  return `${where}${path}${p.message}`;
}

/** No engine answered at the endpoint we resolved. */
export class EngineUnreachableError extends StackError {
  readonly endpoint: string;
  constructor(endpoint: string, detail: string, options: StackErrorOptions = {}) {
    super(`cannot reach the Docker engine at ${endpoint}: ${detail}`, ExitCode.engineUnreachable, 'engine', {
      hint:
        options.hint ??
        'start the engine (scripts/engine-up does it on Debian), or point DOCKER_HOST / --host / --context at one that runs',
      cause: options.cause,
    });
    this.endpoint = endpoint;
  }
}

/** What kind of object an engine call was about, for messages. */
export type ResourceKind = 'container' | 'network' | 'volume' | 'image' | 'exec' | 'engine' | 'service' | 'config' | 'secret';

export interface EngineApiErrorOptions extends StackErrorOptions {
  /** The same call may succeed when tried again (a registry's 5xx, a connection reset). */
  transient?: boolean;
}

/** An engine call failed. Subclasses are chosen by HTTP status code in the gateway, never by message text. */
export class EngineApiError extends StackError {
  readonly operation: string;
  readonly resource?: { kind: ResourceKind; name: string };
  readonly statusCode?: number;
  /**
   * True when trying again may help (a registry answering 5xx, a connection reset, a stream
   * cut short); never for a missing image, refused credentials or a failing build step.
   * Retrying is the caller's decision; the gateway only tells the two apart.
   */
  readonly transient: boolean;
  constructor(
    operation: string,
    detail: string,
    resource?: { kind: ResourceKind; name: string },
    statusCode?: number,
    options: EngineApiErrorOptions = {},
  ) {
    const what = resource ? ` ${resource.kind} ${resource.name}` : '';
    super(`${operation}${what} failed: ${detail}`, ExitCode.failed, 'engine', options);
    this.operation = operation;
    if (resource) this.resource = resource;
    if (statusCode !== undefined) this.statusCode = statusCode;
    this.transient = options.transient ?? false;
  }
}
export class NotFoundError extends EngineApiError {}
export class ConflictError extends EngineApiError {}

/**
 * A registry refused the credentials, or access (`unauthorized`, `denied`, `no basic auth
 * credentials`): "wrong password", as opposed to a NotFoundError, "no such image".
 */
export class RegistryAuthError extends EngineApiError {}

/** Where a classic-builder build failed, and what it printed last. */
export interface BuildFailure {
  /** The engine's message, e.g. `The command '/bin/sh -c make' returned a non-zero code: 2`. */
  readonly detail: string;
  /** The failing step as the builder announced it, e.g. `Step 3/5 : RUN make`. */
  readonly step?: string;
  /** The exit code of the step's command, when a RUN failed. */
  readonly commandExitCode?: number;
  /** The last lines the build printed (the step's output), oldest first. */
  readonly output: readonly string[];
}

/**
 * An image build failed: a step of the Dockerfile, or the build itself (a base image that
 * cannot be had, a bad Dockerfile). The message names the step and shows the last output.
 */
export class BuildError extends EngineApiError {
  /** The engine's own words (BuildFailure.detail), without the step and output the message adds. */
  readonly detail: string;
  readonly step?: string;
  readonly commandExitCode?: number;
  readonly output: readonly string[];
  constructor(image: string, failure: BuildFailure, statusCode?: number, options: EngineApiErrorOptions = {}) {
    super('build', failure.detail, { kind: 'image', name: image }, statusCode, options);
    this.detail = failure.detail;
    if (failure.step !== undefined) this.step = failure.step;
    if (failure.commandExitCode !== undefined) this.commandExitCode = failure.commandExitCode;
    this.output = failure.output;
    const at = failure.step ? ` at ${failure.step}` : '';
    const tail = failure.output.length > 0 ? `\nlast output:\n${failure.output.map((l) => `  ${l}`).join('\n')}` : '';
    this.message = `build image ${image} failed${at}: ${failure.detail}${tail}`;
  }
}

/** An operation failed for a reason that is not an engine error (unhealthy dependency, timeout, a refused destructive change...). */
export class OperationError extends StackError {
  constructor(message: string, options: StackErrorOptions = {}) {
    super(message, ExitCode.failed, 'user', options);
  }
}

/** The user interrupted the run (SIGINT / SIGTERM). */
export class InterruptedError extends StackError {
  constructor(message = 'interrupted', options: StackErrorOptions = {}) {
    super(message, ExitCode.interrupted, 'user', options);
  }
}

/** A bug in stack itself. */
export class InternalError extends StackError {
  constructor(message: string, options: StackErrorOptions = {}) {
    super(message, ExitCode.internal, 'internal', options);
  }
}

export function isStackError(e: unknown): e is StackError {
  return e instanceof StackError;
}

/** Thrown by a command to end with a given exit code and no error message (plan --detailed-exitcode). */
export class ExitRequest extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
