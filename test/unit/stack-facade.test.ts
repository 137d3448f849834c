// The façade end to end on an in-memory engine: load a real stack file, observe, plan,
// execute, release; events out; secrets never in an event or an error; down from labels.

import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, plan, up, type StackEvent } from '../../src/stack/index.js';
import { MemoryGateway, MUTATING_CALLS } from '../helpers/memory-gateway.js';
import { ConflictError, StackError } from '../../src/errors.js';

const IMAGE = 'stack-test/busybox:1';
const SECRET = 'hunter2-very-secret';
const STACK = `
services:
  db:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    environment:
      PASSWORD: \${DB_PASSWORD}
  app:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    depends_on: [db]
`;

const dirs: string[] = [];
function project(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'stack-facade-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'stack.yaml'), STACK);
  // The lock directory lives in the test's own temp dir.
  return { dir, env: { DB_PASSWORD: SECRET, XDG_RUNTIME_DIR: dir, PATH: process.env.PATH ?? '' } };
}

function options(p: { dir: string; env: Record<string, string> }, gateway: MemoryGateway) {
  return { load: { cwd: p.dir, env: p.env, projectName: 'demo' }, connect: { env: p.env }, gateway, parallel: 2 };
}

let gateways: MemoryGateway[] = [];
function gateway(): MemoryGateway {
  const g = new MemoryGateway({ ncpu: 2 }).addImage(IMAGE);
  gateways.push(g);
  return g;
}
afterEach(() => {
  for (const g of gateways) g.dispose();
  gateways = [];
});
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('up through the façade', () => {
  it('creates and starts every service and reports the plan and each operation', async () => {
    const p = project();
    const g = gateway();
    const events: StackEvent[] = [];
    const result = await up(options(p, g), { onEvent: (e) => events.push(e) });
    assert.equal(g.container('demo-db-1')?.state, 'running');
    assert.equal(g.container('demo-app-1')?.state, 'running');
    const planEvent = events.find((e) => e.type === 'plan');
    assert.ok(planEvent && planEvent.type === 'plan');
    assert.equal(planEvent.steps.length, result.plan.operations.length);
    const done = events.filter((e) => e.type === 'op-done').length;
    assert.equal(done, result.plan.operations.length);
    assert.equal(result.done, result.plan.operations.length);
  });

  it('does nothing on a second run: empty plan, no mutating engine call', async () => {
    const p = project();
    const g = gateway();
    await up(options(p, g));
    const callsBefore = g.calls.length;
    const again = await up(options(p, g));
    assert.equal(again.plan.operations.length, 0);
    // The project lock's volume (taken and removed: engine/engine-lock.ts) is the only thing it changes.
    const changes = g.calls.slice(callsBefore).filter((c) => MUTATING_CALLS.has(c.call)).map((c) => `${c.call} ${c.target}`);
    assert.deepEqual(changes, ['createVolume stack-lock.demo', 'removeVolume stack-lock.demo']);
  });

  it('plan changes nothing', async () => {
    const p = project();
    const g = gateway();
    const result = await plan(options(p, g));
    assert.ok(result.plan.operations.length > 0);
    assert.deepEqual(g.calls.filter((c) => MUTATING_CALLS.has(c.call)), []);
  });

  it('never lets a secret out in events or in the error', async () => {
    const p = project();
    const g = gateway().failOn('createContainer', 'demo-db-1', () => new ConflictError('create', `bad env PASSWORD=${SECRET}`, { kind: 'container', name: 'demo-db-1' }, 409));
    const events: StackEvent[] = [];
    await assert.rejects(
      up(options(p, g), { onEvent: (e) => events.push(e) }),
      (e: unknown) => {
        assert.ok(e instanceof StackError);
        assert.ok(!e.message.includes(SECRET), e.message);
        assert.match(e.message, /\(sensitive\)/);
        return true;
      },
    );
    const text = JSON.stringify(events);
    assert.ok(!text.includes(SECRET), 'no event carries the secret');
    assert.ok(events.some((e) => e.type === 'op-failed'));
  });

  it('stops starting operations when aborted and ends with an interruption', async () => {
    const p = project();
    const g = gateway();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(up(options(p, g), { signal: controller.signal }), (e: unknown) => e instanceof StackError && e.exitCode === 130);
    assert.equal(g.container('demo-app-1')?.state === 'running', false);
  });
});

describe('down through the façade', () => {
  it('removes the project from its labels alone, with only a project name', async () => {
    const p = project();
    const g = gateway();
    await up(options(p, g));
    const result = await down({ load: { cwd: tmpdir(), env: p.env }, connect: { env: p.env }, gateway: g, projectName: 'demo', removeVolumes: true });
    assert.equal(result.projectName, 'demo');
    assert.equal(g.container('demo-db-1'), undefined);
    assert.equal(g.container('demo-app-1'), undefined);
    assert.equal(g.hasNetwork('demo_default'), false);
  });

  it('reports a failed network removal and still removes everything else', async () => {
    const p = project();
    const g = gateway();
    await up(options(p, g));
    // moby#42119: the engine refuses to remove a network with no endpoints left.
    g.failOn('removeNetwork', 'demo_default', () => new ConflictError('remove', 'error while removing network: network demo_default has active endpoints', { kind: 'network', name: 'demo_default' }, 409));
    const events: StackEvent[] = [];
    await assert.rejects(
      down({ load: { cwd: tmpdir(), env: p.env }, connect: { env: p.env }, gateway: g, projectName: 'demo', removeVolumes: true }, { onEvent: (e) => events.push(e) }),
      (e: unknown) => e instanceof StackError && e.exitCode === 1 && /demo_default/.test(e.message),
    );
    assert.equal(g.container('demo-db-1'), undefined);
    assert.equal(g.container('demo-app-1'), undefined);
    assert.equal(g.hasNetwork('demo_default'), true);
    assert.ok(events.some((e) => e.type === 'op-failed' && e.target === 'demo_default'));
  });
});
