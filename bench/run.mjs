#!/usr/bin/env node
// `npm run bench` (full, about 15 minutes) and `npm run bench:quick` (a smoke run of a few
// minutes): stack side by side with docker-compose 1.29 and the raw engine floor (issue 5).
// Prepares its own inputs, measures min / median / max after a warm-up, alternating the
// tools, and writes bench/RESULTS.md (and the raw samples to bench/results.json).
//
// Options: --quick, --sizes 10,30, --runs 3, --tools stack,docker-compose,floor,
//          --no-api-count, --no-profile, --out <file>, --stack-root <frozen build>
// Benchmarks measure and report; they never assert on time.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Docker from 'dockerode';

import { generateStack } from './lib/generate.mjs';
import { createFloor } from './lib/floor.mjs';
import { cleanupProject, engineFacts, imageExists, serviceContainers, projectObjects } from './lib/engine.mjs';
import { stackTool, composeTool, stackCommands, ensureCompose } from './lib/tools.mjs';
import { timedRun } from './lib/spawn.mjs';
import { startApiCounter } from './lib/api-counter.mjs';
import { summariseProfile } from './lib/profile.mjs';
import { writeReport } from './lib/report.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');
const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const opts = { quick: false, apiCount: true, profile: true, out: join(benchDir, 'RESULTS.md') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--sizes') opts.sizes = value().split(',').map(Number).filter((n) => n > 0); // --sizes 0: none
    else if (a === '--runs') opts.runs = Number(value());
    else if (a === '--tools') opts.tools = value().split(',');
    else if (a === '--no-api-count') opts.apiCount = false;
    else if (a === '--no-profile') opts.profile = false;
    else if (a === '--out') opts.out = value();
    else if (a === '--stack-root') opts.stackRoot = value(); // a frozen build (bench/snapshot.sh)
    else throw new Error(`unknown option ${a}`);
  }
  // Full: N = 10 and 30 with a warm-up cycle and 5 measured ones; N = 100 after them (the
  // engine is warm by then) with 2, which is what fits in ~15 minutes on 2 cores.
  const plan = opts.quick
    ? { sizes: [10], runs: { 10: 2 }, warmups: { 10: 1 }, noopRepeats: 2, startupRuns: 5, configRuns: 2, configSize: 500 }
    : { sizes: [10, 30, 100], runs: { 10: 5, 30: 5, 100: 2 }, warmups: { 10: 1, 30: 1, 100: 0 }, noopRepeats: 3, startupRuns: 10, configRuns: 5, configSize: 500 };
  if (opts.sizes) plan.sizes = opts.sizes;
  for (const n of plan.sizes) {
    plan.runs[n] = opts.runs ?? plan.runs[n] ?? 2;
    plan.warmups[n] ??= 1;
  }
  return { ...opts, plan };
}

// ---------------------------------------------------------------- environment
const envWithCa = { ...process.env };
const envNoCa = { ...process.env };
delete envNoCa.NODE_EXTRA_CA_CERTS;
const caSet = Boolean(process.env.NODE_EXTRA_CA_CERTS);
// stack keeps compiled code and loaded models in ~/.cache/stack (src/boot.cts,
// src/model/model-cache.ts). The "stack" series runs as a user's second run would, caches
// warm; "stack (no cache)" runs with STACK_CACHE=0, every run paying for all of its work.
const envNoCache = { ...process.env, STACK_CACHE: '0' };

async function stackParallelism(stackRoot, ncpu) {
  // The floor runs at stack's own default parallelism, read from the built code so the two
  // never drift apart; the formula is the fallback while that module does not exist.
  try {
    const mod = await import(pathToFileURL(join(stackRoot, 'dist', 'src', 'engine', 'parallelism.js')).href);
    return { value: mod.defaultParallelism({ ncpu }), source: 'dist/src/engine/parallelism.js defaultParallelism' };
  } catch {
    return { value: Math.max(2, Math.min(8, ncpu * 2)), source: 'fallback formula max(2, min(8, 2 × CPUs))' };
  }
}

function gitDescribe(root) {
  // A snapshot made by bench/snapshot.sh names its revision in COMMIT.
  try {
    return `${readFileSync(join(root, 'COMMIT'), 'utf8').trim()} (frozen copy in ${root})`;
  } catch {
    // not a snapshot: the working tree
  }
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin', 'schema', 'scripts'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return dirty ? `${head} (+ uncommitted changes in src/)` : head;
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------- recording
class Recorder {
  constructor() {
    /** @type {Record<string, Record<string, number[]>>} scenario -> series -> samples */
    this.samples = {};
    /** @type {Record<string, Record<string, number[]>>} the same, CPU time (user + system) of the process */
    this.cpu = {};
    /** @type {{ scenario: string, series: string, message: string }[]} */
    this.findings = [];
  }
  /** @param {number | { ms: number, cpuMs?: number }} timing */
  add(scenario, series, timing) {
    const { ms, cpuMs } = typeof timing === 'number' ? { ms: timing } : timing;
    ((this.samples[scenario] ??= {})[series] ??= []).push(ms);
    if (cpuMs !== undefined) ((this.cpu[scenario] ??= {})[series] ??= []).push(cpuMs);
  }
  finding(scenario, series, message) {
    log(`FINDING ${scenario} / ${series}: ${message.split('\n')[0]}`);
    this.findings.push({ scenario, series, message });
  }
}

const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

// ---------------------------------------------------------------- participants
/**
 * One way of doing the lifecycle (stack, docker-compose or the floor), on its own project.
 * Each step returns the milliseconds to record, or throws with what went wrong.
 */
function cliParticipant(tool, project, dir) {
  const file = join(dir, 'compose.yaml');
  const ok = (r, what) => {
    if (r.code !== 0) throw new Error(`${what} exited with ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-8).join(' | ')}`);
    return { ms: r.ms, cpuMs: r.cpuMs };
  };
  return {
    series: tool.name,
    project,
    write: (yaml) => writeFileSync(file, yaml),
    cold: async () => ok(await tool.up(file, project), 'up -d'),
    noop: async (env) => ok(await tool.up(file, project, env), 'up -d (no-op)'),
    change: async () => ok(await tool.up(file, project), 'up -d (changed)'),
    down: async () => ok(await tool.down(file, project), 'down -v'),
  };
}

function floorParticipant(floor, project, parallel) {
  let spec;
  return {
    series: 'floor',
    project,
    write: (_yaml, s) => (spec = s),
    cold: () => floor.up(project, spec, parallel),
    noop: () => floor.noop(project),
    change: () => floor.recreate(project, spec, spec.changedService),
    down: () => floor.down(project, spec, parallel),
  };
}

// State checks, untimed: a run that did not do its work is a finding, not a measurement.
async function expectRunning(project, count) {
  const now = await serviceContainers(project);
  const running = [...now.values()].filter((c) => c.state === 'running').length;
  if (now.size !== count || running !== count) throw new Error(`expected ${count} running containers, found ${now.size} (${running} running)`);
  return now;
}
async function expectOnlyChanged(project, before, changed) {
  const now = await expectRunning(project, before.size);
  const replaced = [...now].filter(([svc, c]) => before.get(svc)?.id !== c.id).map(([svc]) => svc);
  const expected = changed === undefined ? [] : [changed];
  if (replaced.join() !== expected.join()) {
    throw new Error(`expected ${expected.length ? `only ${changed}` : 'no container'} to be recreated, recreated: ${replaced.join(', ') || 'none'}`);
  }
  return now;
}
async function expectEmpty(project) {
  const { containers, networks, volumes } = await projectObjects(project);
  if (containers.length + networks.length + volumes.length > 0) {
    throw new Error(`left behind ${containers.length} containers, ${networks.length} networks, ${volumes.length} volumes`);
  }
}

// ---------------------------------------------------------------- scenarios
async function measureStartup(rec, plan, tools) {
  log(`start-up: ${plan.startupRuns} runs after 2 warm-ups`);
  const steps = [
    ['node -e 0', () => timedRun(process.execPath, ['-e', '0'], { env: envWithCa })],
    ['node -e 0 (no CA)', () => timedRun(process.execPath, ['-e', '0'], { env: envNoCa })],
  ];
  if (tools.stack) {
    steps.push(['stack', () => tools.stack.version(envWithCa)], ['stack (no CA)', () => tools.stack.version(envNoCa)]);
  }
  if (tools.compose) steps.push(['docker-compose', () => tools.compose.version(envWithCa)]);
  for (let i = 0; i < plan.startupRuns + 2; i++) {
    for (const [series, run] of rotate(steps, i)) {
      const r = await run();
      if (r.code !== 0) rec.finding('startup', series, `exited with ${r.code}: ${r.stderr.trim()}`);
      else if (i >= 2) rec.add('startup', series, r);
    }
  }
}

async function measureConfig(rec, plan, tools, workDir) {
  const dir = join(workDir, `config${plan.configSize}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, generateStack(plan.configSize).yaml);
  const scenario = `config (${plan.configSize} services)`;
  const entries = [
    ...(tools.stack ? [['stack', tools.stack, envWithCa], ['stack (no cache)', tools.stack, envNoCache]] : []),
    ...(tools.compose ? [['docker-compose', tools.compose, envWithCa]] : []),
  ];
  log(`${scenario}: ${plan.configRuns} runs after 1 warm-up`);
  for (let i = 0; i < plan.configRuns + 1; i++) {
    for (const [series, tool, env] of rotate(entries, i)) {
      const r = await tool.config(file, 'stackbenchconfig', env);
      if (r.code !== 0) {
        rec.finding(scenario, series, `exited with ${r.code}: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
      } else if (i >= 1) rec.add(scenario, series, r);
    }
  }
}

/** The lifecycle of N services: cold up, no-op up, one changed service, down -v. */
async function measureLifecycle(rec, plan, n, participants, state) {
  const label = (s) => `${s} (N=${n})`;
  const total = plan.warmups[n] + plan.runs[n];
  for (const p of participants) await cleanupProject(p.project);
  for (let iteration = 0; iteration < total; iteration++) {
    const measured = iteration >= plan.warmups[n];
    log(`N=${n}: ${measured ? `run ${iteration - plan.warmups[n] + 1}/${plan.runs[n]}` : 'warm-up'}`);
    const order = rotate(participants, iteration);
    const broken = new Set();
    const containers = new Map();
    const step = async (p, scenario, series, fn) => {
      if (broken.has(p)) return;
      try {
        const timing = await fn();
        if (measured) rec.add(label(scenario), series, timing);
      } catch (e) {
        rec.finding(label(scenario), series, e.message);
        broken.add(p);
        await cleanupProject(p.project);
      }
    };

    const { yaml, spec } = generateStack(n, { revision: state.revision });
    for (const p of order) {
      p.write(yaml, spec);
      await step(p, 'cold up -d', p.series, async () => {
        const timing = await p.cold();
        containers.set(p, await expectRunning(p.project, n));
        return timing;
      });
    }
    for (let k = 0; k < plan.noopRepeats; k++) {
      for (const p of rotate(order, k)) {
        await step(p, 'no-op up -d', p.series, async () => {
          const timing = await p.noop(envWithCa);
          await expectOnlyChanged(p.project, containers.get(p), undefined);
          return timing;
        });
        if (p.series === 'stack') {
          await step(p, 'no-op up -d', 'stack (no cache)', async () => {
            const timing = await p.noop(envNoCache);
            await expectOnlyChanged(p.project, containers.get(p), undefined);
            return timing;
          });
        }
        // stack is a Node program: also without NODE_EXTRA_CA_CERTS, next to node -e 0.
        if (p.series === 'stack' && caSet) {
          await step(p, 'no-op up -d', 'stack (no CA)', async () => {
            const timing = await p.noop(envNoCa);
            await expectOnlyChanged(p.project, containers.get(p), undefined);
            return timing;
          });
        }
      }
      // Node's own start-up in the same minute, for the "within 80 ms of node -e 0" target.
      const node = await timedRun(process.execPath, ['-e', '0'], { env: envWithCa });
      const nodeNoCa = await timedRun(process.execPath, ['-e', '0'], { env: envNoCa });
      if (measured) {
        rec.add(label('no-op up -d'), 'node -e 0', node);
        rec.add(label('no-op up -d'), 'node -e 0 (no CA)', nodeNoCa);
      }
    }

    const changed = generateStack(n, { revision: state.revision + 1 });
    state.revision += 1;
    for (const p of order) {
      p.write(changed.yaml, changed.spec);
      await step(p, 'one service changed', p.series, async () => {
        const timing = await p.change();
        await expectOnlyChanged(p.project, containers.get(p), spec.changedService);
        return timing;
      });
    }
    for (const p of order) {
      await step(p, 'down -v', p.series, async () => {
        const timing = await p.down();
        await expectEmpty(p.project);
        return timing;
      });
    }
    broken.clear();
  }
  for (const p of participants) await cleanupProject(p.project);
}

// ---------------------------------------------------------------- diagnostics
/** One untimed lifecycle through the API-call counter: how many engine calls each step makes. */
async function countApiCalls(n, tools, parallel, workDir) {
  const counter = await startApiCounter(join(workDir, 'engine-proxy.sock'));
  const env = { ...process.env, DOCKER_HOST: counter.dockerHost };
  const floor = createFloor(new Docker({ socketPath: counter.dockerHost.slice('unix://'.length) }));
  const rows = {};
  const { yaml, spec } = generateStack(n, { revision: 1 });
  const changed = generateStack(n, { revision: 2 });
  const contenders = [];
  for (const [series, tool] of [['stack', tools.stack], ['docker-compose', tools.compose]]) {
    if (!tool) continue;
    const dir = join(workDir, `api-${series}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'compose.yaml');
    const project = `stackbenchapi${series === 'stack' ? 'stack' : 'compose'}`;
    contenders.push({
      series, project,
      steps: [
        ['cold up -d', () => (writeFileSync(file, yaml), tool.up(file, project, env))],
        ['no-op up -d', () => tool.up(file, project, env)],
        ['one service changed', () => (writeFileSync(file, changed.yaml), tool.up(file, project, env))],
        ['down -v', () => tool.down(file, project, env)],
      ],
    });
  }
  const project = 'stackbenchapifloor';
  contenders.push({
    series: 'floor', project,
    steps: [
      ['cold up -d', () => floor.up(project, spec, parallel)],
      ['no-op up -d', () => floor.noop(project)],
      ['one service changed', () => floor.recreate(project, changed.spec, spec.changedService)],
      ['down -v', () => floor.down(project, changed.spec, parallel)],
    ],
  });
  try {
    for (const c of contenders) {
      await cleanupProject(c.project);
      for (const [scenario, run] of c.steps) {
        counter.take();
        const r = await run();
        const counts = counter.take();
        const failed = typeof r === 'object' && r.code !== 0;
        (rows[scenario] ??= {})[c.series] = { counts: Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])), failed };
        if (failed) break;
      }
      await cleanupProject(c.project);
    }
  } finally {
    await counter.close();
  }
  return rows;
}

/** CPU profiles of stack's start-up-bound commands: where the milliseconds go. */
async function profileStack(tools, n, configFileSize, workDir) {
  const profDir = join(workDir, 'profiles');
  const out = {};
  const dir = join(workDir, 'profile');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'compose.yaml');
  const project = 'stackbenchprofile';
  const profiled = async (name, args) => {
    const target = join(profDir, name);
    mkdirSync(target, { recursive: true });
    const r = await timedRun(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${target}`, tools.stack.bin, ...args], { cwd: workDir, env: envWithCa });
    const files = readdirSync(target).filter((f) => f.endsWith('.cpuprofile'));
    out[name] = { wallMs: r.ms, code: r.code, ...(files.length ? summariseProfile(join(target, files[0])) : {}) };
  };
  await profiled('stack --version', ['--version']);
  const cfgDir = join(workDir, `config${configFileSize}`);
  if (tools.stackConfig) await profiled(`stack config -q (${configFileSize} services)`, ['-f', join(cfgDir, 'compose.yaml'), '-p', 'stackbenchconfig', 'config', '-q']);
  if (tools.stackLifecycle) {
    await cleanupProject(project);
    writeFileSync(file, generateStack(n, { revision: 1 }).yaml);
    const up = await tools.stack.up(file, project);
    if (up.code === 0) {
      await profiled(`stack up -d, no-op (N=${n})`, ['-f', file, '-p', project, 'up', '-d']);
      writeFileSync(file, generateStack(n, { revision: 2 }).yaml);
      await profiled(`stack up -d, one service changed (N=${n})`, ['-f', file, '-p', project, 'up', '-d']);
    }
    await cleanupProject(project);
  }
  return out;
}

// ---------------------------------------------------------------- main
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { plan } = opts;
  const startedAt = new Date();
  const t0 = performance.now();
  const loadBefore = loadavg();

  // Inputs the bench prepares itself: the engine, the test image, docker-compose.
  try {
    await engineFacts();
  } catch {
    log('engine unreachable: running scripts/engine-up');
    execFileSync('bash', [join(repoRoot, 'scripts', 'engine-up')], { stdio: 'inherit' });
  }
  const image = generateStack(1).spec.image;
  if (!(await imageExists(image))) execFileSync('bash', [join(repoRoot, 'scripts', 'test-image')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const engine = await engineFacts();
  const stackRoot = opts.stackRoot ?? repoRoot;
  // What was built and is measured: the tree may change while a long run goes on.
  const commit = gitDescribe(stackRoot);
  const parallel = await stackParallelism(stackRoot, engine.ncpu);

  const want = new Set(opts.tools ?? ['stack', 'docker-compose', 'floor']);
  const notes = [];
  const compose = want.has('docker-compose') ? ensureCompose(log) : { reason: 'not selected (--tools)' };
  if (!compose.version) notes.push(`docker-compose not measured: ${compose.reason}`);
  const cmds = stackCommands(stackRoot);
  const stackReady = { startup: cmds.built, config: cmds.commands.has('config'), lifecycle: cmds.commands.has('up') && cmds.commands.has('down') };
  if (!want.has('stack')) notes.push('stack not measured: not selected (--tools)');
  else if (!cmds.built) notes.push('stack not measured: not built (run `npm run build`)');
  else {
    if (!stackReady.config) notes.push('stack `config` not measured: the built CLI has no `config` command yet');
    if (!stackReady.lifecycle) notes.push('stack `up`/`down` not measured: the built CLI has no `up` and `down` commands yet');
  }
  const stack = want.has('stack') && cmds.built ? stackTool(stackRoot) : undefined;
  const tools = { stack, compose: compose.version ? composeTool() : undefined, stackLifecycle: stack && stackReady.lifecycle, stackConfig: stack && stackReady.config };

  const workDir = mkdtempSync(join(tmpdir(), 'stack-bench-'));
  const rec = new Recorder();
  const state = { revision: 1 };
  let apiCalls;
  let profiles;
  const projects = [];
  const cleanupAll = async () => {
    for (const p of projects) await cleanupProject(p).catch(() => undefined);
  };
  process.once('SIGINT', () => {
    log('interrupted: removing the bench projects');
    cleanupAll().finally(() => process.exit(130));
  });
  try {
    await measureStartup(rec, plan, tools);
    await measureConfig(rec, plan, { stack: stackReady.config ? stack : undefined, compose: tools.compose }, workDir);
    for (const n of plan.sizes) {
      const participants = [];
      const dirFor = (name) => {
        const d = join(workDir, `${name}-n${n}`);
        mkdirSync(d, { recursive: true });
        return d;
      };
      if (tools.stackLifecycle) participants.push(cliParticipant(stack, `stackbenchstack${n}`, dirFor('stack')));
      if (tools.compose) participants.push(cliParticipant(tools.compose, `stackbenchcompose${n}`, dirFor('compose')));
      if (want.has('floor')) participants.push(floorParticipant(createFloor(), `stackbenchfloor${n}`, parallel.value));
      projects.push(...participants.map((p) => p.project));
      await measureLifecycle(rec, plan, n, participants, state);
    }
    const countN = plan.sizes.includes(30) ? 30 : (plan.sizes[plan.sizes.length - 1] ?? 10);
    if (opts.apiCount && plan.sizes.length) {
      log(`counting engine API calls (N=${countN}, one untimed lifecycle each)`);
      projects.push('stackbenchapistack', 'stackbenchapicompose', 'stackbenchapifloor');
      apiCalls = { n: countN, rows: await countApiCalls(countN, { stack: tools.stackLifecycle ? stack : undefined, compose: tools.compose }, parallel.value, workDir) };
    }
    if (opts.profile && stack) {
      log('profiling stack (node --cpu-prof)');
      projects.push('stackbenchprofile');
      profiles = await profileStack(tools, countN, plan.configSize, workDir);
    }
  } finally {
    await cleanupAll();
    rmSync(workDir, { recursive: true, force: true });
  }

  const meta = {
    date: startedAt.toISOString(),
    durationS: (performance.now() - t0) / 1000,
    mode: opts.quick ? 'quick' : 'full',
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memGiB: totalmem() / 2 ** 30,
    loadBefore,
    loadAfter: loadavg(),
    engine,
    node: process.version,
    caSet,
    compose: compose.version,
    stackVersion: JSON.parse(readFileSync(join(stackRoot, 'package.json'), 'utf8')).version,
    commit,
    parallel,
    plan,
    notes,
  };
  // The raw samples go next to the report: bench/results.json for bench/RESULTS.md.
  writeFileSync(opts.out.replace(/(RESULTS)?\.md$/i, (_m, r) => (r ? 'results.json' : '.json')), JSON.stringify({ meta, samples: rec.samples, cpu: rec.cpu, findings: rec.findings, apiCalls, profiles }, null, 2) + '\n');
  writeReport(opts.out, { meta, samples: rec.samples, cpu: rec.cpu, findings: rec.findings, apiCalls, profiles });
  log(`done in ${meta.durationS.toFixed(0)} s: ${opts.out}`);
}

main().catch((e) => {
  log(e.stack ?? String(e));
  process.exitCode = 1;
});
