// Unit-test helper: load a stack file given as text, through the real pipeline (loadModel),
// from a temporary project directory that also holds any extra files the test needs.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StackFileError, type StackFileProblem } from '../../src/errors.js';
import { loadModel } from '../../src/model/load.js';
import type { StackModel } from '../../src/model/types.js';

export interface LoadTextOptions {
  /** Extra files by path relative to the project directory (`.env`, `app.env`, `secret.txt`). */
  readonly files?: Readonly<Record<string, string>>;
  /** The shell environment (default: empty, so tests do not depend on the machine). */
  readonly env?: Readonly<Record<string, string>>;
  readonly profiles?: readonly string[];
  readonly services?: readonly string[];
  readonly projectName?: string;
  /** Name of the stack file (default stack.yaml). */
  readonly fileName?: string;
}

export interface Loaded {
  readonly model: StackModel;
  /** The temporary project directory (already removed: use it to check resolved paths). */
  readonly dir: string;
}

/** Loads `yaml` as `stack.yaml` of a fresh project directory; the directory is removed afterwards. */
export async function loadText(yaml: string, options: LoadTextOptions = {}): Promise<Loaded> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-unit-'));
  try {
    const fileName = options.fileName ?? 'stack.yaml';
    writeFileSync(join(dir, fileName), yaml);
    for (const [path, text] of Object.entries(options.files ?? {})) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const model = await loadModel({
      files: [join(dir, fileName)],
      cwd: dir,
      env: options.env ?? {},
      projectName: options.projectName ?? 'proj',
      ...(options.profiles ? { profiles: options.profiles } : {}),
      ...(options.services ? { services: options.services } : {}),
    });
    return { model, dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads and returns the model only. */
export async function loadModelText(yaml: string, options: LoadTextOptions = {}): Promise<StackModel> {
  return (await loadText(yaml, options)).model;
}

/** Expects the load to fail with a StackFileError; returns its problems. */
export async function loadProblems(yaml: string, options: LoadTextOptions = {}): Promise<readonly StackFileProblem[]> {
  try {
    await loadText(yaml, options);
  } catch (e) {
    assert.ok(e instanceof StackFileError, `expected a StackFileError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('expected the stack file to be rejected');
}

/** Expects exactly one problem (or at least one) whose message contains `fragment` at `path`. */
export async function expectProblem(yaml: string, path: string, fragment: string | RegExp, options: LoadTextOptions = {}): Promise<StackFileProblem> {
  const problems = await loadProblems(yaml, options);
  const found = problems.find((p) => p.path === path && (typeof fragment === 'string' ? p.message.includes(fragment) : fragment.test(p.message)));
  assert.ok(found, `no problem at ${path} matching ${String(fragment)}; got:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  return found;
}
