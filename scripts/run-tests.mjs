#!/usr/bin/env node
// Runs the compiled tests under dist/test/<suite>/ with node's own test runner.
// Node 20 and 22 disagree on how `node --test <dir>` is read, so we list the files ourselves.
// Suites: unit, integration, exhaustive. Integration suites run one file at a time: they
// share one engine and the machine has two cores.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('../dist/test/', import.meta.url).pathname;
const suites = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const extra = process.argv.slice(2).filter((a) => a.startsWith('-'));
// Substrings of test file paths, comma-separated, for a quick run of a few files.
const only = process.env.STACK_TEST_FILTER?.split(',').filter(Boolean);

function walk(dir) {
  let out = [];
  let entries = [];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let failed = false;
// Integration suites need the local test image (built from busybox-static, no registry).
if (suites.some((s) => s !== 'unit')) {
  const img = spawnSync('bash', [new URL('./test-image', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (img.status !== 0) { console.error('could not build the test image'); process.exit(1); }
  process.env.STACK_TEST_IMAGE = img.stdout.toString().trim();
}
for (const suite of suites) {
  const files = walk(join(root, suite)).filter((f) => !only || only.some((o) => f.includes(o)));
  if (files.length === 0) { console.log(`# suite ${suite}: no test files`); continue; }
  const concurrency = suite === 'unit' ? [] : ['--test-concurrency=1'];
  const r = spawnSync(process.execPath, ['--test', ...concurrency, ...extra, ...files], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
