// Dependency waits on the real engine, through the executor and the real gateway: one plan
// with five independent branches (healthy, unhealthy, exit 0, exit 3, never healthy), each
// followed by a dependent create. Engine state is checked with dockerode directly.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openGateway } from '../../src/engine/connect.js';
import type { EngineGateway } from '../../src/engine/gateway.js';
import { execute, type ExecutionResult, type OperationOutcome } from '../../src/engine/executor.js';
import type { Operation, Plan } from '../../src/planner/types.js';
import { SensitiveValues } from '../../src/planner/redact.js';
import type { DependencyCondition } from '../../src/model/types.js';
import { OperationError } from '../../src/errors.js';
import { cleanupProject, docker, testImage, uniqueProject } from '../helpers/engine.js';

const projectName = uniqueProject('waits');
const ms = 1_000_000; // Docker healthcheck durations are nanoseconds

interface Branch {
  readonly service: string;
  readonly cmd: string[];
  readonly healthcheck?: { Test: string[]; Interval: number; Timeout: number; Retries: number };
  readonly condition: DependencyCondition;
  readonly timeoutMs: number;
}

const branches: Branch[] = [
  {
    service: 'healthy',
    cmd: ['sh', '-c', 'sleep 1; touch /tmp/ready; exec sleep 120'],
    healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/ready'], Interval: 250 * ms, Timeout: 2000 * ms, Retries: 20 },
    condition: 'service_healthy',
    timeoutMs: 60_000,
  },
  {
    service: 'unhealthy',
    cmd: ['sleep', '120'],
    healthcheck: { Test: ['CMD', 'false'], Interval: 250 * ms, Timeout: 2000 * ms, Retries: 2 },
    condition: 'service_healthy',
    timeoutMs: 60_000,
  },
  { service: 'exitzero', cmd: ['sh', '-c', 'sleep 1; exit 0'], condition: 'service_completed_successfully', timeoutMs: 60_000 },
  { service: 'exitthree', cmd: ['sh', '-c', 'sleep 1; exit 3'], condition: 'service_completed_successfully', timeoutMs: 60_000 },
  {
    service: 'slow',
    cmd: ['sleep', '120'],
    healthcheck: { Test: ['CMD', 'false'], Interval: 250 * ms, Timeout: 2000 * ms, Retries: 1000 },
    condition: 'service_healthy',
    timeoutMs: 2_000,
  },
];

function name(service: string): string {
  return `${projectName}-${service}-1`;
}

function branchOps(b: Branch): Operation[] {
  const container = { name: name(b.service), service: b.service, number: 1 };
  const dependent = { name: name(`${b.service}dep`), service: `${b.service}dep`, number: 1 };
  const labels = { 'com.docker.compose.project': projectName, 'com.docker.compose.service': b.service };
  const cause = { kind: 'missing', text: 'no container' } as const;
  return [
    {
      id: `create ${container.name}`,
      kind: 'container.create',
      after: [],
      cause,
      service: b.service,
      container,
      // init: true so that `sleep` as PID 1 does not make cleanup wait (TRAPS).
      body: { Image: testImage, Cmd: b.cmd, Labels: labels, ...(b.healthcheck ? { Healthcheck: b.healthcheck } : {}), HostConfig: { Init: true } },
    },
    { id: `start ${container.name}`, kind: 'container.start', after: [`create ${container.name}`], cause, service: b.service, container },
    {
      id: `wait ${container.name}`,
      kind: 'container.wait',
      after: [`start ${container.name}`],
      cause: { kind: 'dependency', text: `${dependent.service} depends on ${b.service}` },
      service: b.service,
      container,
      condition: b.condition,
      required: true,
      timeoutMs: b.timeoutMs,
    },
    {
      id: `create ${dependent.name}`,
      kind: 'container.create',
      after: [`wait ${container.name}`],
      cause,
      service: dependent.service,
      container: dependent,
      body: { Image: testImage, Cmd: ['true'], Labels: { ...labels, 'com.docker.compose.service': dependent.service } },
    },
  ] as Operation[];
}

let gateway: EngineGateway;
let result: ExecutionResult;
let runStartedAt: number;

function outcome(opId: string): OperationOutcome {
  const o = result.outcomes.find((x) => x.opId === opId);
  assert.ok(o, `no outcome for ${opId}`);
  return o;
}

interface RawEvent {
  readonly Action: string;
  readonly timeNano: number;
  readonly Actor?: { readonly Attributes?: Record<string, string> };
}

/** The project's container events from `sinceMs` until now, straight from the engine. */
async function engineEvents(sinceMs: number): Promise<RawEvent[]> {
  const stream = (await docker.getEvents({
    since: Math.floor(sinceMs / 1000) - 1,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: { type: ['container'], label: [`com.docker.compose.project=${projectName}`] },
  })) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as RawEvent);
}

describe('waits on the real engine', () => {
  before(async () => {
    gateway = await openGateway({ env: process.env });
    const plan: Plan = { projectName, operations: branches.flatMap(branchOps), warnings: [], sensitive: SensitiveValues.none };
    runStartedAt = Date.now();
    result = await execute(plan, gateway, { parallel: 4 });
  });

  after(async () => {
    await cleanupProject(projectName);
  });

  it('waits until a container with a passing healthcheck is healthy before its dependent is created', async () => {
    assert.equal(outcome(`wait ${name('healthy')}`).status, 'done');
    const db = await docker.getContainer(name('healthy')).inspect();
    assert.equal(db.State.Health?.Status, 'healthy');
    // The engine's own record of the order: its health log keeps only the last 5 checks (it
    // rotates every 250 ms here), so compare the events instead.
    const events = await engineEvents(runStartedAt);
    const healthyAt = events.find((e) => e.Actor?.Attributes?.name === name('healthy') && e.Action === 'health_status: healthy');
    const createdAt = events.find((e) => e.Actor?.Attributes?.name === name('healthydep') && e.Action === 'create');
    assert.ok(healthyAt, 'no health_status: healthy event for the dependency');
    assert.ok(createdAt, 'no create event for the dependent');
    assert.ok(createdAt.timeNano >= healthyAt.timeNano, 'the dependent was created before the dependency was healthy');
  });

  it('fails fast on an unhealthy container, naming the service, and never creates its dependent', async () => {
    const wait = outcome(`wait ${name('unhealthy')}`);
    assert.equal(wait.status, 'failed');
    assert.ok(wait.error instanceof OperationError);
    assert.match(wait.error.message, /service "unhealthy" is unhealthy/);
    assert.ok(wait.durationMs! < 20_000, `took ${wait.durationMs} ms of a 60 s bound`);
    assert.equal(outcome(`create ${name('unhealthydep')}`).status, 'skipped');
    assert.equal((await docker.getContainer(name('unhealthy')).inspect()).State.Health?.Status, 'unhealthy');
    await assert.rejects(docker.getContainer(name('unhealthydep')).inspect(), /no such container/i);
  });

  it('accepts a container that exits with code 0 as completed successfully', async () => {
    assert.equal(outcome(`wait ${name('exitzero')}`).status, 'done');
    const c = await docker.getContainer(name('exitzero')).inspect();
    assert.equal(c.State.Status, 'exited');
    assert.equal(c.State.ExitCode, 0);
    assert.ok(await docker.getContainer(name('exitzerodep')).inspect());
  });

  it('fails on a container that exits with code 3, naming the service and the code', async () => {
    const wait = outcome(`wait ${name('exitthree')}`);
    assert.equal(wait.status, 'failed');
    assert.match(wait.error!.message, /service "exitthree" didn't complete successfully: exit code 3/);
    assert.equal(outcome(`create ${name('exitthreedep')}`).status, 'skipped');
    assert.equal((await docker.getContainer(name('exitthree')).inspect()).State.ExitCode, 3);
  });

  it('gives up on a container that is still starting when the bound runs out', () => {
    const wait = outcome(`wait ${name('slow')}`);
    assert.equal(wait.status, 'failed');
    assert.match(wait.error!.message, /timed out after 2 s waiting for service "slow" to be healthy/);
    assert.ok(wait.durationMs! >= 1_900 && wait.durationMs! < 10_000, `took ${wait.durationMs} ms`);
  });

  it('fails the run with the first failure and exit code 1, having finished every independent branch', () => {
    assert.equal(result.ok, false);
    assert.equal(result.error?.exitCode, 1);
    const statuses = result.outcomes.map((o) => o.status);
    // healthy and exitzero: all 4 ops; unhealthy, exitthree and slow: create and start.
    assert.equal(statuses.filter((s) => s === 'done').length, 4 + 4 + 2 + 2 + 2);
    assert.ok(Date.now() - runStartedAt < 120_000);
  });
});
