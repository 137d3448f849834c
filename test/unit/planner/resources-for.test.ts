// `resourcesFor` (what `stack run` asks of the planner): the networks and named volumes of
// these services must exist, although none of their containers is planned. Missing ones are
// created, present ones are left exactly as they are, and the services' dependencies are
// planned as usual unless noDeps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperationError, UsageError } from '../../../src/errors.js';
import { formatPlan, reconcile } from '../../../src/planner/index.js';
import type { ObservedState } from '../../../src/api/observed.js';
import type { StackModel } from '../../../src/model/types.js';
import {
  anonymousMount,
  applyPlan,
  attachment,
  dependsOn,
  emptyObserved,
  model,
  namedVolumeMount,
  networkSpec,
  service,
  volumeSpec,
  withContainer,
} from '../../helpers/planner-fixtures.js';

interface Variant {
  readonly frontInternal?: boolean;
  readonly uploadsDriver?: string;
  readonly frontExternal?: boolean;
  readonly defaultInternal?: boolean;
}

/** db ← web (web depends on db), plus an unrelated cache; web alone uses `front` and `uploads`. */
function stack(v: Variant = {}): StackModel {
  return model({
    services: [
      service('db', { mounts: [namedVolumeMount('data', '/data')] }),
      service('web', {
        dependsOn: { db: dependsOn('service_started') },
        networks: { default: attachment(), front: attachment() },
        mounts: [namedVolumeMount('uploads', '/uploads'), anonymousMount('/scratch')],
      }),
      service('cache'),
    ],
    networks: [
      networkSpec('demo', 'default', { internal: v.defaultInternal === true }),
      networkSpec('demo', 'front', { internal: v.frontInternal === true, ...(v.frontExternal ? { external: true, name: 'shared-front' } : {}) }),
    ],
    volumes: [volumeSpec('demo', 'uploads', v.uploadsDriver !== undefined ? { driver: v.uploadsDriver } : {})],
  });
}

function upped(m: StackModel): ObservedState {
  return applyPlan(reconcile(m, emptyObserved()), emptyObserved());
}

test('a service run alone gets its networks and named volumes, and its dependencies as up would plan them', () => {
  assert.equal(
    formatPlan(reconcile(stack(), emptyObserved(), { resourcesFor: ['web'] })),
    [
      '+ network demo_default (create): no network',
      '+ network demo_front (create): no network',
      '+ volume demo_data (create): no volume',
      '+ volume demo_uploads (create): no volume',
      '+ db (create demo-db-1): no container',
      'Plan: 5 to create.',
      '',
    ].join('\n'),
  );
});

test('with noDeps only the networks and named volumes of the service are planned', () => {
  assert.equal(
    formatPlan(reconcile(stack(), emptyObserved(), { resourcesFor: ['web'], noDeps: true })),
    [
      '+ network demo_default (create): no network',
      '+ network demo_front (create): no network',
      '+ volume demo_uploads (create): no volume',
      'Plan: 3 to create.',
      '',
    ].join('\n'),
  );
});

test('no container, anonymous volume or image pull is planned for the service itself', () => {
  const observed = { ...emptyObserved(), images: {} };
  const plan = reconcile(stack(), observed, { resourcesFor: ['web'], noDeps: true });
  assert.deepEqual(
    plan.operations.map((o) => o.kind),
    ['network.create', 'network.create', 'volume.create'],
  );
});

test('networks and volumes that exist with another spec are left as they are: no recreate, no refusal', () => {
  const running = upped(stack());
  const changed = stack({ frontInternal: true, uploadsDriver: 'other' });
  assert.equal(formatPlan(reconcile(changed, running, { resourcesFor: ['web'], noDeps: true })), 'No changes.\n');
  // The same change is up's to make: it recreates the network and refuses the volume.
  assert.throws(() => reconcile(changed, running), /volume demo_uploads would have to be recreated/);
});

test('a network a dependency in the plan uses is reconciled by up\'s rules, with that dependency', () => {
  const running = upped(stack());
  const text = formatPlan(reconcile(stack({ defaultInternal: true }), running, { resourcesFor: ['web'] }));
  assert.match(text, /^~ network demo_default \(recreate\): internal false → true$/m);
  assert.match(text, /^~ db \(recreate demo-db-1\): network demo_default is recreated$/m);
});

test('a missing external network of the service is a problem, as it is for up', () => {
  assert.throws(
    () => reconcile(stack({ frontExternal: true }), emptyObserved(), { resourcesFor: ['web'], noDeps: true }),
    (e: unknown) => e instanceof OperationError && /external network shared-front does not exist/.test(e.message),
  );
});

test('services named alongside are planned in full', () => {
  const text = formatPlan(reconcile(stack(), emptyObserved(), { services: ['cache'], resourcesFor: ['web'], noDeps: true }));
  assert.match(text, /^\+ cache \(create demo-cache-1\): no container$/m);
  assert.match(text, /^\+ volume demo_uploads \(create\): no volume$/m);
  assert.doesNotMatch(text, /\(create demo-web-1\)/);
  assert.doesNotMatch(text, /demo-db-1/);
});

test('an unknown service in resourcesFor is a usage error naming the services', () => {
  assert.throws(
    () => reconcile(stack(), emptyObserved(), { resourcesFor: ['nope'] }),
    (e: unknown) => e instanceof UsageError && e.message === 'no such service: nope' && e.hint === 'services in this stack: cache, db, web',
  );
});

test('the service\'s own containers are neither started nor recreated', () => {
  const stopped = withContainer(upped(stack()), 'demo-web-1', (c) => {
    c.state = 'exited';
    c.exitCode = 0;
  });
  const changed = stack({ frontInternal: true });
  assert.equal(formatPlan(reconcile(changed, stopped, { resourcesFor: ['web'] })), 'No changes.\n');
  // up would recreate it (its network changes) and so start it.
  assert.match(formatPlan(reconcile(changed, stopped)), /^~ web \(recreate demo-web-1\): network demo_front is recreated$/m);
});

test('a duplicate of a network the run needs is removed, as up removes it: the engine cannot start a container on an ambiguous name', () => {
  const m = stack();
  const o = upped(m);
  const front = o.networks.find((n) => n.name === 'demo_front')!;
  const dup = { ...front, id: 'zz-duplicate-network', created: '2099-01-01T00:00:00Z' };
  const text = formatPlan(reconcile(m, { ...o, networks: [...o.networks, dup] }, { resourcesFor: ['web'], noDeps: true }));
  assert.equal(text, '- network demo_front zz-duplicate (remove): duplicate network\nPlan: 1 to remove.\n');
});
