// A recreate first creates the new container's body as a never-started probe, so that a create
// the engine refuses fails the run while the old container still runs (issue 12, item 7).
// The crash simulation of every cut, probe included, is in crash.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPOSE, STACK } from '../../../src/api/labels.js';
import { formatPlan, reconcile } from '../../../src/planner/index.js';
import type { Operation, Plan } from '../../../src/planner/types.js';
import type { ServiceSpec } from '../../../src/model/types.js';
import { anonymousMount, applyPlan, emptyObserved, model, service } from '../../helpers/planner-fixtures.js';

const stack = (...services: ServiceSpec[]) => model({ services });
const running = (...services: ServiceSpec[]) => applyPlan(reconcile(stack(...services), emptyObserved()), emptyObserved());

function op(plan: Plan, id: string): Operation {
  const found = plan.operations.find((o) => o.id === id);
  assert.ok(found, `no operation ${id} in:\n${plan.operations.map((o) => o.id).join('\n')}`);
  return found;
}

test('the probe is the new create body under <name>-probe, with only the ownership and probe labels', () => {
  const plan = reconcile(stack(service('web', { command: ['httpd', '-f'] })), running(service('web')));
  const probe = op(plan, 'create container demo-web-1-probe');
  const create = op(plan, 'create container demo-web-1');
  assert.ok(probe.kind === 'container.create' && create.kind === 'container.create');
  assert.deepEqual({ ...probe.body, Labels: {} }, { ...create.body, Labels: {} });
  assert.deepEqual({ ...probe.body.Labels }, { [COMPOSE.project]: 'demo', [STACK.managed]: 'true', [STACK.probe]: 'demo-web-1' });
});

test('the old container is stopped only after the probe was created and removed', () => {
  const plan = reconcile(stack(service('web', { command: ['httpd', '-f'] })), running(service('web')));
  assert.deepEqual(op(plan, 'remove container demo-web-1-probe').after, ['create container demo-web-1-probe']);
  assert.deepEqual(op(plan, 'stop container demo-web-1').after, ['remove container demo-web-1-probe']);
});

test('the probe does not change the plan as printed', () => {
  const plan = reconcile(stack(service('web', { command: ['httpd', '-f'] })), running(service('web')));
  const printed = formatPlan(plan);
  assert.match(printed, /^~ web \(recreate demo-web-1\): command .*\nPlan: 1 to recreate\.\n$/);
  assert.doesNotMatch(printed, /probe/);
});

test('a first create has no probe', () => {
  const plan = reconcile(stack(service('web')), emptyObserved());
  assert.ok(!plan.operations.some((o) => o.id.includes('-probe')));
});

test('a probe left by a killed run is removed by the next, which makes no probe of that name and is not warned about as an orphan', () => {
  const start = running(service('web'));
  const target = stack(service('web', { command: ['httpd', '-f'] }));
  const killed = applyPlan(reconcile(target, start), start, { limit: 1 });
  assert.deepEqual(killed.containers.map((c) => c.name).sort(), ['demo-web-1', 'demo-web-1-probe']);
  const rerun = reconcile(target, killed);
  assert.equal(rerun.operations.filter((o) => o.id === 'remove container demo-web-1-probe').length, 1);
  assert.ok(!rerun.operations.some((o) => o.id === 'create container demo-web-1-probe'));
  assert.deepEqual(rerun.warnings, []);
  const final = applyPlan(rerun, killed);
  assert.deepEqual(final.containers.map((c) => c.name), ['demo-web-1']);
  assert.equal(formatPlan(reconcile(target, final)), 'No changes.\n');
});

test('no probe when the new body needs an anonymous volume that does not exist yet (the engine would make it unlabelled)', () => {
  const plan = reconcile(stack(service('web', { mounts: [anonymousMount('/cache')] })), running(service('web')));
  assert.ok(!plan.operations.some((o) => o.id.includes('-probe')));
  assert.deepEqual(op(plan, 'stop container demo-web-1').after, []);
});

test('no probe for a container that shares another service container (network_mode: service:x)', () => {
  const before = [service('db'), service('web', { networkMode: 'service:db' })];
  const plan = reconcile(stack(service('db'), service('web', { networkMode: 'service:db', command: ['httpd', '-f'] })), running(...before));
  assert.ok(!plan.operations.some((o) => o.id.includes('-probe')));
});
