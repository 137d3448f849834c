// Where a build's inputs are: the context directory, the Dockerfile, the ignore file that
// applies. Resolved once, the same way for the tar (context-tar.ts) and the hash
// (context-hash.ts), following the Docker CLI (cli/command/image/build/context.go):
//   - the context directory's symbolic links are resolved; it must be a directory;
//   - no Dockerfile named: `Dockerfile`, else `dockerfile` if only that one exists;
//   - the Dockerfile's symbolic links are resolved too; if it then lies outside the context it
//     is sent inside it under a generated name, as is a `dockerfile_inline` text.
// The generated name is `.dockerfile.<20 hex digits>` like the CLI's, but the digits come from
// the Dockerfile's content instead of a random number: the CLI also appends that name to the
// context's .dockerignore (so that the engine leaves the file out of `COPY . .`), and with a
// random name that .dockerignore, when it is itself copied into the image, differed at every
// build and defeated the build cache.

import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { OperationError } from '../errors.js';
import { compileIgnore, findIgnoreFile, parseIgnoreFile, type DockerIgnoreMatcher } from './ignore.js';
import { contextReadError } from './context-files.js';

export interface BuildContextInput {
  /** The context directory: absolute, or relative to the current directory. */
  readonly contextDir: string;
  /** The Dockerfile: relative to the context, or absolute. Default `Dockerfile`. */
  readonly dockerfile?: string;
  /** The Dockerfile's text instead of a file (Compose's `dockerfile_inline`). */
  readonly dockerfileInline?: string;
}

export type DockerfileSource =
  /** Inside the context: it travels as one of its files. */
  | { readonly kind: 'context'; readonly relPath: string; readonly absPath: string }
  /** Outside the context, or inline: added to the tar under `name`. */
  | { readonly kind: 'generated'; readonly name: string; readonly content: Buffer; readonly origin: string };

export interface ResolvedContext {
  /** Absolute, symbolic links resolved. */
  readonly contextDir: string;
  readonly dockerfile: DockerfileSource;
  /** What to pass as the build's `dockerfile` parameter. */
  readonly dockerfileName: string;
  /** The ignore file that applies (absolute), if any. */
  readonly ignoreFile?: string;
  readonly matcher: DockerIgnoreMatcher;
  /** Relative paths that travel even when ignored. */
  readonly alwaysInclude: readonly string[];
}

/** The Docker CLI's prefix for a Dockerfile it adds to the context. */
const GENERATED_PREFIX = '.dockerfile.';

export function generatedDockerfileName(content: Buffer): string {
  return GENERATED_PREFIX + createHash('sha256').update(content).digest('hex').slice(0, 20);
}

export function resolveBuildContext(input: BuildContextInput): ResolvedContext {
  const contextDir = resolveContextDir(input.contextDir);
  let dockerfile: DockerfileSource;
  let ignoreFile: string | undefined;
  if (input.dockerfileInline !== undefined) {
    const content = Buffer.from(input.dockerfileInline, 'utf8');
    dockerfile = { kind: 'generated', name: generatedDockerfileName(content), content, origin: 'dockerfile_inline' };
    ignoreFile = findIgnoreFile(contextDir, undefined);
  } else {
    const given = resolve(contextDir, input.dockerfile ?? defaultDockerfile(contextDir));
    dockerfile = locateDockerfile(contextDir, given);
    ignoreFile = findIgnoreFile(contextDir, given);
  }
  const matcher = compileIgnore(ignoreFile ? parseIgnoreFile(readText(ignoreFile)) : [], ignoreFile);
  const alwaysInclude: string[] = [];
  if (dockerfile.kind === 'context') alwaysInclude.push(dockerfile.relPath);
  const ignoreRel = ignoreFile ? insideContext(contextDir, ignoreFile) : undefined;
  if (ignoreRel !== undefined) alwaysInclude.push(ignoreRel);
  return {
    contextDir,
    dockerfile,
    dockerfileName: dockerfile.kind === 'context' ? dockerfile.relPath : dockerfile.name,
    ...(ignoreFile !== undefined ? { ignoreFile } : {}),
    matcher,
    alwaysInclude,
  };
}

function resolveContextDir(given: string): string {
  const abs = resolve(given);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (e) {
    throw new OperationError(`the build context ${abs} does not exist`, {
      hint: 'build.context is a directory, relative to the stack file',
      cause: e,
    });
  }
  if (!statSync(real).isDirectory()) {
    throw new OperationError(`the build context ${abs} is not a directory`, { hint: 'build.context is a directory, relative to the stack file' });
  }
  return real;
}

/** `Dockerfile`, or `dockerfile` when only that one exists (as the Docker CLI). */
function defaultDockerfile(contextDir: string): string {
  if (lstatSync(join(contextDir, 'Dockerfile'), { throwIfNoEntry: false })) return 'Dockerfile';
  return lstatSync(join(contextDir, 'dockerfile'), { throwIfNoEntry: false }) ? 'dockerfile' : 'Dockerfile';
}

function locateDockerfile(contextDir: string, given: string): DockerfileSource {
  let real: string;
  try {
    real = realpathSync(given);
  } catch (e) {
    throw new OperationError(`cannot find the Dockerfile ${given}`, {
      hint: 'build.dockerfile is relative to build.context (or absolute)',
      cause: e,
    });
  }
  const relPath = insideContext(contextDir, real);
  if (relPath !== undefined) return { kind: 'context', relPath, absPath: real };
  let content: Buffer;
  try {
    content = readFileSync(real);
  } catch (e) {
    throw contextReadError(real, e);
  }
  return { kind: 'generated', name: generatedDockerfileName(content), content, origin: real };
}

/** The '/'-separated path of `abs` relative to the context, or undefined when it lies outside. */
function insideContext(contextDir: string, abs: string): string | undefined {
  const rel = relative(contextDir, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw contextReadError(path, e);
  }
}
