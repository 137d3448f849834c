// planDown: from labels alone, dependents first, volumes only with -v, never external or
// foreign objects.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan, planDown, reconcile } from '../../../src/planner/index.js';
import { COMPOSE } from '../../../src/api/labels.js';
import type { ObservedState } from '../../../src/api/observed.js';
import {
  anonymousMount,
  applyPlan,
  dependsOn,
  emptyObserved,
  model,
  namedVolumeMount,
  service,
  withContainer,
} from '../../helpers/planner-fixtures.js';

const services = () => [
  service('db', { mounts: [namedVolumeMount('data', '/data'), anonymousMount('/cache')] }),
  service('api', { dependsOn: { db: dependsOn('service_healthy') } }),
  service('web', { dependsOn: { api: dependsOn() } }),
];
const m = () => model({ services: services() });
const running = (): ObservedState => applyPlan(reconcile(m(), emptyObserved()), emptyObserved());

test('down stops dependents before their dependencies, then removes networks; volumes stay', () => {
  const plan = planDown(running(), { removeVolumes: false });
  assert.equal(
    formatPlan(plan),
    [
      '- network demo_default (remove): down',
      '- api (remove demo-api-1): down',
      '- db (remove demo-db-1): down',
      '- web (remove demo-web-1): down',
      'Plan: 4 to remove.',
      '',
    ].join('\n'),
  );
  const order = plan.operations.map((o) => o.id);
  assert.ok(order.indexOf('stop container demo-web-1') < order.indexOf('stop container demo-api-1'));
  assert.ok(order.indexOf('stop container demo-api-1') < order.indexOf('stop container demo-db-1'));
  assert.deepEqual(plan.operations.find((o) => o.id === 'stop container demo-db-1')!.after, ['stop container demo-api-1']);
  assert.ok(!plan.operations.some((o) => o.kind === 'volume.remove'));
});

test('down -v also removes the named and anonymous volumes stack created', () => {
  const plan = planDown(running(), { removeVolumes: true });
  const removed = plan.operations.filter((o) => o.kind === 'volume.remove').map((o) => (o.kind === 'volume.remove' ? o.volume : ''));
  assert.deepEqual(removed, ['demo_data', 'demo_db-1_anon_4f7cfe6fcd42']);
  assert.ok(plan.operations.filter((o) => o.kind === 'volume.remove').every((o) => o.after.includes('remove container demo-db-1')));
});

test('down -v never removes an external volume or one without our ownership label', () => {
  const o = running();
  const foreign = { name: 'demo_handmade', driver: 'local', labels: { [COMPOSE.project]: 'demo' }, options: {}, mountpoint: '/x' };
  const external = { name: 'corp-data', driver: 'local', labels: {}, options: {}, mountpoint: '/y' };
  const plan = planDown({ ...o, volumes: [...o.volumes, foreign, external] }, { removeVolumes: true });
  const removed = plan.operations.filter((x) => x.kind === 'volume.remove').map((x) => (x.kind === 'volume.remove' ? x.volume : ''));
  assert.ok(!removed.includes('demo_handmade') && !removed.includes('corp-data'));
});

test('down never touches a container without our ownership label', () => {
  const o = running();
  const handMade = { ...o.containers[0]!, id: 'hand', name: 'hand-made', labels: { [COMPOSE.project]: 'demo', [COMPOSE.service]: 'db' } };
  const plan = planDown({ ...o, containers: [...o.containers, handMade] }, { removeVolumes: true, removeOrphans: true });
  assert.ok(!plan.operations.some((x) => 'container' in x && x.container.name === 'hand-made'));
});

test('a stopped container is removed without a stop', () => {
  const o = withContainer(running(), 'demo-web-1', (c) => {
    c.state = 'exited';
  });
  const ids = planDown(o, { removeVolumes: false }).operations.map((x) => x.id);
  assert.ok(!ids.includes('stop container demo-web-1') && ids.includes('remove container demo-web-1'));
});

test('with the stack file, orphans are kept (and their network with them) unless --remove-orphans', () => {
  const o = running();
  const withoutWeb = model({ services: services().filter((s) => s.name !== 'web') });
  const kept = planDown(o, { removeVolumes: false, model: withoutWeb });
  assert.ok(!kept.operations.some((x) => x.id.includes('demo-web-1')));
  assert.ok(!kept.operations.some((x) => x.kind === 'network.remove'));
  assert.match(formatPlan(kept), /found orphan container demo-web-1/);
  const all = planDown(o, { removeVolumes: false, model: withoutWeb, removeOrphans: true });
  assert.ok(all.operations.some((x) => x.id === 'remove container demo-web-1'));
});

test('the stop timeout is passed to every stop', () => {
  const plan = planDown(running(), { removeVolumes: false, timeoutSeconds: 3 });
  assert.ok(plan.operations.filter((o) => o.kind === 'container.stop').every((o) => o.kind === 'container.stop' && o.timeoutSeconds === 3));
});

test('applying a down plan leaves nothing of ours but the volumes', () => {
  const o = running();
  const after = applyPlan(planDown(o, { removeVolumes: false }), o);
  assert.deepEqual([after.containers.length, after.networks.length, after.volumes.length], [0, 0, 2]);
  const afterV = applyPlan(planDown(o, { removeVolumes: true }), o);
  assert.deepEqual([afterV.containers.length, afterV.networks.length, afterV.volumes.length], [0, 0, 0]);
});

test('dependency labels that form a cycle do not stop a down', () => {
  const o = running();
  const cyclic = withContainer(o, 'demo-db-1', (c) => {
    c.labels[COMPOSE.dependsOn] = 'web:service_started:false';
  });
  assert.equal(planDown(cyclic, { removeVolumes: false }).operations.filter((x) => x.kind === 'container.remove').length, 3);
});
