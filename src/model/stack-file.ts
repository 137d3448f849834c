// One stack file from disk to an interpolated tree: read (with a size cap), parse with
// positions, interpolate with the variables in effect. Include and extends call it for the
// files they pull in, with their own variables.

import { isAbsolute, relative } from 'node:path';
import { StackFileError } from '../errors.js';
import { defaultParseLimits, parseYaml, type ParseLimits } from './parse.js';
import { interpolateDocument, type Lookup } from './interpolate.js';
import { plainFs, type ModelFs } from './model-fs.js';
import type { ModelWarning } from './types.js';

export interface FileContext {
  /** The variables interpolation sees. */
  readonly lookup: Lookup;
  readonly warnings: ModelWarning[];
  readonly warnedVariables: Set<string>;
  /** Every substituted value. */
  readonly sensitiveValues: Set<string>;
  /** The substituted values of variables whose names look secret. */
  readonly secretValues: Set<string>;
  readonly cwd: string;
  readonly limits: ParseLimits;
  /** How files are looked at and read (recorded when the model may be cached). */
  readonly fs: ModelFs;
}

/** How a file is named in messages: relative to the working directory when inside it. */
export function displayName(file: string, cwd: string): string {
  if (file === '-') return '<stdin>';
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** Read a file with the size cap applied before reading it whole. */
export function readTextFile(file: string, cwd: string, limits: ParseLimits = defaultParseLimits, what = 'file', fs: ModelFs = plainFs): string {
  const st = fs.stat(file);
  if (st.kind === 'missing') throw new StackFileError([{ message: `${what} not found: ${displayName(file, cwd)}` }]);
  if (st.kind !== 'file') throw new StackFileError([{ message: `${what} is not a file: ${displayName(file, cwd)}` }]);
  const size = st.size;
  if (size > limits.maxBytes) {
    throw new StackFileError([
      {
        message: `${what} is larger than ${Math.round(limits.maxBytes / 1024)} KiB; a file this big is refused`,
        location: { file: displayName(file, cwd), line: 1, col: 1 },
      },
    ]);
  }
  try {
    return fs.readText(file);
  } catch (e) {
    // A file that stat calls readable may still fail to read (permissions, EIO): it is the
    // user's file that is at fault, named, not an unexpected error.
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new StackFileError([{ message: `cannot read ${what} ${displayName(file, cwd)}: ${why}` }]);
  }
}

/** Parse and interpolate one stack file's text. */
export function loadStackText(text: string, file: string, ctx: FileContext): Record<string, unknown> {
  const name = displayName(file, ctx.cwd);
  const doc = parseYaml(text, name, ctx.limits);
  interpolateDocument(doc, {
    lookup: ctx.lookup,
    file: name,
    warnings: ctx.warnings,
    warnedVariables: ctx.warnedVariables,
    sensitiveValues: ctx.sensitiveValues,
    secretValues: ctx.secretValues,
  });
  return doc;
}

/** Read, parse and interpolate one stack file. */
export function loadStackFile(file: string, ctx: FileContext): Record<string, unknown> {
  return loadStackText(readTextFile(file, ctx.cwd, ctx.limits, 'stack file', ctx.fs), file, ctx);
}
