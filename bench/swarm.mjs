#!/usr/bin/env node
// stack against `docker stack deploy` on the real 3-node lab (scripts/swarm-lab, root only):
//   1. deploy of an N-service stack (default 10) until every task runs: `stack up --wait`
//      from spawn to exit, against `docker stack deploy` from spawn until a poll (every
//      500 ms, stack's own poll interval, in this process: no CLI start per poll) sees every
//      service's replicas running. Fresh project names each round; the tools alternate.
//      Also shown: when the last service was created and when the bench's own poll saw every
//      task running, both from the spawn, for both tools (where the time goes). One untimed
//      round of each tool comes first (the fresh lab's first deploy is slower).
//   2. a no-op redeploy of the same file: wall time, and how many services' version index
//      moved (an update sent), read from the manager before and after.
//
//   node bench/swarm.mjs [--services 10] [--runs 3] [--stack-root <dir>]
//
// The lab is started here and taken down at the end, whatever happens. Prints a Markdown
// table; asserts nothing about time. Both tools deploy images as written (no registry here):
// `--resolve-image never`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { timedRun } from './lib/spawn.mjs';
import { summary, fmtMs, fmtRatio } from './lib/stats.mjs';

const repo = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { services: { type: 'string', default: '10' }, runs: { type: 'string', default: '3' }, 'stack-root': { type: 'string', default: repo } } });
const services = Number(values.services);
const runs = Number(values.runs);
const stackBin = join(values['stack-root'], 'bin', 'stack.js');
const image = process.env.STACK_TEST_IMAGE ?? 'stack-test/busybox:1';
const NAMESPACE = 'com.docker.stack.namespace';

/** N services of one replica each on one overlay network, found by dnsrr (no IPVS here). */
function stackFile(n) {
  let yaml = 'services:\n';
  for (let i = 1; i <= n; i++) {
    yaml += `  s${i}:\n    image: ${image}\n    command: ["sleep", "1000000"]\n    init: true\n    stop_grace_period: 1s\n    networks: [net]\n    deploy: {replicas: 1, endpoint_mode: dnsrr}\n`;
  }
  return yaml + 'networks:\n  net: {driver: overlay}\n';
}

function lab(command) {
  const r = spawnSync('bash', [join(repo, 'scripts', 'swarm-lab'), command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/swarm-lab ${command} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

const dir = mkdtempSync(join(tmpdir(), 'stack-bench-swarm-'));
const file = join(dir, 'stack.yaml');
writeFileSync(file, stackFile(services));
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_EXTRA_CA_CERTS; // adds ~50 ms to every Node start here

let host;
let manager;

async function must(label, promise) {
  const r = await promise;
  if (r.code !== 0) throw new Error(`${label} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r;
}
const stack = (project, args) => must(`stack ${args.join(' ')}`, timedRun(process.execPath, [stackBin, '-f', file, '-p', project, '--target', 'swarm', ...args], { env: { ...env, DOCKER_HOST: host } }));
const dockerStack = (args) => must(`docker stack ${args.join(' ')}`, timedRun('docker', ['-H', host, 'stack', ...args], { env }));

async function projectServices(project) {
  return manager.listServices({ filters: { label: [`${NAMESPACE}=${project}`] } });
}

/** True when every service of the project has all its replicas running (desired and current). */
async function allRunning(project) {
  const list = await projectServices(project);
  if (list.length !== services) return false;
  const tasks = await manager.listTasks({ filters: { label: [`${NAMESPACE}=${project}`], 'desired-state': ['running'] } });
  const running = new Map();
  for (const t of tasks) if (t.Status?.State === 'running') running.set(t.ServiceID, (running.get(t.ServiceID) ?? 0) + 1);
  return list.every((s) => (running.get(s.ID) ?? 0) >= (s.Spec?.Mode?.Replicated?.Replicas ?? 1));
}

async function until(check, what, timeoutMs = 300_000, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function versions(project) {
  return new Map((await projectServices(project)).map((s) => [s.Spec.Name, s.Version.Index]));
}
const moved = (a, b) => [...b].filter(([name, v]) => a.get(name) !== v).length;

/** Removes a project's services and networks and waits until the manager shows none of them. */
async function removeProject(tool, project) {
  if (tool === 'stack') await stack(project, ['down']);
  else await dockerStack(['rm', project]);
  await until(async () => (await projectServices(project)).length === 0 && (await manager.listNetworks({ filters: { label: [`${NAMESPACE}=${project}`] } })).length === 0, `${project} to go`);
  // Task containers stop after their service is gone: let the nodes settle before the next round.
  await until(async () => (await manager.listTasks({ filters: { label: [`${NAMESPACE}=${project}`] } })).length === 0, `${project}'s tasks to go`);
}

/**
 * Where a deploy's time went, the same way for both tools: when the last service was created
 * (the manager's CreatedAt; same machine, same clock) and when this process's poll first saw
 * every task running, both from the spawn.
 */
async function breakdown(project, t0Wall) {
  const list = await projectServices(project);
  const lastCreate = Math.max(...list.map((s) => Date.parse(s.CreatedAt)));
  return { createdBy: lastCreate - t0Wall };
}

async function deployStack(project) {
  const t0Wall = Date.now();
  const t0 = performance.now();
  let seen;
  const watching = until(() => allRunning(project), `${project} to run`).then(() => (seen = performance.now() - t0));
  const r = await stack(project, ['up', '--wait', '--resolve-image', 'never']);
  if (!(await allRunning(project))) throw new Error('stack up --wait returned before every task ran');
  await watching;
  return { ms: r.ms, seen, ...(await breakdown(project, t0Wall)) };
}

async function deployDocker(project) {
  const t0Wall = Date.now();
  const t0 = performance.now();
  await dockerStack(['deploy', '--resolve-image', 'never', '-c', file, project]);
  await until(() => allRunning(project), `${project} to run`);
  const ms = performance.now() - t0;
  return { ms, seen: ms, ...(await breakdown(project, t0Wall)) };
}

async function noop(tool, project) {
  const before = await versions(project);
  const r = tool === 'stack' ? await stack(project, ['up', '--resolve-image', 'never']) : await dockerStack(['deploy', '--resolve-image', 'never', '-c', file, project]);
  return { ms: r.ms, updated: moved(before, await versions(project)) };
}

const samples = { stack: { deploy: [], seen: [], createdBy: [], noop: [], updated: [] }, docker: { deploy: [], seen: [], createdBy: [], noop: [], updated: [] } };
try {
  host = /^STACK_SWARM_HOST_1=(.+)$/m.exec(lab('up'))[1];
  manager = new Docker({ socketPath: host.replace(/^unix:\/\//, '') });
  // One untimed round first: the first deploy on a fresh lab pays for the nodes' first overlay
  // network setup (measured ~2.5 s more), and whichever tool went first would pay it.
  for (const tool of ['stack', 'docker']) {
    if (tool === 'stack') await deployStack('warmstack');
    else await deployDocker('warmdocker');
    await removeProject(tool, `warm${tool}`);
  }
  for (let i = 0; i < runs; i++) {
    for (const tool of i % 2 === 0 ? ['stack', 'docker'] : ['docker', 'stack']) {
      const project = `bench${tool}${i}`;
      const d = tool === 'stack' ? await deployStack(project) : await deployDocker(project);
      samples[tool].deploy.push(d.ms);
      samples[tool].seen.push(d.seen);
      samples[tool].createdBy.push(d.createdBy);
      const n = await noop(tool, project);
      samples[tool].noop.push(n.ms);
      samples[tool].updated.push(n.updated);
      await removeProject(tool, project);
    }
  }
  const s = { deploy: summary(samples.stack.deploy), seen: summary(samples.stack.seen), createdBy: summary(samples.stack.createdBy), noop: summary(samples.stack.noop) };
  const d = { deploy: summary(samples.docker.deploy), seen: summary(samples.docker.seen), createdBy: summary(samples.docker.createdBy), noop: summary(samples.docker.noop) };
  console.log(`Swarm lab (3 managers, one machine), ${services} services x 1 replica, ${runs} runs each, alternating; medians (min-max)\n`);
  console.log('| step | stack | docker stack deploy | stack / docker |');
  console.log('|---|---|---|---|');
  console.log(`| deploy until every task runs | ${fmtMs(s.deploy.median)} (${fmtMs(s.deploy.min)}-${fmtMs(s.deploy.max)}) | ${fmtMs(d.deploy.median)} (${fmtMs(d.deploy.min)}-${fmtMs(d.deploy.max)}) | ${fmtRatio(s.deploy.median, d.deploy.median)} |`);
  console.log(`| (deploy) last service created, from the spawn | ${fmtMs(s.createdBy.median)} (${fmtMs(s.createdBy.min)}-${fmtMs(s.createdBy.max)}) | ${fmtMs(d.createdBy.median)} (${fmtMs(d.createdBy.min)}-${fmtMs(d.createdBy.max)}) | |`);
  console.log(`| (deploy) every task running, seen by the bench's poll | ${fmtMs(s.seen.median)} (${fmtMs(s.seen.min)}-${fmtMs(s.seen.max)}) | ${fmtMs(d.seen.median)} (${fmtMs(d.seen.min)}-${fmtMs(d.seen.max)}) | ${fmtRatio(s.seen.median, d.seen.median)} |`);
  console.log(`| no-op redeploy, wall | ${fmtMs(s.noop.median)} (${fmtMs(s.noop.min)}-${fmtMs(s.noop.max)}) | ${fmtMs(d.noop.median)} (${fmtMs(d.noop.min)}-${fmtMs(d.noop.max)}) | ${fmtRatio(s.noop.median, d.noop.median)} |`);
  console.log(`| no-op redeploy, services updated | ${samples.stack.updated.join(', ')} of ${services} | ${samples.docker.updated.join(', ')} of ${services} | |`);
} finally {
  try {
    lab('down');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
