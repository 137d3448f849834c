// Dependency waits against the in-memory gateway: healthy, unhealthy (fast), exited, missing
// healthcheck, completed with 0 / non-zero, bounded timeouts, missed events, abort.

import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { waitForCondition, type WaitOptions, type WaitProgress, type WaitTarget } from '../../../src/engine/waits.js';
import { InterruptedError, OperationError } from '../../../src/errors.js';
import { MemoryGateway } from '../../helpers/memory-gateway.js';

const LABELS = { 'com.docker.compose.project': 'demo' };
const withHealthcheck = { Image: 'busybox', Labels: LABELS, Healthcheck: { Test: ['CMD', 'true'] } };
const plain = { Image: 'busybox', Labels: LABELS };

let gateway: MemoryGateway;
afterEach(() => gateway?.dispose());

/** Creates and starts `demo-<service>-1`, returning the wait target for it. */
async function running(service: string, body: typeof plain = withHealthcheck): Promise<WaitTarget> {
  const name = `demo-${service}-1`;
  const id = await gateway.createContainer(name, body);
  await gateway.startContainer(id);
  return { containerId: id, containerName: name, service };
}

// A long re-check interval: a wait that ends quickly can only have been woken by an event.
const eventDriven: WaitOptions = { timeoutMs: 10_000, recheckIntervalMs: 60_000, eventLabels: ['com.docker.compose.project=demo'] };

async function elapsed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = Date.now();
  await fn();
  return Date.now() - t0;
}

describe('waits: service_healthy', () => {
  it('resolves as soon as the health event arrives', async () => {
    gateway = new MemoryGateway();
    gateway.script('demo-db-1', { healthyAfterMs: 80 });
    const target = await running('db');
    const ms = await elapsed(() => waitForCondition(gateway, target, 'service_healthy', eventDriven));
    assert.ok(ms < 5000, `took ${ms} ms: the event did not wake the wait`);
    assert.equal(gateway.container('demo-db-1')?.health, 'healthy');
  });

  it('resolves at once for a container that is already healthy', async () => {
    gateway = new MemoryGateway();
    gateway.script('demo-db-1', { healthyAfterMs: 0 });
    const target = await running('db');
    await new Promise((r) => setTimeout(r, 20));
    await waitForCondition(gateway, target, 'service_healthy', eventDriven);
    assert.equal(gateway.callsTo('inspectContainer').length, 1);
  });

  it('still sees the change by re-checking when the event is missed', async () => {
    gateway = new MemoryGateway();
    gateway.script('demo-db-1', { healthyAfterMs: 50, emitEvents: false });
    const target = await running('db');
    await waitForCondition(gateway, target, 'service_healthy', { timeoutMs: 5000, recheckIntervalMs: 100 });
    assert.ok(gateway.callsTo('inspectContainer').length >= 2);
  });

  it('still works when the event stream fails', async () => {
    gateway = new MemoryGateway();
    gateway.failEvents(new Error('stream broke'));
    gateway.script('demo-db-1', { healthyAfterMs: 50 });
    const target = await running('db');
    await waitForCondition(gateway, target, 'service_healthy', { timeoutMs: 5000, recheckIntervalMs: 100 });
    assert.equal(gateway.container('demo-db-1')?.health, 'healthy');
  });

  it('fails fast when the container becomes unhealthy, naming the service', async () => {
    gateway = new MemoryGateway();
    gateway.script('demo-db-1', { unhealthyAfterMs: 50 });
    const target = await running('db');
    const t0 = Date.now();
    await assert.rejects(waitForCondition(gateway, target, 'service_healthy', eventDriven), (e: unknown) => {
      assert.ok(e instanceof OperationError);
      assert.match(e.message, /service "db" is unhealthy \(container demo-db-1\)/);
      assert.equal(e.exitCode, 1);
      return true;
    });
    assert.ok(Date.now() - t0 < 5000, 'did not fail fast');
  });

  it('fails fast when the container exits before becoming healthy, with its exit code', async () => {
    gateway = new MemoryGateway();
    gateway.script('demo-db-1', { exitAfterMs: 50, exitCode: 2 });
    const target = await running('db');
    const t0 = Date.now();
    await assert.rejects(waitForCondition(gateway, target, 'service_healthy', eventDriven), /service "db" exited with code 2 before becoming healthy/);
    assert.ok(Date.now() - t0 < 5000, 'did not fail fast');
  });

  it('fails when the container has no healthcheck', async () => {
    gateway = new MemoryGateway();
    const target = await running('db', plain);
    await assert.rejects(waitForCondition(gateway, target, 'service_healthy', eventDriven), (e: unknown) => {
      assert.ok(e instanceof OperationError);
      assert.match(e.message, /service "db" has no healthcheck/);
      assert.match(e.hint ?? '', /service_started/);
      return true;
    });
  });

  it('is bounded by its timeout', async () => {
    gateway = new MemoryGateway();
    const target = await running('db'); // has a healthcheck that never passes
    const t0 = Date.now();
    await assert.rejects(
      waitForCondition(gateway, target, 'service_healthy', { timeoutMs: 200, recheckIntervalMs: 50 }),
      (e: unknown) => e instanceof OperationError && /timed out .* "db" to be healthy \(container demo-db-1: starting\)/.test(e.message),
    );
    const ms = Date.now() - t0;
    assert.ok(ms >= 190 && ms < 3000, `took ${ms} ms`);
  });

  it('fails naming the service when its container disappears', async () => {
    gateway = new MemoryGateway();
    const target = await running('db');
    await gateway.removeContainer(target.containerId, { force: true });
    await assert.rejects(waitForCondition(gateway, target, 'service_healthy', eventDriven), /service "db" has no container demo-db-1/);
  });

  it('ends with an InterruptedError when aborted', async () => {
    gateway = new MemoryGateway();
    const target = await running('db');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(waitForCondition(gateway, target, 'service_healthy', { ...eventDriven, signal: controller.signal }), InterruptedError);
  });

  it('reports progress while it waits', async () => {
    gateway = new MemoryGateway();
    gateway.script('demo-db-1', { healthyAfterMs: 200 });
    const target = await running('db');
    const seen: WaitProgress[] = [];
    await waitForCondition(gateway, target, 'service_healthy', { ...eventDriven, progressIntervalMs: 40, onProgress: (p) => seen.push(p) });
    assert.ok(seen.length >= 2);
    assert.equal(seen[0]!.state, 'starting');
    assert.match(seen[0]!.message, /^waiting for demo-db-1 to be healthy \(0 s\)$/);
  });
});

describe('waits: service_completed_successfully', () => {
  it('resolves when the container exits with code 0', async () => {
    gateway = new MemoryGateway();
    gateway.script('demo-migrate-1', { exitAfterMs: 50, exitCode: 0 });
    const target = await running('migrate', plain);
    await waitForCondition(gateway, target, 'service_completed_successfully', eventDriven);
    assert.equal(gateway.container('demo-migrate-1')?.state, 'exited');
  });

  it('fails naming the service and the exit code when it exits with 3', async () => {
    gateway = new MemoryGateway();
    gateway.script('demo-migrate-1', { exitAfterMs: 50, exitCode: 3 });
    const target = await running('migrate', plain);
    await assert.rejects(waitForCondition(gateway, target, 'service_completed_successfully', eventDriven), (e: unknown) => {
      assert.ok(e instanceof OperationError);
      assert.equal(e.message, `service "migrate" didn't complete successfully: exit code 3 (container demo-migrate-1)`);
      return true;
    });
  });

  it('resolves at once for a container that already exited with 0', async () => {
    gateway = new MemoryGateway();
    gateway.script('demo-migrate-1', { exitAfterMs: 0, exitCode: 0 });
    const target = await running('migrate', plain);
    await new Promise((r) => setTimeout(r, 20));
    await waitForCondition(gateway, target, 'service_completed_successfully', eventDriven);
  });

  it('is bounded by its timeout', async () => {
    gateway = new MemoryGateway();
    const target = await running('migrate', plain); // never exits
    const t0 = Date.now();
    await assert.rejects(
      waitForCondition(gateway, target, 'service_completed_successfully', { timeoutMs: 150 }),
      (e: unknown) => e instanceof OperationError && /timed out .* "migrate" to complete successfully/.test(e.message),
    );
    const ms = Date.now() - t0;
    assert.ok(ms >= 140 && ms < 3000, `took ${ms} ms`);
  });

  it('ends with an InterruptedError when aborted', async () => {
    gateway = new MemoryGateway();
    const target = await running('migrate', plain);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(waitForCondition(gateway, target, 'service_completed_successfully', { timeoutMs: 10_000, signal: controller.signal }), InterruptedError);
  });
});

describe('waits: service_started', () => {
  it('needs no engine call: the start operation before it is the condition', async () => {
    gateway = new MemoryGateway();
    const target = await running('web', plain);
    const before = gateway.calls.length;
    await waitForCondition(gateway, target, 'service_started', eventDriven);
    assert.equal(gateway.calls.length, before);
  });
});
