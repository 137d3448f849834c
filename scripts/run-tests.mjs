#!/usr/bin/env node
// Runs the compiled tests under dist/test/<suite>/ with node's own test runner.
// Node 20 and 22 disagree on how `node --test <dir>` is read, so we list the files ourselves.
// Suites: unit, integration, labs (tests that start their own swarm, TLS, ssh or terminal lab),
// exhaustive. All but unit run one file at a time: they share one engine and the machine has
// two cores.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
// A suite may be named with a sample of its files: `labs=remote-tls,tty` runs only the files of
// test/labs whose paths hold one of those substrings (CI runs samples of the long suites).
for (const spec of suites) {
  const [suite, sample] = spec.split('=');
  const picked = sample?.split(',').filter(Boolean);
  const files = walk(join(root, suite))
    .filter((f) => !only || only.some((o) => f.includes(o)))
    .filter((f) => !picked || picked.some((o) => f.includes(o)));
  // An empty suite (or sample) is a failure, not a pass: a wrong name or a build that compiled
  // no tests. With STACK_TEST_FILTER a suite may hold none of the files asked for.
  if (files.length === 0) {
    console.log(`# suite ${spec}: no test files${only ? '' : ': this run fails'}`);
    if (!only) failed = true;
    continue;
  }
  const concurrency = suite === 'unit' ? [] : ['--test-concurrency=1'];
  // Besides the usual report, a TAP copy in a file: a skipped test (a swarm lab that cannot
  // start here, say) must not pass for a green run. Node's runner exits 0 with skips.
  const tapFile = join(mkdtempSync(join(tmpdir(), 'stack-tests-')), `${suite}.tap`);
  const reporters = ['--test-reporter', process.stdout.isTTY ? 'spec' : 'tap', '--test-reporter-destination', 'stdout', '--test-reporter', 'tap', '--test-reporter-destination', tapFile];
  const r = spawnSync(process.execPath, ['--test', ...concurrency, ...reporters, ...extra, ...files], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
  const skipped = skippedTests(tapFile);
  rmSync(dirname(tapFile), { recursive: true, force: true });
  if (skipped.length > 0) {
    console.log(`# suite ${suite}: ${skipped.length} test(s) skipped:`);
    for (const line of skipped) console.log(`#   ${line}`);
    if (process.env.STACK_ALLOW_SKIPPED === '1') console.log('# STACK_ALLOW_SKIPPED=1: skipped tests do not fail this run');
    else {
      console.log('# a skipped test is not a pass: this run fails (STACK_ALLOW_SKIPPED=1 accepts skips on a machine that cannot run them)');
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);

/** `ok N - name # SKIP reason` and `# TODO` lines of a TAP report: neither is a pass. */
function skippedTests(file) {
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { return []; }
  return text.split('\n').filter((l) => /^\s*(not )?ok \d+ - .* # (SKIP|TODO)/i.test(l)).map((l) => l.trim().replace(/^(not )?ok \d+ - /, ''));
}
