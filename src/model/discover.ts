// Which files make up the stack, which directory relative paths resolve against, and the
// project name — as Compose decides them.

import { basename, dirname, join, resolve } from 'node:path';
import { StackFileError, UsageError, type SourceLocation } from '../errors.js';
import { plainFs, type ModelFs } from './model-fs.js';

/** The names looked for, in order, in the working directory and then each parent. */
export const defaultFileNames = [
  'stack.yaml',
  'stack.yml',
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
] as const;

/**
 * The first default file found in `cwd` or its parents, plus its `.override.` sibling
 * (`compose.yaml` → `compose.override.yaml`) when that exists. Throws a StackFileError
 * when none is found.
 */
export function discoverFiles(cwd: string, fs: ModelFs = plainFs): string[] {
  // Every probe goes through `fs`: a cached model is invalid once a stack file appears
  // nearer to cwd, or an override file appears beside the one found.
  const isFile = (path: string): boolean => fs.stat(path).kind === 'file';
  let dir = resolve(cwd);
  while (true) {
    for (const name of defaultFileNames) {
      const candidate = join(dir, name);
      if (isFile(candidate)) {
        const dot = name.lastIndexOf('.');
        const override = join(dir, `${name.slice(0, dot)}.override${name.slice(dot)}`);
        return isFile(override) ? [candidate, override] : [candidate];
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new StackFileError([
    {
      message: `no stack file found in ${resolve(cwd)} or its parents (looked for ${defaultFileNames.join(', ')})`,
      hint: 'create stack.yaml (or compose.yaml), or name the file with -f',
    },
  ]);
}

/** Resolve `-f` values against `cwd`; `-` (stdin) stays as it is. Missing files are errors. */
export function resolveFiles(files: readonly string[], cwd: string, fs: ModelFs = plainFs): string[] {
  return files.map((f) => {
    if (f === '-') return f;
    const abs = resolve(cwd, f);
    const kind = fs.stat(abs).kind;
    if (kind === 'missing') {
      throw new StackFileError([{ message: `stack file not found: ${f}`, hint: `looked for ${abs}` }]);
    }
    if (kind !== 'file') throw new StackFileError([{ message: `not a file: ${f}` }]);
    return abs;
  });
}

/** Compose's rule for project names. */
export const projectNamePattern = /^[a-z0-9][a-z0-9_-]*$/;

/** Lowercase, keep [a-z0-9_-], drop leading `_`/`-` — what Compose does to a directory name. */
export function normaliseProjectName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

export interface ProjectNameSources {
  /** `-p` */
  readonly flag?: string;
  /** STACK_PROJECT_NAME / COMPOSE_PROJECT_NAME, from the shell environment or .env. */
  readonly variables: Readonly<Record<string, string | undefined>>;
  /** Top-level `name:` of the merged document, and where it was written. */
  readonly fileName?: unknown;
  readonly fileNameLocation?: SourceLocation;
  readonly projectDirectory: string;
}

const nameRule = 'a project name must start with a lowercase letter or digit and contain only lowercase letters, digits, "_" and "-"';

/** `-p` > STACK_PROJECT_NAME / COMPOSE_PROJECT_NAME > `name:` > the directory name. */
export function resolveProjectName(sources: ProjectNameSources): string {
  if (sources.flag !== undefined) {
    if (!projectNamePattern.test(sources.flag)) {
      throw new UsageError(`invalid project name "${sources.flag}" given with -p`, { hint: nameRule });
    }
    return sources.flag;
  }
  for (const variable of ['STACK_PROJECT_NAME', 'COMPOSE_PROJECT_NAME']) {
    const v = sources.variables[variable];
    if (v !== undefined && v !== '') {
      if (!projectNamePattern.test(v)) throw new UsageError(`invalid project name "${v}" in ${variable}`, { hint: nameRule });
      return v;
    }
  }
  if (sources.fileName !== undefined && sources.fileName !== null && sources.fileName !== '') {
    const v = sources.fileName;
    if (typeof v !== 'string' || !projectNamePattern.test(v)) {
      throw new StackFileError([
        {
          message: `invalid project name ${JSON.stringify(v)}`,
          path: 'name',
          ...(sources.fileNameLocation ? { location: sources.fileNameLocation } : {}),
          hint: nameRule,
        },
      ]);
    }
    return v;
  }
  const fromDir = normaliseProjectName(basename(sources.projectDirectory));
  if (fromDir === '') {
    throw new UsageError(`cannot derive a project name from the directory "${basename(sources.projectDirectory)}"`, {
      hint: 'give one with -p, COMPOSE_PROJECT_NAME or `name:` in the stack file',
    });
  }
  return fromDir;
}

/** `--profile` values, else STACK_PROFILES / COMPOSE_PROFILES (comma-separated). */
export function resolveProfiles(flags: readonly string[] | undefined, variables: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  const add = (p: string): void => {
    const t = p.trim();
    if (t !== '' && !out.includes(t)) out.push(t);
  };
  if (flags && flags.length > 0) {
    for (const f of flags) for (const p of f.split(',')) add(p);
    return out;
  }
  const env = variables.STACK_PROFILES ?? variables.COMPOSE_PROFILES;
  if (env) for (const p of env.split(',')) add(p);
  return out;
}
