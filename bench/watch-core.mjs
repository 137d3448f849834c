#!/usr/bin/env node
// Micro-bench of the watch core (issue 11), engine-free: how fast a save reaches the watcher
// and goes out as a batch, what a 1,000-file burst becomes, and what watching a large tree
// costs when idle. Measures and prints; asserts nothing.
//
//   npm run build && node bench/watch-core.mjs [--saves 50] [--idle-seconds 10] [--files 20000] [--json out.json]
//
// Uses the compiled modules in dist/ (build first). Temp trees live under the OS temp dir
// and are removed at the end.

import { mkdtemp, mkdir, rm, writeFile, rename, readdir, readlink, readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileSync } from 'node:fs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (m) => import(pathToFileURL(join(repoRoot, 'dist/src/watch', m)).href);
const { createFileWatcher } = await load('watcher.js');
const { compileWatchRules } = await load('rules.js');
const { WatchBatcher } = await load('batcher.js');
const { systemClock } = await load('clock.js');
const { fileChangeOf } = await load('changes.js');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SAVES = Number(opt('saves', 50));
const IDLE_SECONDS = Number(opt('idle-seconds', 10));
const FILES = Number(opt('files', 20000));
const JSON_OUT = opt('json', undefined);
const log = (...a) => process.stderr.write(`watch-bench: ${a.join(' ')}\n`);

function pct(samples, p) {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const ms = (v) => (v === undefined ? '—' : `${v.toFixed(1)} ms`);

async function tempDir(name) {
  return mkdtemp(join(tmpdir(), `stack-watch-bench-${name}-`));
}

function syncRule(root, ignore = ['node_modules']) {
  return compileWatchRules({
    stackFiles: [],
    services: [{ service: 'app', rules: [{ action: 'sync', path: root, target: '/app', ignore, include: [], initialSync: false }] }],
  });
}

/** A listener whose events can be awaited one at a time. */
function listener(onEvent = () => {}) {
  let waiter;
  return {
    onEvent(e) {
      onEvent(e);
      if (waiter && waiter.match(e)) {
        const w = waiter;
        waiter = undefined;
        w.resolve(performance.now());
      }
    },
    onError(e) {
      log('watch error:', e.message);
    },
    onNotice(n) {
      log('notice:', n.message);
    },
    next(match) {
      return new Promise((resolve) => (waiter = { match, resolve }));
    },
  };
}

async function writeTree(root, files, perDir) {
  for (let i = 0; i < files; i += perDir) {
    const dir = join(root, `d${i / perDir}`);
    await mkdir(dir, { recursive: true });
    await Promise.all(Array.from({ length: Math.min(perDir, files - i) }, (_, j) => writeFile(join(dir, `f${j}.js`), `// ${i + j}\n`)));
  }
}

/** Save → watcher event, natively: plain writes and editor-style rename-saves. */
async function saveLatency() {
  const root = await tempDir('latency');
  await writeFile(join(root, 'app.js'), 'v0');
  const rules = syncRule(root);
  const l = listener();
  const session = await createFileWatcher({ env: {} }).start(rules.roots, rules.ignored, l);
  const file = join(root, 'app.js');
  const plain = [];
  const renamed = [];
  for (let i = 0; i < SAVES; i++) {
    // Pause between saves (the trailing check and atomic windows of the previous save close).
    await new Promise((r) => setTimeout(r, 120));
    const seen = l.next((e) => e.path === file);
    const t0 = performance.now();
    await writeFile(file, `v${i} plain`);
    plain.push((await seen) - t0);
    await new Promise((r) => setTimeout(r, 120));
    const seen2 = l.next((e) => e.path === file);
    const t1 = performance.now();
    await writeFile(join(root, '.app.js.tmp'), `v${i} renamed`);
    await rename(join(root, '.app.js.tmp'), file);
    renamed.push((await seen2) - t1);
  }
  await session.close();
  await rm(root, { recursive: true, force: true });
  return { plain, renamed, mode: session.mode };
}

/** Save → batch handed to the executor (watcher + rules + batcher, system clock). */
async function saveToBatch() {
  const root = await tempDir('batch');
  await writeFile(join(root, 'app.js'), 'v0');
  const rules = syncRule(root);
  let onBatch;
  const batcher = new WatchBatcher({
    clock: systemClock,
    execute: async (batch) => onBatch?.(batch),
  });
  const session = await createFileWatcher({ env: {} }).start(rules.roots, rules.ignored, {
    onEvent: (e) => batcher.add(fileChangeOf(rules, e)),
    onError: (e) => log('watch error:', e.message),
  });
  const samples = [];
  for (let i = 0; i < SAVES; i++) {
    await new Promise((r) => setTimeout(r, 150));
    await batcher.whenIdle();
    const dispatched = new Promise((resolve) => (onBatch = () => resolve(performance.now())));
    const t0 = performance.now();
    await writeFile(join(root, 'app.js'), `v${i}`);
    samples.push((await dispatched) - t0);
  }
  await session.close();
  await batcher.stop();
  await rm(root, { recursive: true, force: true });
  return samples;
}

/** 1,000 files written by a separate process: how many batches, and when the last file went out. */
async function burst(kind, executorMs) {
  const root = await tempDir('burst');
  if (kind === 'modify') await writeTree(root, 1000, 50);
  const rules = syncRule(root);
  const batches = [];
  const sent = new Set();
  const batcher = new WatchBatcher({
    clock: systemClock,
    execute: async (batch) => {
      const files = batch.services.flatMap((s) => s.sync.filter((f) => !f.isDirectory).map((f) => f.hostPath));
      for (const f of files) sent.add(f);
      batches.push({ at: performance.now(), files: files.length, distinctSoFar: sent.size });
      if (executorMs > 0) await new Promise((r) => setTimeout(r, executorMs));
    },
  });
  const session = await createFileWatcher({ env: {} }).start(rules.roots, rules.ignored, {
    onEvent: (e) => batcher.add(fileChangeOf(rules, e)),
    onError: (e) => log('watch error:', e.message),
  });
  const script =
    kind === 'modify'
      ? `const fs=require('fs');for(let i=0;i<20;i++)for(let j=0;j<50;j++)fs.writeFileSync(process.argv[1]+'/d'+i+'/f'+j+'.js','changed '+j);`
      : `const fs=require('fs');for(let i=0;i<20;i++){fs.mkdirSync(process.argv[1]+'/n'+i);for(let j=0;j<50;j++)fs.writeFileSync(process.argv[1]+'/n'+i+'/f'+j+'.js','new '+j);}`;
  const t0 = performance.now();
  await new Promise((resolve) => spawn(process.execPath, ['-e', script, root], { stdio: 'ignore' }).on('exit', resolve));
  const writerMs = performance.now() - t0;
  // Wait until 1,000 distinct files have gone out (bounded).
  const deadline = performance.now() + 20_000;
  while (sent.size < 1000 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await batcher.whenIdle();
  await session.close();
  await batcher.stop();
  await rm(root, { recursive: true, force: true });
  // The batch that completed the 1,000 (later ones only repeat files: trailing checks).
  const complete = batches.find((b) => b.distinctSoFar >= 1000);
  return { kind, executorMs, writerMs, batches: batches.map((b) => b.files), distinct: sent.size, lastOutMs: (complete?.at ?? NaN) - t0 };
}

/** inotify watches this process holds (Linux: the `inotify wd:` lines of its inotify fds). */
async function inotifyWatches() {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd').catch(() => [])) {
    const link = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (!link.includes('inotify')) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    count += info.split('\n').filter((l) => l.startsWith('inotify wd')).length;
  }
  return count;
}

/** Idle CPU of watching FILES files (plus as many in an ignored node_modules). */
async function idleCost(polling) {
  const root = await tempDir('idle');
  log(`writing ${FILES} files + ${FILES} in node_modules...`);
  await writeTree(join(root, 'src'), FILES, 20);
  await writeTree(join(root, 'node_modules'), FILES, 100);
  const rules = syncRule(root);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const env = polling ? { STACK_WATCH_POLL: '1' } : {};
  const session = await createFileWatcher({ env }).start(rules.roots, rules.ignored, listener());
  const readyMs = performance.now() - t0;
  const watchedDirs = session.watchedPaths().size;
  const watches = await inotifyWatches();
  // Let start-up work (trailing checks, GC of the scan) finish before measuring.
  await new Promise((r) => setTimeout(r, 1000));
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - w0;
  const rssMb = (process.memoryUsage().rss - rss0) / 1048576;
  await session.close();
  await rm(root, { recursive: true, force: true });
  return { mode: session.mode, readyMs, watchedDirs, watches, cpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100, rssMb };
}

const results = { date: new Date().toISOString(), cpus: cpus().length, loadavg: loadavg() };
log('save → event...');
results.saveLatency = await saveLatency();
log('save → batch...');
results.saveToBatch = await saveToBatch();
results.bursts = [];
for (const [kind, executorMs] of [['modify', 0], ['create', 0], ['modify', 50], ['create', 50]]) {
  log(`burst ${kind}, executor ${executorMs} ms...`);
  results.bursts.push(await burst(kind, executorMs));
}
log('idle native...');
results.idleNative = await idleCost(false);
log('idle polling...');
results.idlePolling = await idleCost(true);
results.loadavgAfter = loadavg();

const out = [];
out.push(`watch core bench, ${results.date}, ${results.cpus} cores, load ${results.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
out.push('');
out.push(`| save → watcher event (native, n=${SAVES}) | p50 | p95 | max |`);
out.push('|---|---|---|---|');
for (const [name, s] of [['plain write', results.saveLatency.plain], ['rename-save', results.saveLatency.renamed]]) {
  out.push(`| ${name} | ${ms(pct(s, 50))} | ${ms(pct(s, 95))} | ${ms(Math.max(...s))} |`);
}
const b = results.saveToBatch;
out.push(`| save → batch dispatched (25 ms settle) | ${ms(pct(b, 50))} | ${ms(pct(b, 95))} | ${ms(Math.max(...b))} |`);
out.push('');
out.push('| 1,000-file burst (separate process) | writer | batches (files each) | distinct files | 1,000th file out |');
out.push('|---|---|---|---|---|');
for (const r of results.bursts) {
  out.push(`| ${r.kind}, executor ${r.executorMs} ms | ${ms(r.writerMs)} | ${r.batches.length} (${r.batches.join(', ')}) | ${r.distinct} | ${ms(r.lastOutMs)} |`);
}
out.push('');
out.push(`| idle, ${FILES} files watched + ${FILES} in ignored node_modules, ${IDLE_SECONDS} s | ready | watched dirs | inotify watches | CPU | RSS growth |`);
out.push('|---|---|---|---|---|---|');
for (const r of [results.idleNative, results.idlePolling]) {
  out.push(`| ${r.mode} | ${ms(r.readyMs)} | ${r.watchedDirs} | ${r.watches} | ${r.cpuPercent.toFixed(2)} % of a core | ${r.rssMb.toFixed(0)} MB |`);
}
console.log(out.join('\n'));
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
