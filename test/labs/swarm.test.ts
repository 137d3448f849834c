// The Swarm target on a real 3-node swarm (scripts/swarm-lab: three dockerds in their own
// network namespaces, all managers). One lab for the file; the scenarios run in order on one
// stack, each checking engine state through the nodes' own APIs, never stack's output alone.
//
// This kernel has no IPVS: virtual-IP service names and the ingress routing mesh cannot work
// here, so the stack uses `endpoint_mode: dnsrr` (README, "Swarm").

import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { eventually, fixturesDir, runStack, uniqueProject, type RunResult } from '../helpers/engine.js';
import { labNode, startLab, stopLab, type Lab } from '../helpers/swarm-lab.js';

const project = uniqueProject('swarm');
const dir = mkdtempSync(join(tmpdir(), 'stack-swarm-'));
let lab: Lab | undefined;
let unavailable: string | undefined;

before(() => {
  cpSync(join(fixturesDir, 'swarm'), dir, { recursive: true });
  writeFileSync(join(dir, 'token.txt'), 'token-one');
  const started = startLab();
  if ('unavailable' in started) unavailable = started.unavailable;
  else lab = started.lab;
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  if (lab) stopLab();
});

/** The lab, or a skip that says why there is none (run-tests.mjs then fails the run). */
function labOr(t: TestContext): Lab | undefined {
  if (!lab) t.skip(`skipped: ${unavailable}`);
  return lab;
}

function stack(l: Lab, args: string[], timeoutMs = 240_000): Promise<RunResult> {
  return runStack(['-p', project, '--target', 'swarm', '--progress', 'plain', ...args], { cwd: dir, env: { DOCKER_HOST: l.hosts[0] }, timeoutMs });
}

function editStack(from: string, to: string): void {
  const file = join(dir, 'stack.yaml');
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `stack.yaml has no "${from}"`);
  writeFileSync(file, text.replace(from, to));
}

const manager = (l: Lab): Docker => l.nodes[0]!;

async function services(l: Lab): Promise<Map<string, Docker.Service>> {
  const list = await manager(l).listServices({ filters: { label: [`com.docker.stack.namespace=${project}`] } });
  return new Map(list.map((s) => [s.Spec!.Name!.slice(project.length + 1), s]));
}

async function versions(l: Lab): Promise<Record<string, number>> {
  return Object.fromEntries([...(await services(l))].map(([name, s]) => [name, s.Version!.Index!]));
}

/** Hostnames of the nodes running a service's tasks (desired and current state running). */
async function runningNodes(l: Lab, service: string): Promise<string[]> {
  const nodes = new Map((await manager(l).listNodes()).map((n) => [n.ID, n.Description!.Hostname!]));
  const tasks = (await manager(l).listTasks({ filters: { service: [`${project}_${service}`], 'desired-state': ['running'] } })) as { NodeID: string; Status: { State: string } }[];
  return tasks.filter((t) => t.Status.State === 'running').map((t) => nodes.get(t.NodeID) ?? t.NodeID).sort();
}

/** Runs a command in the first running container of a service on one node. */
async function execOn(node: Docker, service: string, cmd: string[]): Promise<string> {
  const [c] = await node.listContainers({ filters: { label: [`com.docker.swarm.service.name=${project}_${service}`], status: ['running'] } });
  assert.ok(c, `no running container of ${service} on that node`);
  const exec = await node.getContainer(c.Id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
  let out = '';
  stream.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => stream.on('end', r));
  return out.trim();
}

/** GET / of `web` by its service name, from the probe on node1 (busybox wget segfaults in lab tasks: TRAPS; nc works). */
function fetchWeb(l: Lab, path = '/'): Promise<string> {
  return execOn(manager(l), 'probe', ['sh', '-c', `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 2 web 80 | tail -n 1`]);
}

test('up --wait deploys a multi-service stack with web spread over the three nodes', async (t) => {
  const l = labOr(t);
  if (!l) return;
  const r = await stack(l, ['up', '--wait', '--resolve-image', 'never']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\[\+\] web: 3\/3 tasks of the current spec running/);
  assert.deepEqual(await runningNodes(l, 'web'), ['node1', 'node2', 'node3']);
  assert.deepEqual(await runningNodes(l, 'probe'), ['node1']);
});

test('a task on node1 reaches the web replicas on the other nodes by the service name (dnsrr)', async (t) => {
  const l = labOr(t);
  if (!l) return;
  const seen = new Set<string>();
  // Round-robin DNS hands out the replicas in turn: ask until both other nodes answered.
  await eventually(async () => {
    seen.add(await fetchWeb(l));
    assert.ok(seen.has('node2') && seen.has('node3'), `answers so far: ${[...seen].join(', ')}`);
  }, 60_000, 100);
});

test('logs shows each web task\'s output under its slot, web-1 to web-3', async (t) => {
  const l = labOr(t);
  if (!l) return;
  // The engine gathers a service's logs from the tasks on every node: wait until all three wrote.
  await eventually(async () => {
    const r = await stack(l, ['logs', 'web']);
    assert.equal(r.code, 0, r.stderr);
    const slots = [...r.stdout.matchAll(/^web-(\d) +\| ready to serve$/gm)].map((m) => m[1]).sort();
    assert.deepEqual(slots, ['1', '2', '3'], r.stdout);
  }, 60_000, 1000);
});

test('an engine that is not a swarm manager is refused with exit 1 and what to do', async () => {
  // The main engine (DOCKER_HOST as the suite has it) is no swarm; plan only reads.
  const r = await runStack(['-p', project, '--target', 'swarm', 'plan', '--resolve-image', 'never'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /is not part of a swarm/);
  assert.match(r.stderr, /docker swarm init/);
});

test('a redeploy of the unchanged file sends no update: every service keeps its version', async (t) => {
  const l = labOr(t);
  if (!l) return;
  const before = await versions(l);
  const planned = await stack(l, ['plan', '--detailed-exitcode', '--resolve-image', 'never']);
  assert.equal(planned.code, 0, planned.stdout + planned.stderr);
  const r = await stack(l, ['up', '--resolve-image', 'never']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /nothing to do, 2 services up to date/);
  assert.deepEqual(await versions(l), before);
});

test('a one-field change updates exactly that service, and --wait reports its convergence', async (t) => {
  const l = labOr(t);
  if (!l) return;
  const before = await versions(l);
  editStack('LEVEL: info', 'LEVEL: debug');
  const planned = await stack(l, ['plan', '--resolve-image', 'never']);
  assert.equal(planned.stdout, `~ web (update ${project}_web): environment.LEVEL "info" → "debug"\nPlan: 1 to update.\n`);
  const r = await stack(l, ['up', '--wait', '--resolve-image', 'never']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\[\+\] web: 3\/3 tasks of the current spec running, update completed/);
  const after = await versions(l);
  assert.equal(after.probe, before.probe);
  assert.ok(after.web! > before.web!);
  for (const node of l.nodes) assert.match(await execOn(node, 'web', ['sh', '-c', 'echo $LEVEL']), /^debug$/);
});

test('a failing update (a command that exits) is rolled back and reported with exit 1, naming the service', async (t) => {
  const l = labOr(t);
  if (!l) return;
  const good = (await services(l)).get('web')!.Spec!.Labels!['dev.stack.config-hash'];
  const file = join(dir, 'stack.yaml');
  const working = readFileSync(file, 'utf8');
  editStack('command: ["sh", "-c", "mkdir', 'command: ["sh", "-c", "exit 3; mkdir');
  const r = await stack(l, ['up', '--wait', '--resolve-image', 'never']);
  writeFileSync(file, working);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /error: service web: the update failed and (is being|was) rolled back/);
  assert.match(r.stderr, /task error: task: non-zero exit \(3\)/);
  await eventually(async () => {
    const web = (await services(l)).get('web')!;
    assert.equal(web.Spec!.Labels!['dev.stack.config-hash'], good);
    assert.equal((web as { UpdateStatus?: { State?: string } }).UpdateStatus?.State, 'rollback_completed');
  }, 120_000, 500);
  assert.deepEqual(await runningNodes(l, 'web'), ['node1', 'node2', 'node3']);
});

test('a changed secret rotates: a new version under a new name reaches the tasks, the old one is removed', async (t) => {
  const l = labOr(t);
  if (!l) return;
  const secretNames = async () => (await manager(l).listSecrets({ filters: { label: [`com.docker.stack.namespace=${project}`] } })).map((s) => s.Spec!.Name!).sort();
  const [old] = await secretNames();
  writeFileSync(join(dir, 'token.txt'), 'token-two');
  const r = await stack(l, ['up', '--wait', '--resolve-image', 'never']);
  assert.equal(r.code, 0, r.stderr);
  const names = await secretNames();
  assert.equal(names.length, 1);
  assert.notEqual(names[0], old);
  assert.match(names[0]!, new RegExp(`^${project}_token_[0-9a-f]{10}$`));
  assert.equal(await fetchWeb(l, '/token'), 'token-two');
});

test('stopping one node\'s engine moves its replicas to the others, and ps shows where each task is', async (t) => {
  const l = labOr(t);
  if (!l) return;
  // max_replicas_per_node: 1 leaves no room on two nodes for three replicas: allow two.
  editStack('placement: {max_replicas_per_node: 1}', 'placement: {max_replicas_per_node: 2}');
  assert.equal((await stack(l, ['up', '--wait', '--resolve-image', 'never'])).code, 0);
  labNode('stop-node', 3);
  try {
    await eventually(async () => {
      const nodes = await runningNodes(l, 'web');
      assert.equal(nodes.length, 3, nodes.join(','));
      assert.ok(!nodes.includes('node3'), nodes.join(','));
    }, 180_000, 1000);
    const ps = await stack(l, ['ps', '-a', '--format', 'json']);
    assert.equal(ps.code, 0, ps.stderr);
    const rows = JSON.parse(ps.stdout) as { name: string; node: string; desiredState: string; currentState: string }[];
    const running = rows.filter((r) => r.name.startsWith('web.') && r.desiredState === 'running' && r.currentState === 'running');
    assert.equal(running.length, 3);
    assert.ok(running.every((r) => r.node !== 'node3'));
    assert.ok(rows.some((r) => r.name.startsWith('web.') && r.node === 'node3'), `ps -a shows the task that was on node3: ${JSON.stringify(rows)}`);
  } finally {
    labNode('start-node', 3);
  }
});

test('down removes the stack\'s services, secrets and networks, and leaves nothing of it', async (t) => {
  const l = labOr(t);
  if (!l) return;
  const r = await stack(l, ['down']);
  assert.equal(r.code, 0, r.stderr);
  const label = { label: [`com.docker.stack.namespace=${project}`] };
  assert.deepEqual(await manager(l).listServices({ filters: label }), []);
  assert.deepEqual(await manager(l).listSecrets({ filters: label }), []);
  assert.deepEqual(await manager(l).listConfigs({ filters: label }), []);
  assert.deepEqual(await manager(l).listNetworks({ filters: label }), []);
});
