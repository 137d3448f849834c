// The executor against the in-memory gateway: ordering, parallelism, serial keys, failure
// isolation, abort, id resolution, events and the crash hook.

import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { execute, crashAfterOpsFromEnv, isMutating, type ExecutionResult } from '../../../src/engine/executor.js';
import { defaultParallelism, resolveParallelism } from '../../../src/engine/parallelism.js';
import type { ProgressEvent } from '../../../src/engine/progress.js';
import type { ContainerRef, Operation, Plan } from '../../../src/planner/types.js';
import { SensitiveValues } from '../../../src/planner/redact.js';
import type { DependencyCondition } from '../../../src/model/types.js';
import type { ContainerCreateBody } from '../../../src/api/engine-types.js';
import { ConflictError, InternalError, InterruptedError, OperationError, UsageError } from '../../../src/errors.js';
import { MemoryGateway, MUTATING_CALLS, type CallRecord } from '../../helpers/memory-gateway.js';

const project = 'demo';
const cause = { kind: 'missing', text: 'no container' } as const;

function ref(service: string, number = 1, id?: string): ContainerRef {
  return { name: `${project}-${service}-${number}`, service, number, ...(id ? { id } : {}) };
}
function createOp(service: string, after: string[] = [], extra: Partial<Operation> = {}): Operation {
  const container = ref(service);
  // The project label matters: waits follow only the project's events.
  const body = { Image: 'busybox', Labels: { 'com.docker.compose.project': project } };
  return { id: `create container ${container.name}`, kind: 'container.create', after, cause, service, container, body, ...extra } as Operation;
}
function startOp(service: string, after: string[] = [], extra: Partial<Operation> = {}): Operation {
  const container = ref(service);
  return { id: `start container ${container.name}`, kind: 'container.start', after, cause, service, container, ...extra } as Operation;
}
function waitOp(service: string, condition: DependencyCondition, after: string[], extra: Partial<Operation> = {}): Operation {
  const container = ref(service);
  return {
    id: `wait ${container.name} ${condition}`,
    kind: 'container.wait',
    after,
    cause: { kind: 'dependency', text: 'a dependent waits' },
    service,
    container,
    condition,
    required: true,
    timeoutMs: 5000,
    ...extra,
  } as Operation;
}
function plan(operations: Operation[]): Plan {
  return { projectName: project, operations, warnings: [], sensitive: SensitiveValues.none };
}
const mutating = (r: CallRecord) => MUTATING_CALLS.has(r.call);
function statusOf(result: ExecutionResult, opId: string): string | undefined {
  return result.outcomes.find((o) => o.opId === opId)?.status;
}

let gateway: MemoryGateway;
afterEach(() => gateway?.dispose());

describe('executor: ordering', () => {
  it('starts an operation only after all of its prerequisites finished', async () => {
    gateway = new MemoryGateway({ latencyMs: 5 });
    const net = { id: 'create network demo_default', kind: 'network.create', after: [], cause, network: 'demo_default', body: { Name: 'demo_default' } } as Operation;
    const body = { Image: 'busybox', Labels: { 'com.docker.compose.project': project }, NetworkingConfig: { EndpointsConfig: { demo_default: {} } } };
    const ops = [net, createOp('db', [net.id], { body } as Partial<Operation>), startOp('db', ['create container demo-db-1'])];
    ops.push(createOp('web', [net.id, 'start container demo-db-1'], { body } as Partial<Operation>), startOp('web', ['create container demo-web-1']));
    const result = await execute(plan(ops), gateway, { parallel: 4 });
    assert.equal(result.ok, true);
    const order = gateway.calls.filter(mutating).map((c) => `${c.call} ${c.target}`);
    assert.deepEqual(order, [
      'createNetwork demo_default',
      'createContainer demo-db-1',
      'startContainer demo-db-1',
      'createContainer demo-web-1',
      'startContainer demo-web-1',
    ]);
    const calls = gateway.calls.filter(mutating);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i]!.startedAt >= calls[i - 1]!.endedAt!, `${calls[i]!.call} overlapped its prerequisite`);
    assert.equal(gateway.container('demo-web-1')?.state, 'running');
  });

  it('starts ready operations in plan order when the limit is one', async () => {
    gateway = new MemoryGateway({ latencyMs: 1 });
    const services = ['e', 'c', 'a', 'd', 'b'];
    const result = await execute(plan(services.map((s) => createOp(s))), gateway, { parallel: 1 });
    assert.equal(result.ok, true);
    assert.deepEqual(gateway.callsTo('createContainer').map((c) => c.target), services.map((s) => `demo-${s}-1`));
  });

  it('refuses a plan with a cycle before making any engine call', async () => {
    gateway = new MemoryGateway();
    const ops = [createOp('a', ['start container demo-b-1']), startOp('b', ['create container demo-a-1'])];
    await assert.rejects(execute(plan(ops), gateway, { parallel: 2 }), (e: unknown) => e instanceof InternalError && /cycle/.test(e.message));
    assert.equal(gateway.calls.length, 0);
  });

  it('refuses a plan whose prerequisite is not in the plan', async () => {
    gateway = new MemoryGateway();
    await assert.rejects(execute(plan([startOp('a', ['create container demo-a-1'])]), gateway, { parallel: 2 }), InternalError);
    assert.equal(gateway.calls.length, 0);
  });
});

describe('executor: parallelism', () => {
  it('runs independent operations in parallel up to the limit and never beyond', async () => {
    gateway = new MemoryGateway({ latencyMs: 25 });
    const ops = Array.from({ length: 10 }, (_, i) => createOp(`s${i}`));
    const result = await execute(plan(ops), gateway, { parallel: 3 });
    assert.equal(result.ok, true);
    assert.equal(gateway.callsTo('createContainer').length, 10);
    assert.equal(gateway.maxConcurrent(mutating), 3);
  });

  it('follows the engine CPUs when no limit is given', async () => {
    gateway = new MemoryGateway({ latencyMs: 25, ncpu: 1 });
    const ops = Array.from({ length: 8 }, (_, i) => createOp(`s${i}`));
    await execute(plan(ops), gateway);
    assert.equal(gateway.callsTo('info').length, 1);
    assert.equal(gateway.maxConcurrent(mutating), 2, 'one CPU still gets the minimum of two');
  });

  it('starts before the engine says how many CPUs it has, at the smallest default', async () => {
    gateway = new MemoryGateway({ latencyMs: (call) => (call === 'info' ? 150 : 20), ncpu: 4 });
    const ops = Array.from({ length: 4 }, (_, i) => createOp(`s${i}`));
    const result = await execute(plan(ops), gateway);
    assert.equal(result.ok, true);
    const info = gateway.callsTo('info')[0]!;
    const creates = gateway.callsTo('createContainer');
    assert.ok(creates.every((c) => c.endedAt! < info.startedAt + 150), 'all four creates finished while /info was still unanswered');
    assert.equal(gateway.maxConcurrent(mutating), 2);
  });

  it('widens to the engine default once the engine says how many CPUs it has', async () => {
    gateway = new MemoryGateway({ latencyMs: (call) => (call === 'info' ? 30 : 60), ncpu: 4 });
    const ops = Array.from({ length: 16 }, (_, i) => createOp(`s${i}`));
    const result = await execute(plan(ops), gateway);
    assert.equal(result.ok, true);
    assert.equal(gateway.maxConcurrent(mutating), defaultParallelism({ ncpu: 4 }));
  });

  it('runs operations sharing a serialKey one at a time while the others overlap', async () => {
    gateway = new MemoryGateway({ latencyMs: (call) => (call === 'startContainer' ? 60 : 5) });
    const ops: Operation[] = [];
    for (let i = 0; i < 4; i++) ops.push(createOp(`p${i}`), startOp(`p${i}`, [`create container demo-p${i}-1`], { serialKey: 'publish-ports' }));
    for (let i = 0; i < 4; i++) ops.push(createOp(`q${i}`), startOp(`q${i}`, [`create container demo-q${i}-1`]));
    const result = await execute(plan(ops), gateway, { parallel: 8 });
    assert.equal(result.ok, true);
    const serial = (r: CallRecord) => r.call === 'startContainer' && r.target.startsWith('demo-p');
    assert.equal(gateway.callsTo('startContainer').filter((r) => r.target.startsWith('demo-p')).length, 4);
    assert.equal(gateway.maxConcurrent(serial), 1);
    assert.ok(gateway.maxConcurrent((r) => r.call === 'startContainer' && r.target.startsWith('demo-q')) > 1, 'unkeyed starts should overlap');
  });

  it('does not count waits against the limit', async () => {
    gateway = new MemoryGateway({ latencyMs: 5 });
    gateway.script('demo-db-1', { healthyAfterMs: 500 });
    const ops = [createOp('db'), startOp('db', ['create container demo-db-1']), waitOp('db', 'service_healthy', ['start container demo-db-1'])];
    for (let i = 0; i < 3; i++) ops.push(createOp(`x${i}`, ['start container demo-db-1']));
    let waitEndedAt = Number.NaN;
    const result = await execute(plan(ops), gateway, {
      parallel: 1,
      onEvent: (e) => {
        if (e.type === 'op-done' && e.kind === 'container.wait') waitEndedAt = performance.now();
      },
    });
    assert.equal(result.ok, true);
    // With the wait holding the only slot, the creates would have come after it.
    for (const create of gateway.callsTo('createContainer').slice(1)) assert.ok(create.endedAt! < waitEndedAt, `${create.target} was held back by the wait`);
  });

  it('computes the default limit as max(2, min(8, 2 * ncpu))', () => {
    assert.deepEqual([1, 2, 3, 4, 16].map((ncpu) => defaultParallelism({ ncpu })), [2, 4, 6, 8, 8]);
    assert.equal(resolveParallelism(-1, { ncpu: 2 }), Number.POSITIVE_INFINITY);
    assert.equal(resolveParallelism(5, { ncpu: 2 }), 5);
    assert.throws(() => resolveParallelism(0, { ncpu: 2 }), UsageError);
  });
});

describe('executor: failures', () => {
  it('skips the dependents of a failed operation and runs everything independent of it', async () => {
    gateway = new MemoryGateway({ latencyMs: 5 });
    const boom = new ConflictError('create', 'name in use', { kind: 'container', name: 'demo-db-1' }, 409);
    gateway.failOn('createContainer', 'demo-db-1', boom);
    const ops = [
      createOp('db'),
      startOp('db', ['create container demo-db-1']),
      createOp('web', ['start container demo-db-1']),
      startOp('web', ['create container demo-web-1']),
      createOp('cache'),
      startOp('cache', ['create container demo-cache-1']),
    ];
    const result = await execute(plan(ops), gateway, { parallel: 1 });
    assert.equal(result.ok, false);
    assert.equal(result.error, boom);
    assert.equal(result.error?.exitCode, 1);
    assert.equal(statusOf(result, 'create container demo-db-1'), 'failed');
    for (const id of ['start container demo-db-1', 'create container demo-web-1', 'start container demo-web-1']) {
      assert.equal(statusOf(result, id), 'skipped', id);
      assert.equal(result.outcomes.find((o) => o.opId === id)?.blockedBy, 'create container demo-db-1');
    }
    assert.equal(statusOf(result, 'start container demo-cache-1'), 'done');
    assert.equal(gateway.container('demo-cache-1')?.state, 'running');
    assert.equal(gateway.container('demo-web-1'), undefined);
    assert.equal(gateway.callsTo('startContainer').length, 1, 'only the independent start ran');
  });

  it('reports the first failure in time when several operations fail', async () => {
    gateway = new MemoryGateway({ latencyMs: (call, target) => (target === 'demo-a-1' ? 40 : 5) });
    gateway.failOn('createContainer', 'demo-a-1', new OperationError('a failed'));
    gateway.failOn('createContainer', 'demo-b-1', new OperationError('b failed'));
    const result = await execute(plan([createOp('a'), createOp('b')]), gateway, { parallel: 2 });
    assert.equal(result.error?.message, 'b failed');
    assert.deepEqual(result.outcomes.map((o) => o.status), ['failed', 'failed']);
  });

  it('turns an unexpected exception into an InternalError naming the operation', async () => {
    gateway = new MemoryGateway();
    gateway.failOn('createContainer', 'demo-a-1', new TypeError('oops'));
    const result = await execute(plan([createOp('a')]), gateway, { parallel: 1 });
    assert.ok(result.error instanceof InternalError);
    assert.match(result.error.message, /create container demo-a-1.*oops/);
  });

  it('fails the run when a required wait is not met, naming the service', async () => {
    gateway = new MemoryGateway({ latencyMs: 1 });
    gateway.script('demo-db-1', { unhealthyAfterMs: 20 });
    const ops = [createOp('db'), startOp('db', ['create container demo-db-1']), waitOp('db', 'service_healthy', ['start container demo-db-1']), createOp('web', ['wait demo-db-1 service_healthy'])];
    const result = await execute(plan(ops), gateway, { parallel: 2 });
    assert.ok(result.error instanceof OperationError);
    assert.match(result.error.message, /service "db" is unhealthy/);
    assert.equal(statusOf(result, 'create container demo-web-1'), 'skipped');
    assert.equal(gateway.container('demo-web-1'), undefined);
  });

  it('warns instead of failing when a wait that is not required is not met', async () => {
    gateway = new MemoryGateway({ latencyMs: 1 });
    gateway.script('demo-db-1', { unhealthyAfterMs: 20 });
    const ops = [
      createOp('db'),
      startOp('db', ['create container demo-db-1']),
      waitOp('db', 'service_healthy', ['start container demo-db-1'], { required: false } as Partial<Operation>),
      createOp('web', ['wait demo-db-1 service_healthy']),
    ];
    const events: ProgressEvent[] = [];
    const result = await execute(plan(ops), gateway, { parallel: 2, onEvent: (e) => events.push(e) });
    assert.equal(result.ok, true);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /service "db" is unhealthy/);
    const warning = events.find((e) => e.type === 'warning');
    assert.ok(warning && warning.type === 'warning' && warning.opId === 'wait demo-db-1 service_healthy');
    assert.ok(gateway.container('demo-web-1'), 'the dependent still ran');
  });
});

describe('executor: abort', () => {
  it('starts no new operation after the signal, lets in-flight calls finish and exits as interrupted', async () => {
    gateway = new MemoryGateway({ latencyMs: 30 });
    const controller = new AbortController();
    const ops = ['a', 'b', 'c', 'd'].map((s) => createOp(s));
    const result = await execute(plan(ops), gateway, {
      parallel: 1,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'op-started') controller.abort();
      },
    });
    assert.equal(gateway.callsTo('createContainer').length, 1);
    assert.ok(gateway.container('demo-a-1'), 'the in-flight create finished');
    assert.deepEqual(result.outcomes.map((o) => o.status), ['done', 'skipped', 'skipped', 'skipped']);
    assert.equal(result.outcomes[1]!.skipReason, 'interrupted');
    assert.equal(result.interrupted, true);
    assert.ok(result.error instanceof InterruptedError);
    assert.equal(result.error.exitCode, 130);
  });

  it('ends an in-flight wait at once when aborted', async () => {
    gateway = new MemoryGateway({ latencyMs: 1 });
    gateway.script('demo-db-1', { healthyAfterMs: 60_000 });
    const controller = new AbortController();
    const ops = [createOp('db'), startOp('db', ['create container demo-db-1']), waitOp('db', 'service_healthy', ['start container demo-db-1'], { timeoutMs: 60_000 } as Partial<Operation>)];
    const t0 = Date.now();
    const result = await execute(plan(ops), gateway, {
      parallel: 2,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'op-started' && e.kind === 'container.wait') setTimeout(() => controller.abort(), 30);
      },
    });
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(statusOf(result, 'wait demo-db-1 service_healthy'), 'failed');
    assert.ok(result.error instanceof InterruptedError);
  });

  it('runs nothing when the signal is already aborted', async () => {
    gateway = new MemoryGateway();
    const controller = new AbortController();
    controller.abort();
    const result = await execute(plan([createOp('a')]), gateway, { parallel: 1, signal: controller.signal });
    assert.equal(gateway.calls.length, 0);
    assert.equal(result.outcomes[0]!.status, 'skipped');
    assert.ok(result.error instanceof InterruptedError);
  });
});

describe('executor: one engine call per operation', () => {
  it('reaches a container created in this run by the id the engine returned', async () => {
    gateway = new MemoryGateway();
    const result = await execute(plan([createOp('web'), startOp('web', ['create container demo-web-1'])]), gateway, { parallel: 1 });
    const id = result.createdContainers.get('demo-web-1');
    assert.equal(id, gateway.container('demo-web-1')?.id);
    assert.equal(result.outcomes[0]!.containerId, id);
    assert.equal(gateway.container('demo-web-1')?.state, 'running');
  });

  it('keeps an old and a new container with the same name apart in a recreate', async () => {
    gateway = new MemoryGateway();
    const oldId = await gateway.createContainer('demo-web-1', { Image: 'busybox' });
    await gateway.startContainer(oldId);
    const old = ref('web', 1, oldId);
    const recreate: Operation[] = [
      { id: 'stop old demo-web-1', kind: 'container.stop', after: [], cause, container: old } as Operation,
      { id: 'remove old demo-web-1', kind: 'container.remove', after: ['stop old demo-web-1'], cause, container: old, removeAnonymousVolumes: false } as Operation,
      createOp('web', ['remove old demo-web-1']),
      startOp('web', ['create container demo-web-1']),
    ];
    const result = await execute(plan(recreate), gateway, { parallel: 1 });
    assert.equal(result.ok, true);
    const now = gateway.container('demo-web-1');
    assert.notEqual(now?.id, oldId);
    assert.equal(now?.state, 'running');
  });

  it('connects a network created in this run by its id', async () => {
    gateway = new MemoryGateway();
    const ops: Operation[] = [
      { id: 'create network demo_back', kind: 'network.create', after: [], cause, network: 'demo_back', body: { Name: 'demo_back' } } as Operation,
      createOp('web'),
      { id: 'connect demo-web-1 demo_back', kind: 'network.connect', after: ['create network demo_back', 'create container demo-web-1'], cause, network: 'demo_back', container: ref('web'), endpoint: { Aliases: ['web'] } } as Operation,
    ];
    const result = await execute(plan(ops), gateway, { parallel: 2 });
    assert.equal(result.ok, true);
    assert.deepEqual(gateway.container('demo-web-1')?.networks, ['demo_back']);
  });

  it('creates a container on a network created in this run with that network\'s id in its endpoint', async () => {
    gateway = new MemoryGateway();
    const bodies: ContainerCreateBody[] = [];
    const create = gateway.createContainer.bind(gateway);
    gateway.createContainer = (name: string, body: ContainerCreateBody) => (bodies.push(body), create(name, body));
    const ops: Operation[] = [
      { id: 'create network demo_default', kind: 'network.create', after: [], cause, network: 'demo_default', body: { Name: 'demo_default' } } as Operation,
      createOp('web', ['create network demo_default'], {
        body: { Image: 'busybox', HostConfig: { NetworkMode: 'demo_default' }, NetworkingConfig: { EndpointsConfig: { demo_default: { Aliases: ['web'] } } } },
      } as Partial<Operation>),
    ];
    const result = await execute(plan(ops), gateway, { parallel: 1 });
    assert.equal(result.ok, true);
    const networkId = result.createdNetworks.get('demo_default');
    assert.ok(networkId);
    assert.deepEqual(bodies[0]!.NetworkingConfig?.EndpointsConfig['demo_default'], { Aliases: ['web'], NetworkID: networkId });
  });

  it('pulls an image through the gateway for an image.pull operation', async () => {
    gateway = new MemoryGateway({ strictImages: true });
    const ops: Operation[] = [
      { id: 'pull image busybox', kind: 'image.pull', after: [], cause, image: 'busybox' } as Operation,
      createOp('web', ['pull image busybox']),
    ];
    const result = await execute(plan(ops), gateway, { parallel: 2 });
    assert.equal(result.ok, true);
    assert.deepEqual(gateway.calls.filter(mutating).map((c) => c.call), ['pullImage', 'createContainer']);
  });

  it('treats every kind but waits as mutating', () => {
    assert.equal(isMutating(createOp('a')), true);
    assert.equal(isMutating(waitOp('a', 'service_healthy', [])), false);
  });
});

describe('executor: progress events', () => {
  it('reports start, done and skip of every operation with durations from the injected clock', async () => {
    gateway = new MemoryGateway();
    gateway.failOn('createContainer', 'demo-a-1', new OperationError('no'));
    let clock = 1000;
    const events: ProgressEvent[] = [];
    const ops = [createOp('a'), startOp('a', ['create container demo-a-1']), createOp('b')];
    const result = await execute(plan(ops), gateway, { parallel: 1, now: () => (clock += 10), onEvent: (e) => events.push(e) });
    const kinds = events.map((e) => `${e.type}${'opId' in e && e.opId ? ` ${e.opId}` : ''}`);
    assert.deepEqual(kinds, [
      'run-started',
      'op-started create container demo-a-1',
      'op-failed create container demo-a-1',
      'op-skipped start container demo-a-1',
      'op-started create container demo-b-1',
      'op-done create container demo-b-1',
      'run-finished',
    ]);
    const started = events[0]!;
    assert.ok(started.type === 'run-started' && started.total === 3 && started.parallel === 1);
    const failed = events[2]!;
    assert.ok(failed.type === 'op-failed' && failed.error.name === 'OperationError' && failed.error.message === 'no' && failed.durationMs === 10);
    const finished = events.at(-1)!;
    assert.ok(finished.type === 'run-finished' && finished.done === 1 && finished.failed === 1 && finished.skipped === 1 && !finished.ok);
    assert.equal(result.outcomes[2]!.durationMs, 10);
    // Events are plain data: a JSON round trip keeps them whole.
    assert.deepEqual(JSON.parse(JSON.stringify(events)), events);
  });

  it('keeps going when a listener throws', async () => {
    gateway = new MemoryGateway();
    const result = await execute(plan([createOp('a')]), gateway, {
      parallel: 1,
      onEvent: () => {
        throw new Error('renderer bug');
      },
    });
    assert.equal(result.ok, true);
  });

  it('reports wait progress with a printable message', async () => {
    gateway = new MemoryGateway({ latencyMs: 1 });
    gateway.script('demo-db-1', { healthyAfterMs: 250 });
    const events: ProgressEvent[] = [];
    const ops = [createOp('db'), startOp('db', ['create container demo-db-1']), waitOp('db', 'service_healthy', ['start container demo-db-1'])];
    await execute(plan(ops), gateway, { parallel: 1, waitProgressIntervalMs: 50, onEvent: (e) => events.push(e) });
    const progress = events.filter((e) => e.type === 'wait-progress');
    assert.ok(progress.length >= 2, `expected several progress events, got ${progress.length}`);
    const first = progress[0]!;
    assert.ok(first.type === 'wait-progress');
    assert.equal(first.container, 'demo-db-1');
    assert.equal(first.condition, 'service_healthy');
    assert.match(first.message, /^waiting for demo-db-1 to be healthy \(\d+ s\)$/);
  });
});

describe('executor: crash hook (test hook STACK_CRASH_AFTER_OPS)', () => {
  it('crashes right after the N-th mutating operation and never counts waits', async () => {
    gateway = new MemoryGateway({ latencyMs: 1 });
    gateway.script('demo-db-1', { healthyAfterMs: 10 });
    const ops = [
      createOp('db'),
      startOp('db', ['create container demo-db-1']),
      waitOp('db', 'service_healthy', ['start container demo-db-1']),
      createOp('web', ['wait demo-db-1 service_healthy']),
      startOp('web', ['create container demo-web-1']),
    ];
    const crashes: string[] = [];
    await execute(plan(ops), gateway, {
      parallel: 1,
      crashAfterOps: 3,
      crash: () => crashes.push(gateway.calls.filter(mutating).map((c) => `${c.call} ${c.target}`).join(', ')),
    });
    assert.deepEqual(crashes, ['createContainer demo-db-1, startContainer demo-db-1, createContainer demo-web-1']);
  });

  it('reads the hook from the environment and rejects nonsense', () => {
    assert.equal(crashAfterOpsFromEnv({}), undefined);
    assert.equal(crashAfterOpsFromEnv({ STACK_CRASH_AFTER_OPS: '4' }), 4);
    assert.throws(() => crashAfterOpsFromEnv({ STACK_CRASH_AFTER_OPS: '0' }), InternalError);
    assert.throws(() => crashAfterOpsFromEnv({ STACK_CRASH_AFTER_OPS: 'two' }), InternalError);
  });

  it('kills the process with SIGKILL after the N-th mutating operation', () => {
    const distTest = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const dir = mkdtempSync(join(tmpdir(), 'stack-crash-'));
    try {
      const script = join(dir, 'crash.mjs');
      writeFileSync(
        script,
        `import { execute } from ${JSON.stringify(pathToFileURL(join(distTest, '..', 'src', 'engine', 'executor.js')).href)};
import { MemoryGateway } from ${JSON.stringify(pathToFileURL(join(distTest, 'helpers', 'memory-gateway.js')).href)};
const gateway = new MemoryGateway();
const op = (s) => ({ id: 'create ' + s, kind: 'container.create', after: [], cause: { kind: 'missing', text: '' }, container: { name: s, service: s, number: 1 }, body: { Image: 'x' } });
const orig = gateway.createContainer.bind(gateway);
gateway.createContainer = async (name, body) => { const id = await orig(name, body); process.stdout.write('created ' + name + '\\n'); return id; };
await execute({ projectName: 'p', operations: ['a', 'b', 'c', 'd'].map(op), warnings: [], sensitive: { values: [] } }, gateway, { parallel: 1 });
process.stdout.write('finished\\n');
`,
      );
      const r = spawnSync(process.execPath, [script], { env: { ...process.env, STACK_CRASH_AFTER_OPS: '2' }, encoding: 'utf8' });
      assert.equal(r.signal, 'SIGKILL');
      assert.equal(r.stdout, 'created a\ncreated b\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
