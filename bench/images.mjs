#!/usr/bin/env node
// The two image goals of issue 10, side by side in one run, alternating run by run:
//  A. `stack build` of a context whose 20,000-file node_modules is excluded by .dockerignore,
//     against `DOCKER_BUILDKIT=0 docker build` of the same context (goal ≤ 1.1×);
//  B. the no-op `up -d` of 10 services that all have `build:` contexts of 5,000 files, against
//     the same 10 services with plain images (goal: within 60 ms). Each Dockerfile COPYs one
//     file, so only what it reads is hashed (image/dockerfile-reads.ts); a third series, whose
//     Dockerfiles `COPY . /app` (the whole context, 50,000 files lstat'ed), is reported beside
//     it as the worst case, with no goal.
// Wall clock from spawn to exit of a fresh process; medians and minimums printed. Asserts
// nothing. Needs `npm run build` first and the test image (scripts/test-image). Everything it
// creates is named stackbenchimg<pid>* and removed at the end.
//
//   node bench/images.mjs [--runs 7]

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const RUNS = Number(opts.runs);
const stackBin = new URL('../bin/stack.js', import.meta.url).pathname;
const id = `stackbenchimg${process.pid}`;
const root = mkdtempSync(join(tmpdir(), 'stack-bench-images-'));
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_EXTRA_CA_CERTS; // adds ~50 ms to every Node start here (bench/README.md)
const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);
const HOUR_AGO = new Date(Date.now() - 3600_000);

function run(cmd, args, extraEnv = {}, cwd = root) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-2000)}`));
      else resolve({ ms, out });
    });
  });
}

/** `count` small files under `dir`, 100 a folder, dated an hour ago (the stat cache trusts them). */
function manyFiles(dir, count) {
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    const file = join(sub, `f${i}.js`);
    writeFileSync(file, `module.exports = ${i};\n`);
    utimesSync(file, HOUR_AGO, HOUR_AGO);
  }
}

function write(file, text) {
  writeFileSync(file, text);
  utimesSync(file, HOUR_AGO, HOUR_AGO);
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], n: s.length };
};

async function alternate(label, series) {
  const samples = Object.fromEntries(series.map(([name]) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 === 0 ? series : [...series].reverse();
    for (const [name, fn] of order) samples[name].push((await fn()).ms);
  }
  const result = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, { ...stats(v), samples: v.map((x) => Math.round(x)) }]));
  log(label, JSON.stringify(result));
  return result;
}

async function benchBuild() {
  const dir = join(root, 'ignored');
  mkdirSync(dir);
  write(join(dir, 'Dockerfile'), 'FROM stack-test/busybox:1\nCOPY app.txt /app.txt\n');
  write(join(dir, '.dockerignore'), 'node_modules\n');
  write(join(dir, 'app.txt'), 'the app\n');
  manyFiles(join(dir, 'node_modules'), 20_000);
  write(join(dir, 'stack.yaml'), `services:\n  app:\n    build: .\n    image: ${id}-stack\n`);
  const stack = () => run(process.execPath, [stackBin, '-p', `${id}a`, '--progress', 'quiet', 'build'], {}, dir);
  const docker = () => run('docker', ['build', '-q', '-t', `${id}-docker`, '.'], { DOCKER_BUILDKIT: '0' }, dir);
  await stack();
  await docker(); // warm-up: the layer cache and the stat cache, for both
  return alternate('A: build, 20,000 ignored files', [['stack build', stack], ['DOCKER_BUILDKIT=0 docker build', docker]]);
}

async function benchNoop() {
  const built = join(root, 'built');
  const whole = join(root, 'whole');
  const plain = join(root, 'plain');
  mkdirSync(built);
  mkdirSync(whole);
  mkdirSync(plain);
  let builtYaml = 'services:\n';
  let plainYaml = 'services:\n';
  for (let s = 1; s <= 10; s++) {
    for (const [root_, copy] of [[built, 'COPY d0/f0.js /f0.js'], [whole, 'COPY . /app']]) {
      const ctx = join(root_, `s${s}`);
      mkdirSync(ctx);
      write(join(ctx, 'Dockerfile'), `FROM stack-test/busybox:1\n${copy}\nENV SERVICE=s${s}\n`);
      manyFiles(ctx, 5_000);
    }
    builtYaml += `  s${s}:\n    build: ./s${s}\n    command: ["sleep", "3600"]\n`;
    plainYaml += `  s${s}:\n    image: stack-test/busybox:1\n    command: ["sleep", "3600"]\n`;
  }
  write(join(built, 'stack.yaml'), builtYaml);
  write(join(whole, 'stack.yaml'), builtYaml);
  write(join(plain, 'stack.yaml'), plainYaml);
  const up = (dir, project) => () => run(process.execPath, [stackBin, '-p', project, '--progress', 'quiet', 'up', '-d'], {}, dir);
  log('B: first up of the three stacks (20 builds)');
  for (const [dir, p] of [[built, `${id}b`], [whole, `${id}w`], [plain, `${id}p`]]) {
    await up(dir, p)();
    await up(dir, p)(); // warm-up: a no-op, caches filled
  }
  return alternate('B: no-op up, 10 services', [
    ['build: contexts of 5,000 files', up(built, `${id}b`)],
    ['plain images', up(plain, `${id}p`)],
    ['build: contexts of 5,000 files, COPY . /app', up(whole, `${id}w`)],
  ]);
}

async function cleanup() {
  for (const p of [`${id}b`, `${id}w`, `${id}p`]) await run(process.execPath, [stackBin, '-p', p, 'down', '-t', '0']).catch((e) => log(e.message));
  const images = [`${id}-stack`, `${id}-docker`, ...Array.from({ length: 10 }, (_, i) => [`${id}b-s${i + 1}`, `${id}w-s${i + 1}`]).flat()];
  await run('docker', ['rmi', '-f', ...images]).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}

try {
  const load = (await run('cat', ['/proc/loadavg'])).out.trim();
  log(`load at start: ${load}; runs: ${RUNS}`);
  const a = await benchBuild();
  const b = await benchNoop();
  const ratio = a['stack build'].median / a['DOCKER_BUILDKIT=0 docker build'].median;
  const delta = b['build: contexts of 5,000 files'].median - b['plain images'].median;
  const wholeDelta = b['build: contexts of 5,000 files, COPY . /app'].median - b['plain images'].median;
  const result = { load, runs: RUNS, build: a, noop: b, buildRatio: Number(ratio.toFixed(2)), noopDeltaMs: Math.round(delta), noopWholeContextDeltaMs: Math.round(wholeDelta) };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await cleanup();
}
