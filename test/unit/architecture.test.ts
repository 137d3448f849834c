// The picture in ../shared/ARCHITECTURE.md, enforced: the import rules of .dependency-cruiser.cjs
// (no cycles; planner and model never reach engine or cli; the cli never reaches the engine;
// dockerode only inside src/engine) and no function in src/ over 150 lines.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('src/ keeps the import rules: no cycles and no forbidden direction', () => {
  const cli = join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [cli, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'src'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, `dependency-cruiser found violations:\n${r.stdout}${r.stderr}`);
});

test('no function in src/ is longer than 150 lines', async () => {
  const script = pathToFileURL(join(repoRoot, 'scripts', 'check-function-length.mjs')).href;
  const { longFunctions, sourceFiles } = (await import(script)) as {
    longFunctions: (files: string[]) => { file: string; line: number; name: string; lines: number }[];
    sourceFiles: (dir: string) => string[];
  };
  const found = longFunctions(sourceFiles(join(repoRoot, 'src')));
  assert.deepEqual(found.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`), []);
});
