#!/usr/bin/env node
// `stack watch` end to end on the real engine (issue 11), in one run:
//   1. save → the new content readable in the container, one file, N saves (p50 / p95);
//   2. a 1,000-file burst (a checkout rewriting 1,000 files) → all 1,000 readable, N bursts
//      (from the writer's first write, wall clock, to the first and last file readable);
//   3. idle CPU and memory of the watch process over a 20,000-file synced tree;
//   4. a stack-file save → the changed container running, against the same edit followed by
//      `stack up -d` typed by hand, alternating, on two projects.
// Measures and reports; asserts nothing. Writes bench/watch-results.json and prints a table.
//
//   npm run build && node bench/watch.mjs [--saves 50] [--bursts 50] [--files 20000]
//        [--idle-seconds 10] [--edits 10] [--only sync,idle,edits] [--out bench/watch-results.json]
//
// "Readable in the container" is read from the host, through the container's overlay mount
// (GraphDriver.Data.MergedDir, root only): every 2 ms, a stat and a read, with no engine call
// and no process start in the measured path. Each tool runs on its own project
// (stackbenchwatch*), cleaned up by label before and after; nothing else is touched.

import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { cleanupProject, docker, serviceContainers } from './lib/engine.mjs';
import { timedRun } from './lib/spawn.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');
const bin = join(repoRoot, 'bin', 'stack.js');
const image = process.env.STACK_TEST_IMAGE ?? 'stack-test/busybox:1';
const log = (...a) => process.stderr.write(`watch-bench: ${a.join(' ')}\n`);

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SAVES = Number(opt('saves', 50));
const BURSTS = Number(opt('bursts', 50));
const FILES = Number(opt('files', 20000));
const IDLE_SECONDS = Number(opt('idle-seconds', 10));
const EDITS = Number(opt('edits', 10));
const OUT = opt('out', join(benchDir, 'watch-results.json'));
const ONLY = new Set(opt('only', 'sync,idle,edits').split(','));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (samples, p) => {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const ms = (v) => (v === undefined || Number.isNaN(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);

// ---------------------------------------------------------------- plumbing

function stackFile(services) {
  return `services:\n${services.join('')}`;
}

const syncedService = (name, path = './src') => `  ${name}:
    image: ${image}
    init: true
    stop_grace_period: 1s
    command: ["sleep", "86400"]
    develop:
      watch:
        - action: sync
          path: ${path}
          target: /app
`;

const plainService = (name, version) => `  ${name}:
    image: ${image}
    init: true
    stop_grace_period: 1s
    command: ["sleep", "86400"]
    environment:
      VERSION: "${version}"
`;

/** A running `stack --progress json watch` in `dir`: its JSON events, and its pid for /proc. */
function startWatch(dir, project) {
  const child = spawn(process.execPath, [bin, '--progress', 'json', '-p', project, 'watch', '--on-exit', 'down'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events = [];
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith('{')) events.push({ at: performance.now(), event: JSON.parse(line) });
    }
  });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const exit = new Promise((r) => child.on('close', r));
  return {
    child,
    events,
    err: () => err,
    async ready(timeoutMs = 600_000) {
      const deadline = performance.now() + timeoutMs;
      while (!events.some((e) => e.event.type === 'watch-ready')) {
        if (performance.now() > deadline || child.exitCode !== null) throw new Error(`watch did not get ready: ${err}`);
        await sleep(50);
      }
    },
    async stop() {
      child.kill('SIGINT');
      await exit;
    },
  };
}

/** The host path of a container path, through the container's overlay mount. */
async function hostPathIn(containerId, path) {
  const info = await docker.getContainer(containerId).inspect();
  const merged = info.GraphDriver?.Data?.MergedDir;
  if (!merged) throw new Error('no overlay MergedDir: this bench needs overlay2 and root');
  return join(merged, path);
}

/** Resolves with the time at which `check` first held (polled every 2 ms). */
async function whenTrue(check, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return performance.now();
    if (performance.now() > deadline) throw new Error('timed out');
    await sleep(2);
  }
}

const contentIs = (path, text) => async () => (await readFile(path, 'utf8').catch(() => undefined)) === text;

async function running(project, service, notId) {
  const c = (await serviceContainers(project)).get(service);
  return c && c.state === 'running' && c.id !== notId ? c.id : undefined;
}

/** utime + stime of a process, in ms, and its RSS in MB (Linux /proc). */
async function processUsage(pid) {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs: (ticks * 1000) / 100, rssMb: rssKb / 1024 };
}

// ---------------------------------------------------------------- 1 and 2: saves and bursts

async function savesAndBursts(root) {
  const project = 'stackbenchwatchsync';
  await cleanupProject(project);
  const dir = join(root, 'sync');
  await mkdir(join(dir, 'src', 'burst'), { recursive: true });
  await writeFile(join(dir, 'stack.yaml'), stackFile([syncedService('app')]));
  await writeFile(join(dir, 'src', 'index.html'), 'v0');
  for (let i = 0; i < 1000; i++) await writeFile(join(dir, 'src', 'burst', `f${i}.txt`), 'initial');
  const watch = startWatch(dir, project);
  try {
    await watch.ready();
    const { id } = (await serviceContainers(project)).get('app');
    const saves = [];
    // watch's own account of each save (its batch event: first file event → copy done), to
    // tell the watcher's and the engine's share from the time the file takes to be readable.
    const saveBatchMs = [];
    const file = join(dir, 'src', 'index.html');
    const inContainer = await hostPathIn(id, '/app/index.html');
    for (let i = 0; i < SAVES; i++) {
      await sleep(300);
      const text = `save ${i} ${Date.now()}`;
      const eventsBefore = watch.events.length;
      const t0 = performance.now();
      await writeFile(file, text);
      saves.push((await whenTrue(contentIs(inContainer, text))) - t0);
      await whenTrue(async () => watch.events.slice(eventsBefore).some((e) => e.event.type === 'watch-batch'), 30_000);
      saveBatchMs.push(...watch.events.slice(eventsBefore).filter((e) => e.event.type === 'watch-batch').map((e) => e.event.elapsedMs));
    }
    log(`saves: p50 ${ms(pct(saves, 50))}, p95 ${ms(pct(saves, 95))}; watch's batch p50 ${ms(pct(saveBatchMs, 50))}, p95 ${ms(pct(saveBatchMs, 95))}`);
    const bursts = [];
    const batchesPerBurst = [];
    const burstBatchMs = [];
    const burstDir = await hostPathIn(id, '/app/burst');
    const lastFile = join(burstDir, 'f999.txt');
    const firstFile = join(burstDir, 'f0.txt');
    for (let b = 0; b < BURSTS; b++) {
      await sleep(500);
      const tag = `burst ${b} ${Date.now()}`;
      const eventsBefore = watch.events.length;
      // A separate process rewrites the 1,000 files, as a checkout would; it prints the wall
      // clock of its first write, so the writer's own start-up is not counted.
      const script = `const fs=require('fs');process.stdout.write(String(Date.now()));for(let i=0;i<1000;i++)fs.writeFileSync(process.argv[1]+'/f'+i+'.txt',process.argv[2]);`;
      const writer = spawn(process.execPath, ['-e', script, join(dir, 'src', 'burst'), tag], { stdio: ['ignore', 'pipe', 'ignore'] });
      let started = '';
      writer.stdout.on('data', (c) => (started += c));
      await whenTrue(async () => (await contentIs(lastFile, tag)()) && (await contentIs(firstFile, tag)()));
      const done = Date.now();
      await new Promise((r) => (writer.exitCode !== null ? r() : writer.on('exit', r)));
      // Every one of the 1,000 must hold the new content.
      const all = await Promise.all(Array.from({ length: 1000 }, (_, i) => readFile(join(burstDir, `f${i}.txt`), 'utf8')));
      bursts.push(all.every((t) => t === tag) ? done - Number(started) : Number.NaN);
      await sleep(200);
      const batches = watch.events.slice(eventsBefore).filter((e) => e.event.type === 'watch-batch');
      batchesPerBurst.push(batches.length);
      burstBatchMs.push(...batches.map((e) => e.event.elapsedMs));
    }
    log(`bursts: p50 ${ms(pct(bursts, 50))}, p95 ${ms(pct(bursts, 95))}`);
    return { saves, saveBatchMs, bursts, batchesPerBurst, burstBatchMs, loadavgAfterSync: loadavg() };
  } finally {
    await watch.stop();
    await cleanupProject(project);
  }
}

// ---------------------------------------------------------------- 3: idle cost

async function idleCost(root) {
  const project = 'stackbenchwatchidle';
  await cleanupProject(project);
  const dir = join(root, 'idle');
  log(`writing ${FILES} files...`);
  for (let i = 0; i < FILES; i += 100) {
    const sub = join(dir, 'src', `d${i / 100}`);
    await mkdir(sub, { recursive: true });
    await Promise.all(Array.from({ length: Math.min(100, FILES - i) }, (_, j) => writeFile(join(sub, `f${i + j}.js`), `// ${i + j}\n`)));
  }
  await writeFile(join(dir, 'stack.yaml'), stackFile([syncedService('app')]));
  const watch = startWatch(dir, project);
  try {
    const t0 = performance.now();
    await watch.ready();
    const readyMs = performance.now() - t0;
    await sleep(2000);
    // Three windows back to back: the first may still hold the tail of start-up (the catch-up's
    // garbage, chokidar's last directory reads); the last is the steady state.
    const windows = [];
    let a = await processUsage(watch.child.pid);
    for (let w = 0; w < 3; w++) {
      const w0 = performance.now();
      await sleep(IDLE_SECONDS * 1000);
      const b = await processUsage(watch.child.pid);
      windows.push(((b.cpuMs - a.cpuMs) / (performance.now() - w0)) * 100);
      a = b;
    }
    const mode = watch.events.find((e) => e.event.type === 'watch-ready')?.event.mode;
    const result = { files: FILES, mode, readyMs, cpuPercent: windows[windows.length - 1], windows, rssMb: a.rssMb };
    log(`idle: ${windows.map((w) => w.toFixed(2)).join(' → ')} % of a core, ${result.rssMb.toFixed(0)} MB`);
    return result;
  } finally {
    await watch.stop();
    await cleanupProject(project);
  }
}

// ---------------------------------------------------------------- 4: stack-file save vs up -d

async function stackFileEdits(root) {
  const watched = { project: 'stackbenchwatchedit', dir: join(root, 'edit-watch') };
  const byHand = { project: 'stackbenchwatchhand', dir: join(root, 'edit-hand') };
  for (const side of [watched, byHand]) {
    await cleanupProject(side.project);
    await mkdir(join(side.dir, 'src'), { recursive: true });
    await writeFile(join(side.dir, 'src', 'index.html'), 'x');
    await writeFile(join(side.dir, 'stack.yaml'), stackFile([syncedService('app'), plainService('b', 0)]));
  }
  const up = await timedRun(process.execPath, [bin, '-p', byHand.project, 'up', '-d'], { cwd: byHand.dir });
  if (up.code !== 0) throw new Error(up.stderr);
  const watch = startWatch(watched.dir, watched.project);
  const samples = { watch: [], byHand: [] };
  try {
    await watch.ready();
    for (let i = 1; i <= EDITS; i++) {
      for (const side of i % 2 ? [watched, byHand] : [byHand, watched]) {
        await sleep(500);
        const before = (await serviceContainers(side.project)).get('b').id;
        const t0 = performance.now();
        await writeFile(join(side.dir, 'stack.yaml'), stackFile([syncedService('app'), plainService('b', i)]));
        // The same poll for both sides, from the save on: it costs the engine something (a
        // container list every 2 ms), and only polling watch's side while it works, but not the
        // hand-run `up -d`, charged that cost to watch alone.
        const seen = whenTrue(() => running(side.project, 'b', before), 120_000);
        if (side === byHand) {
          const r = await timedRun(process.execPath, [bin, '-p', side.project, 'up', '-d'], { cwd: side.dir });
          if (r.code !== 0) throw new Error(r.stderr);
        }
        const t1 = await seen;
        (side === watched ? samples.watch : samples.byHand).push(t1 - t0);
      }
    }
    const median = (s) => pct(s, 50);
    log(`stack-file save → running: watch ${ms(median(samples.watch))}, up -d by hand ${ms(median(samples.byHand))}`);
    return samples;
  } finally {
    await watch.stop();
    await cleanupProject(watched.project);
    await cleanupProject(byHand.project);
  }
}

// ---------------------------------------------------------------- run

const root = await mkdtemp(join(tmpdir(), 'stack-watch-bench-'));
const results = { date: new Date().toISOString(), cpus: cpus().length, loadavgBefore: loadavg(), image };
try {
  if (ONLY.has('sync')) {
    log('save → readable, and 1,000-file bursts...');
    Object.assign(results, await savesAndBursts(root));
  }
  if (ONLY.has('idle')) {
    log('idle cost...');
    results.idle = await idleCost(root);
  }
  if (ONLY.has('edits')) {
    log('stack-file saves...');
    results.edits = await stackFileEdits(root);
  }
} finally {
  results.loadavgAfter = loadavg();
  await rm(root, { recursive: true, force: true });
}
writeFileSync(OUT, JSON.stringify(results, null, 2));

const row = (name, s, goal) => `| ${name} | ${s.length} | ${ms(pct(s, 50))} | ${ms(pct(s, 95))} | ${ms(Math.max(...s.filter((x) => !Number.isNaN(x))))} | ${goal} |`;
const out = [];
out.push(`stack watch bench, ${results.date}, ${results.cpus} cores, load ${results.loadavgBefore.map((l) => l.toFixed(2)).join(' ')} → ${results.loadavgAfter.map((l) => l.toFixed(2)).join(' ')}`);
out.push('');
out.push('| measure | n | p50 | p95 | max | goal |');
out.push('|---|---:|---:|---:|---:|---|');
if (results.saves) {
  out.push(row('save → readable in the container (one file)', results.saves, 'p50 ≤ 100 ms, p95 ≤ 250 ms'));
  out.push(row("  watch's own batch time (first file event → batch done)", results.saveBatchMs, ''));
  out.push(row('1,000-file burst → all readable', results.bursts, '—'));
  out.push(row("  watch's batches during the bursts", results.burstBatchMs, ''));
}
if (results.edits) {
  out.push(row('stack-file save → changed container running (watch)', results.edits.watch, '≤ 1.1× by hand'));
  out.push(row('the same edit, then `stack up -d` by hand', results.edits.byHand, ''));
}
out.push('');
if (results.edits) out.push(`- watch / by hand (medians): ${(pct(results.edits.watch, 50) / pct(results.edits.byHand, 50)).toFixed(2)}×`);
if (results.saves) out.push(`- batches per burst: ${[...new Set(results.batchesPerBurst)].sort().map((n) => `${n}: ${results.batchesPerBurst.filter((x) => x === n).length}×`).join(', ')}`);
if (results.idle) out.push(`- idle, ${results.idle.files} files synced (${results.idle.mode} file events): ${results.idle.cpuPercent.toFixed(2)} % of a core over the last of three ${IDLE_SECONDS} s windows (${results.idle.windows?.map((w) => w.toFixed(2)).join(' → ') ?? ''}), RSS ${results.idle.rssMb.toFixed(0)} MB, ready (up + catch-up of every file) in ${ms(results.idle.readyMs)}`);
console.log(out.join('\n'));
