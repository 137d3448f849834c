#!/usr/bin/env node
// Micro-bench of build contexts (src/image/): hashing unchanged contexts with a warm stat
// cache, the syscall floor under it, a cold hash, and the tar of a context whose 20,000-file
// node_modules is ignored, against `DOCKER_BUILDKIT=0 docker build` of the same context.
// Measures and prints; asserts nothing. Needs `npm run build` first (it imports dist/).
//
//   node bench/context-hash.mjs [--contexts 10] [--files 5000] [--runs 15] [--no-engine]
//
// Timings alternate between the variants, run by run, so that a machine shared with other
// work slows them alike; the median and the minimum are printed, wall clock and CPU time
// (user + system) of this process. The engine part creates images tagged
// stack-bench-context:<pid>-* and removes them.

import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    contexts: { type: 'string', default: '10' },
    files: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '15' },
    'no-engine': { type: 'boolean', default: false },
  },
});
const CONTEXTS = Number(opts.contexts);
const FILES = Number(opts.files);
const RUNS = Number(opts.runs);
const dist = new URL('../dist/src/image/', import.meta.url);
const { hashContextSync, ContextHashSession } = await import(new URL('context-hash.js', dist).href);
const { createContextTar } = await import(new URL('context-tar.js', dist).href);

const root = mkdtempSync(join(tmpdir(), 'stack-bench-ctx-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** When the files were "written": an hour ago, so that the stat cache trusts them (RACY_MS). */
const WRITTEN = new Date(Date.now() - 3600_000);
function write(path, content) {
  writeFileSync(path, content);
  utimesSync(path, WRITTEN, WRITTEN);
}

/** A context of `files` files, 100 per directory, with a Dockerfile and an ignore file. */
function makeContext(dir, files, extra = {}) {
  const perDir = 100;
  for (let d = 0; d * perDir < files; d++) {
    const sub = join(dir, 'src', `d${String(d).padStart(3, '0')}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < perDir && d * perDir + f < files; f++) write(join(sub, `f${f}.txt`), `file ${d}/${f}\n`.repeat(8));
  }
  write(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /ctx/\n');
  write(join(dir, '.dockerignore'), 'node_modules\n*.log\n');
  for (const [rel, content] of Object.entries(extra)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    write(join(dir, rel), content);
  }
  return dir;
}

function stats(samples) {
  const xs = [...samples].sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], min: xs[0] };
}

/** Runs every variant once per round, `runs` rounds; returns wall and CPU samples per variant. */
async function alternate(variants, runs) {
  const out = Object.fromEntries(Object.keys(variants).map((k) => [k, { wall: [], cpu: [] }]));
  for (let r = 0; r < runs; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      out[name].wall.push(wall);
      out[name].cpu.push((cpu.user + cpu.system) / 1000);
    }
  }
  return out;
}

function print(title, results, notes = {}) {
  console.log(`\n${title}`);
  console.log(`${'variant'.padEnd(44)} ${'wall median'.padStart(12)} ${'wall min'.padStart(9)} ${'cpu median'.padStart(11)}`);
  for (const [name, r] of Object.entries(results)) {
    const w = stats(r.wall);
    const c = stats(r.cpu);
    console.log(`${name.padEnd(44)} ${w.median.toFixed(1).padStart(10)}ms ${w.min.toFixed(1).padStart(7)}ms ${c.median.toFixed(1).padStart(9)}ms ${notes[name] ?? ''}`);
  }
}

// --- the syscall floor: readdir + lstat of every file, as the walk must ---------------------
function floorSync(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) floorSync(p);
    else lstatSync(p);
  }
}
async function floorAsync(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  await Promise.all(entries.map((e) => (e.isDirectory() ? floorAsync(`${dir}/${e.name}`) : lstat(`${dir}/${e.name}`))));
}

console.log(`build-context bench: ${CONTEXTS} contexts × ${FILES} files, ${RUNS} runs; node ${process.version}; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const contexts = [];
for (let i = 0; i < CONTEXTS; i++) contexts.push(makeContext(join(root, `ctx${i}`), FILES, { 'node_modules/x/index.js': 'x', 'debug.log': 'l' }));
const warmCache = join(root, 'cache-warm');
for (const dir of contexts) hashContextSync({ contextDir: dir }, { cacheDir: warmCache });
let coldRound = 0;

const hashing = await alternate(
  {
    'floor: readdir + lstatSync of every file': () => contexts.forEach(floorSync),
    'floor: readdir + lstat through promises': () => Promise.all(contexts.map(floorAsync)),
    'hashContextSync, stat cache warm': () => contexts.forEach((dir) => hashContextSync({ contextDir: dir }, { cacheDir: warmCache })),
    'hashContextSync, 10 services on one context': () => {
      const session = new ContextHashSession();
      for (let i = 0; i < CONTEXTS; i++) hashContextSync({ contextDir: contexts[0], args: { N: String(i) } }, { cacheDir: warmCache, session });
    },
    'hashContextSync, cold (no stat cache)': () => contexts.forEach((dir) => hashContextSync({ contextDir: dir }, { cacheDir: join(root, `cache-cold-${coldRound++}`) })),
  },
  RUNS,
);
print(`hashing ${CONTEXTS} × ${FILES} files`, hashing);

// --- the tar of a context with a 20,000-file ignored folder ---------------------------------
const big = join(root, 'ignored-node-modules');
makeContext(big, 200);
for (let p = 0; p < 200; p++) {
  const dir = join(big, 'node_modules', `pkg${p}`, 'lib');
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < 100; f++) writeFileSync(join(dir, `m${f}.js`), 'module.exports = 1;\n');
}

async function ourTarToNull() {
  const tar = createContextTar({ contextDir: big });
  tar.stream.resume();
  return tar.done;
}

const socket = '/var/run/docker.sock';
const engine = !opts['no-engine'] && (() => {
  try {
    return lstatSync(socket).isSocket();
  } catch {
    return false;
  }
})();

function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${out}`))));
  });
}

/** POST /build of our tar to the engine (what the gateway will do), waiting for the build to end. */
function ourBuild(tag) {
  return new Promise((resolve, reject) => {
    const tar = createContextTar({ contextDir: big });
    const query = new URLSearchParams({ t: tag, dockerfile: tar.dockerfileName, rm: '1', q: '1' });
    const req = request({ socketPath: socket, method: 'POST', path: `/v1.41/build?${query}`, headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 && !body.includes('"error"') ? resolve(body) : reject(new Error(body))));
    });
    req.on('error', reject);
    tar.stream.pipe(req);
  });
}

const tags = [];
let n = 0;
const tarVariants = { 'createContextTar to a null sink': ourTarToNull };
if (engine) {
  tarVariants['our tar, POST /build (classic builder)'] = () => {
    const tag = `stack-bench-context:${process.pid}-ours-${n++}`;
    tags.push(tag);
    return ourBuild(tag);
  };
  tarVariants['DOCKER_BUILDKIT=0 docker build'] = () => {
    const tag = `stack-bench-context:${process.pid}-cli-${n++}`;
    tags.push(tag);
    return run('docker', ['build', '-q', '-t', tag, big], { DOCKER_BUILDKIT: '0' });
  };
}
const summary = await ourTarToNull();
const tarring = await alternate(tarVariants, RUNS);
print(`tar of a context of 200 files + a 20,000-file node_modules that .dockerignore excludes (tar: ${summary.files} files, ${(summary.bytes / 1024).toFixed(0)} KiB)`, tarring);
if (engine) {
  const ours = stats(tarring['our tar, POST /build (classic builder)'].wall).median;
  const cli = stats(tarring['DOCKER_BUILDKIT=0 docker build'].wall).median;
  console.log(`our build / docker build (medians): ${(ours / cli).toFixed(2)}×`);
  for (let i = 0; i < tags.length; i += 50) await run('docker', ['rmi', '-f', ...tags.slice(i, i + 50)]).catch(() => undefined);
} else {
  console.log('(no engine at /var/run/docker.sock, or --no-engine: builds not measured)');
}
