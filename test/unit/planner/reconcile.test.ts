// Planner cases: model + observed literals → the expected plan text. The observed state of
// "an applied stack" is produced by applying the planner's own plan in the simulator of
// test/helpers/planner-fixtures.ts, then edited to the situation under test.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { OperationError, UsageError } from '../../../src/errors.js';
import { COMPOSE, STACK } from '../../../src/api/labels.js';
import { formatPlan, reconcile } from '../../../src/planner/index.js';
import type { ObservedState } from '../../../src/api/observed.js';
import type { Operation, Plan, ReconcileOptions } from '../../../src/planner/types.js';
import type { ServiceSpec, StackModel } from '../../../src/model/types.js';
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
  withoutContainers,
} from '../../helpers/planner-fixtures.js';

const ANON = 'demo_db-1_anon_4f7cfe6fcd42'; // anonymousVolumeName('demo', 'db', 1, '/cache')

const db = (overrides: Parameters<typeof service>[1] = {}) =>
  service('db', {
    healthcheck: { test: ['CMD', 'true'] },
    mounts: [namedVolumeMount('data', '/var/lib/db'), anonymousMount('/cache')],
    ...overrides,
  });
const web = (overrides: Parameters<typeof service>[1] = {}) =>
  service('web', {
    ports: [{ target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' }],
    dependsOn: { db: dependsOn('service_healthy') },
    ...overrides,
  });
const stack = (...services: ServiceSpec[]) => model({ services: services.length > 0 ? services : [db(), web()] });

/** The observed state after applying the plan for `m` to an empty engine. */
function applied(m: StackModel, options: ReconcileOptions = {}): ObservedState {
  return applyPlan(reconcile(m, emptyObserved(), options), emptyObserved());
}

function text(m: StackModel, o: ObservedState, options: ReconcileOptions = {}): string {
  return formatPlan(reconcile(m, o, options));
}

function op(plan: Plan, id: string): Operation {
  const found = plan.operations.find((o) => o.id === id);
  assert.ok(found, `no operation ${id} in:\n${plan.operations.map((o) => o.id).join('\n')}`);
  return found;
}

function ids(plan: Plan): string[] {
  return plan.operations.map((o) => o.id);
}

describe('reconcile: creating and keeping', () => {
  test('an empty engine gets networks, volumes and containers, the dependent waiting for health', () => {
    assert.equal(
      text(stack(), emptyObserved()),
      [
        '+ network demo_default (create): no network',
        '+ volume demo_data (create): no volume',
        '+ db (create demo-db-1): no container',
        '= db (wait demo-db-1 healthy): web depends on db (service_healthy)',
        '+ web (create demo-web-1): no container',
        'Plan: 4 to create, 1 wait.',
        '',
      ].join('\n'),
    );
  });

  test('a second plan after applying the first is empty', () => {
    const m = stack();
    assert.equal(text(m, applied(m)), 'No changes.\n');
  });

  test('operations are in dependency order: volumes and networks, create, start, wait, dependent start', () => {
    const plan = reconcile(stack(), emptyObserved());
    const order = ids(plan);
    const at = (id: string) => order.indexOf(id);
    assert.ok(at('create volume demo_data') < at('create container demo-db-1'));
    assert.ok(at(`create volume ${ANON}`) < at('create container demo-db-1'));
    assert.ok(at('create network demo_default') < at('create container demo-web-1'));
    assert.ok(at('start container demo-db-1') < at('wait for container demo-db-1 healthy'));
    assert.ok(at('wait for container demo-db-1 healthy') < at('start container demo-web-1'));
    assert.deepEqual(op(plan, 'start container demo-web-1').after, ['create container demo-web-1', 'wait for container demo-db-1 healthy']);
  });

  test('the same input always gives the same plan', () => {
    const a = reconcile(stack(), emptyObserved());
    const b = reconcile(stack(web(), db()), emptyObserved());
    assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
  });

  test('a stopped container is started, not recreated', () => {
    const m = stack();
    const o = withContainer(applied(m), 'demo-db-1', (c) => {
      c.state = 'exited';
      c.exitCode = 137;
    });
    // web is running and untouched: nothing waits for db.
    assert.equal(text(m, o), '> db (start demo-db-1): exited (137)\nPlan: 1 to start.\n');
  });

  test('a container created but never started (a killed run) is started', () => {
    const m = stack(service('app'));
    const o = withContainer(applied(m), 'demo-app-1', (c) => {
      c.state = 'created';
    });
    assert.equal(text(m, o), '> app (start demo-app-1): created, not started\nPlan: 1 to start.\n');
  });

  test('a missing image is pulled before the containers that use it', () => {
    const m = stack(service('cache', { image: 'redis:7' }));
    const plan = reconcile(m, emptyObserved());
    assert.deepEqual(op(plan, 'create container demo-cache-1').after, ['create network demo_default', 'pull image redis:7']);
    assert.match(formatPlan(plan), /^\+ image redis:7 \(pull\): no image$/m);
  });

  test('an image referenced without a tag is found under :latest', () => {
    const m = stack(service('box', { image: 'busybox' }));
    const o = { ...emptyObserved(), images: { 'busybox:latest': 'sha256:1' } };
    assert.ok(!ids(reconcile(m, o)).some((id) => id.startsWith('pull')));
  });

  test('a service with several networks is created on the highest-priority one and connected to the others before it starts', () => {
    const m = stack(service('api', { networks: { front: attachment(), back: attachment({ priority: 10 }) } }));
    const plan = reconcile(m, emptyObserved());
    const create = op(plan, 'create container demo-api-1');
    assert.ok(create.kind === 'container.create');
    assert.deepEqual(Object.keys(create.body.NetworkingConfig!.EndpointsConfig), ['demo_back']);
    assert.deepEqual(op(plan, 'connect container demo-api-1 to network demo_front').after, ['create container demo-api-1', 'create network demo_front']);
    assert.deepEqual(op(plan, 'start container demo-api-1').after, ['connect container demo-api-1 to network demo_front', 'create container demo-api-1']);
  });

  test('starts of containers that publish ports share the ports serial key; others do not', () => {
    const plan = reconcile(stack(), emptyObserved());
    assert.equal(op(plan, 'start container demo-web-1').serialKey, 'ports');
    assert.equal(op(plan, 'start container demo-db-1').serialKey, undefined);
  });

  test('a service called __proto__ is plain data', () => {
    const m = stack(service('__proto__'));
    assert.equal(text(m, emptyObserved()), '+ network demo_default (create): no network\n+ __proto__ (create demo-__proto__-1): no container\nPlan: 2 to create.\n');
    assert.equal(text(m, applied(m)), 'No changes.\n');
  });
});

describe('reconcile: what makes a container be recreated', () => {
  test('one changed environment value recreates that container only, naming the field and both values', () => {
    const before = stack();
    const after = stack(db(), web({ environment: { LOG_LEVEL: 'debug' } }));
    const o = applied(stack(db(), web({ environment: { LOG_LEVEL: 'info' } })));
    void before;
    assert.equal(text(after, o), '~ web (recreate demo-web-1): environment.LOG_LEVEL "info" → "debug"\nPlan: 1 to recreate.\n');
  });

  test('the recreate is probe the new body, stop old, remove old, create new, start new', () => {
    const o = applied(stack());
    const plan = reconcile(stack(db(), web({ command: ['httpd', '-f'] })), o);
    assert.deepEqual(ids(plan), [
      'create container demo-web-1-probe',
      'remove container demo-web-1-probe',
      'stop container demo-web-1',
      'remove container demo-web-1',
      'create container demo-web-1',
      'start container demo-web-1',
    ]);
    assert.ok(plan.operations.every((x) => x.group === 'recreate demo-web-1'));
    const remove = op(plan, 'remove container demo-web-1');
    assert.ok(remove.kind === 'container.remove' && remove.container.id !== undefined && remove.removeAnonymousVolumes === false);
  });

  test('a changed port is reported item by item', () => {
    const o = applied(stack());
    const m = stack(db(), web({ ports: [{ target: 80, published: '9090', protocol: 'tcp', mode: 'ingress' }] }));
    assert.equal(text(m, o), '~ web (recreate demo-web-1): ports[0].published "8080" → "9090"\nPlan: 1 to recreate.\n');
  });

  test('an image reference that now resolves to another id recreates its containers', () => {
    const m = stack(service('app'));
    const o = { ...applied(m), images: { 'stack-test/busybox:1': 'sha256:ffff00001111aaaa' } };
    assert.equal(text(m, o), '~ app (recreate demo-app-1): image stack-test/busybox:1 now points to ffff00001111 (container has 35717712ad9a)\nPlan: 1 to recreate.\n');
  });

  test('a container missing one of its networks is recreated', () => {
    const m = stack();
    const o = withContainer(applied(m), 'demo-web-1', (c) => {
      c.networks = {};
    });
    assert.equal(text(m, o), '~ web (recreate demo-web-1): not attached to network demo_default\nPlan: 1 to recreate.\n');
  });

  test('a container missing one of its volumes is recreated', () => {
    const m = stack();
    const o = withContainer(applied(m), 'demo-db-1', (c) => {
      c.mounts = c.mounts.filter((x) => x.name !== 'demo_data');
    });
    assert.equal(text(m, o), '~ db (recreate demo-db-1): volume demo_data not mounted at /var/lib/db\nPlan: 1 to recreate.\n');
  });

  test('scale, profiles, depends_on and attach do not recreate anything', () => {
    const o = applied(stack());
    const m = stack(db({ profiles: ['x'], attach: false }), web({ dependsOn: { db: dependsOn('service_started') } }));
    assert.equal(text(m, o), 'No changes.\n');
  });

  test('--force-recreate recreates everything, dependencies first', () => {
    const m = stack();
    assert.equal(
      text(m, applied(m), { forceRecreate: true }),
      [
        '~ db (recreate demo-db-1): forced (--force-recreate)',
        '= db (wait demo-db-1 healthy): web depends on db (service_healthy)',
        '~ web (recreate demo-web-1): forced (--force-recreate)',
        'Plan: 2 to recreate, 1 wait.',
        '',
      ].join('\n'),
    );
  });

  test('--no-recreate keeps a changed container', () => {
    const o = applied(stack());
    assert.equal(text(stack(db(), web({ environment: { A: '1' } })), o, { noRecreate: true }), 'No changes.\n');
  });

  test('--no-recreate still starts a stopped container', () => {
    const o = withContainer(applied(stack()), 'demo-web-1', (c) => {
      c.state = 'exited';
      c.exitCode = 0;
    });
    assert.equal(text(stack(db(), web({ environment: { A: '1' } })), o, { noRecreate: true }), '> web (start demo-web-1): exited (0)\nPlan: 1 to start.\n');
  });

  test('--always-recreate-deps recreates the dependencies of the selected services', () => {
    const m = stack();
    assert.equal(
      text(m, applied(m), { services: ['web'], alwaysRecreateDeps: true }),
      '~ db (recreate demo-db-1): forced (--always-recreate-deps)\nPlan: 1 to recreate.\n',
    );
  });

  test('a container sharing the network namespace of a recreated one (network_mode: service:x) is recreated too', () => {
    const sidecar = service('sidecar', { networkMode: 'service:app', dependsOn: { app: dependsOn('service_started', { implicit: true }) } });
    const o = applied(stack(service('app'), sidecar));
    const plan = reconcile(stack(service('app', { environment: { A: '1' } }), sidecar), o);
    assert.equal(
      formatPlan(plan),
      [
        '~ app (recreate demo-app-1): environment.A added "1"',
        '~ sidecar (recreate demo-sidecar-1): app is recreated and this container shares its network or volumes',
        'Plan: 2 to recreate.',
        '',
      ].join('\n'),
    );
    assert.ok(op(plan, 'create container demo-sidecar-1').after.includes('start container demo-app-1'));
  });
});

describe('reconcile: dependencies and waits', () => {
  test('a dependent with depends_on restart: true is restarted after its dependency is recreated and healthy', () => {
    const o = applied(stack(db(), web({ dependsOn: { db: dependsOn('service_healthy', { restart: true }) } })));
    const plan = reconcile(stack(db({ environment: { V: '2' } }), web({ dependsOn: { db: dependsOn('service_healthy', { restart: true }) } })), o);
    assert.equal(
      formatPlan(plan),
      [
        '~ db (recreate demo-db-1): environment.V added "2"',
        '= db (wait demo-db-1 healthy): web depends on db (service_healthy)',
        '* web (restart demo-web-1): db is recreated (depends_on restart: true)',
        'Plan: 1 to recreate, 1 to restart, 1 wait.',
        '',
      ].join('\n'),
    );
    assert.deepEqual(op(plan, 'restart container demo-web-1').after, ['wait for container demo-db-1 healthy']);
  });

  test('a dependent that started before its restart: true dependency was recreated is restarted (an interrupted run)', () => {
    const m = stack(db(), web({ dependsOn: { db: dependsOn('service_healthy', { restart: true }) } }));
    const recreated = applyPlan(reconcile(stack(db({ environment: { V: '2' } }), web({ dependsOn: { db: dependsOn('service_healthy', { restart: true }) } })), applied(m)), applied(m), {
      // db's create probe (create, remove), stop, remove, create, start: killed before web's restart.
      limit: 6,
    });
    const plan = reconcile(stack(db({ environment: { V: '2' } }), web({ dependsOn: { db: dependsOn('service_healthy', { restart: true }) } })), recreated);
    assert.equal(
      formatPlan(plan),
      [
        '* web (restart demo-web-1): db was recreated after this container started (depends_on restart: true; an earlier run stopped before restarting it)',
        'Plan: 1 to restart.',
        '',
      ].join('\n'),
    );
  });

  test('without engine times, a running dependent is not restarted for a dependency it cannot compare with', () => {
    const m = stack(db({ environment: { V: '2' } }), web({ dependsOn: { db: dependsOn('service_healthy', { restart: true }) } }));
    const o = applied(m);
    const untimed = { ...o, containers: o.containers.map(({ times: _times, ...c }) => c) };
    assert.equal(text(m, untimed), 'No changes.\n');
  });

  test('a dependent without restart: true is left alone when its dependency is recreated', () => {
    const o = applied(stack());
    assert.equal(text(stack(db({ environment: { V: '2' } }), web()), o), '~ db (recreate demo-db-1): environment.V added "2"\nPlan: 1 to recreate.\n');
  });

  test('no wait for a healthy dependency that this plan does not touch', () => {
    const o = withoutContainers(applied(stack()), 'demo-web-1');
    assert.equal(text(stack(), o), '+ web (create demo-web-1): no container\nPlan: 1 to create.\n');
  });

  test('a wait for an untouched dependency that is not healthy yet', () => {
    const o = withContainer(withoutContainers(applied(stack()), 'demo-web-1'), 'demo-db-1', (c) => {
      c.health = 'starting';
    });
    assert.equal(
      text(stack(), o),
      '= db (wait demo-db-1 healthy): web depends on db (service_healthy)\n+ web (create demo-web-1): no container\nPlan: 1 to create, 1 wait.\n',
    );
  });

  test('service_completed_successfully waits for the job, and a job that already exited 0 is not rerun', () => {
    const migrate = service('migrate', { command: ['true'] });
    const app = service('app', { dependsOn: { migrate: dependsOn('service_completed_successfully') } });
    const m = stack(migrate, app);
    assert.equal(
      text(m, emptyObserved()),
      [
        '+ network demo_default (create): no network',
        '+ app (create demo-app-1): no container',
        '+ migrate (create demo-migrate-1): no container',
        '= migrate (wait demo-migrate-1 completed): app depends on migrate (service_completed_successfully)',
        'Plan: 3 to create, 1 wait.',
        '',
      ].join('\n'),
    );
    const done = withContainer(applied(m), 'demo-migrate-1', (c) => {
      c.state = 'exited';
      c.exitCode = 0;
    });
    assert.equal(text(m, done), 'No changes.\n');
    const failed = withContainer(done, 'demo-migrate-1', (c) => {
      c.exitCode = 3;
    });
    assert.equal(text(m, failed), '> migrate (start demo-migrate-1): exited (3)\nPlan: 1 to start.\n');
  });

  test('a dependency with required: false gets an optional wait', () => {
    const m = stack(db(), web({ dependsOn: { db: dependsOn('service_healthy', { required: false }) } }));
    const plan = reconcile(m, emptyObserved());
    const wait = op(plan, 'wait for container demo-db-1 healthy (optional)');
    assert.ok(wait.kind === 'container.wait' && wait.required === false && wait.condition === 'service_healthy');
  });

  test('waits are bounded by the wait timeout option', () => {
    const plan = reconcile(stack(), emptyObserved(), { waitTimeoutMs: 1234 });
    const wait = op(plan, 'wait for container demo-db-1 healthy');
    assert.ok(wait.kind === 'container.wait' && wait.timeoutMs === 1234);
  });

  test('selecting a service pulls in its dependencies', () => {
    const m = stack(db(), web(), service('extra'));
    const plan = reconcile(m, emptyObserved(), { services: ['web'] });
    assert.ok(ids(plan).includes('create container demo-db-1'));
    assert.ok(!ids(plan).includes('create container demo-extra-1'));
  });

  test('--no-deps plans only the selected service', () => {
    const m = stack();
    const o = withoutContainers(applied(m), 'demo-db-1', 'demo-web-1');
    assert.equal(text(m, o, { services: ['web'], noDeps: true }), '+ web (create demo-web-1): no container\n! warning: web depends on db, which has no container\nPlan: 1 to create.\n');
  });

  test('an unknown service on the command line is a usage error', () => {
    assert.throws(() => reconcile(stack(), emptyObserved(), { services: ['nope'] }), (e: unknown) => e instanceof UsageError && /no such service: nope/.test(e.message));
  });

  test('--no-start creates without starting or waiting', () => {
    const plan = reconcile(stack(), emptyObserved(), { noStart: true });
    assert.ok(!plan.operations.some((o) => o.kind === 'container.start' || o.kind === 'container.wait'));
    assert.ok(ids(plan).includes('create container demo-web-1'));
  });

  test('--wait adds a wait for every container this plan starts', () => {
    const plan = reconcile(stack(db(), service('app')), emptyObserved(), { wait: true });
    assert.ok(ids(plan).includes('wait for container demo-db-1 healthy'));
    assert.ok(ids(plan).includes('wait for container demo-app-1 running'));
  });

  test('--wait on a converged, healthy stack has nothing to do', () => {
    const m = stack();
    assert.equal(text(m, applied(m), { wait: true }), 'No changes.\n');
  });
});

describe('reconcile: scale', () => {
  test('scale up keeps the existing replica and adds the next numbers', () => {
    const m = stack();
    assert.equal(text(m, applied(m), { scale: { web: 3 } }), '+ web (create demo-web-2): scale up to 3\n+ web (create demo-web-3): scale up to 3\nPlan: 2 to create.\n');
  });

  test('scale down removes the highest numbers and keeps the lowest', () => {
    const m = stack();
    const three = applied(m, { scale: { web: 3 } });
    assert.equal(text(m, three), '- web (remove demo-web-2): scale down to 1\n- web (remove demo-web-3): scale down to 1\nPlan: 2 to remove.\n');
  });

  test('the scale field of the service is honoured', () => {
    const m = stack(service('worker', { scale: 2 }));
    assert.match(text(m, emptyObserved()), /create demo-worker-2/);
  });

  test('a gap in replica numbers is filled with the lowest free number', () => {
    const m = stack(service('worker', { scale: 3 }));
    const o = withoutContainers(applied(m), 'demo-worker-2');
    assert.equal(text(m, o), '+ worker (create demo-worker-2): scale up to 3\nPlan: 1 to create.\n');
  });

  test('container_name with more than one replica is refused', () => {
    assert.throws(
      () => reconcile(stack(service('one', { containerName: 'the-one', scale: 2 })), emptyObserved()),
      (e: unknown) => e instanceof OperationError && /container_name the-one/.test(e.message),
    );
  });

  test('two containers holding one replica number (a race) are reduced to the expected one', () => {
    const m = stack(service('app'));
    const o = applied(m);
    const twin = { ...o.containers.find((c) => c.name === 'demo-app-1')!, id: 'c-twin', name: 'demo_app_1', created: 999 };
    assert.equal(text(m, { ...o, containers: [...o.containers, twin] }), '- app (remove demo_app_1): duplicate of replica 1\nPlan: 1 to remove.\n');
  });
});

describe('reconcile: orphans and ownership', () => {
  test('a container of a service no longer in the file is warned about and kept', () => {
    const o = applied(stack(db(), web(), service('old')));
    assert.equal(
      text(stack(), o),
      '! warning: found orphan container demo-old-1 (service old is not in the stack file): run with --remove-orphans to remove it\nNo changes.\n',
    );
  });

  test('--remove-orphans removes it', () => {
    const o = applied(stack(db(), web(), service('old')));
    assert.equal(text(stack(), o, { removeOrphans: true }), '- old (remove demo-old-1): orphan\nPlan: 1 to remove.\n');
  });

  test('a profile-disabled service is not an orphan', () => {
    const o = applied(stack(db(), web(), service('debug')));
    const m = model({ services: [db(), web()], disabledServices: ['debug'] });
    assert.equal(text(m, o, { removeOrphans: true }), 'No changes.\n');
  });

  test('a running one-off container is not an orphan; a stopped one is', () => {
    const m = stack(service('app'));
    const base = applied(m);
    const app = base.containers[0]!;
    const oneoff = (name: string, state: 'running' | 'exited') => ({
      ...app,
      id: `id-${name}`,
      name,
      state,
      labels: { ...app.labels, [COMPOSE.oneoff]: 'True' },
    });
    const o = { ...base, containers: [...base.containers, oneoff('demo-app-run-1', 'running'), oneoff('demo-app-run-2', 'exited')] };
    assert.equal(text(m, o, { removeOrphans: true }), '- app (remove demo-app-run-2): stopped one-off container\nPlan: 1 to remove.\n');
  });

  test('a container with our project labels but without our ownership label is never adopted, changed or removed', () => {
    const m = stack(service('app'));
    const base = applied(m);
    const handMade = { ...base.containers[0]!, id: 'hand', name: 'hand-made', labels: { [COMPOSE.project]: 'demo', [COMPOSE.service]: 'old' } };
    const o = { ...base, containers: [...base.containers, handMade] };
    assert.equal(text(m, o, { removeOrphans: true, forceRecreate: false }), 'No changes.\n');
    assert.ok(!ids(reconcile(m, o, { forceRecreate: true, removeOrphans: true })).some((id) => id.includes('hand-made')));
  });

  test('a foreign container holding a name we need is an error naming it', () => {
    const o = { ...emptyObserved(), foreignByName: { containers: [{ name: 'demo-app-1', labels: {} }], networks: [], volumes: [] } };
    assert.throws(
      () => reconcile(stack(service('app')), o),
      (e: unknown) => e instanceof OperationError && /container demo-app-1 already exists and was not created by stack/.test(e.message),
    );
  });

  test('a foreign network holding our network name is an error naming it', () => {
    const o = { ...emptyObserved(), foreignByName: { containers: [], networks: [{ name: 'demo_default', labels: {} }], volumes: [] } };
    assert.throws(
      () => reconcile(stack(service('app')), o),
      (e: unknown) => e instanceof OperationError && /network demo_default already exists and was not created by stack/.test(e.message),
    );
  });

  test('a network created by docker compose (project label, no ownership label) is not adopted', () => {
    const o = emptyObserved();
    const composeNet = { id: 'cn', name: 'demo_default', driver: 'bridge', labels: { [COMPOSE.project]: 'demo', [COMPOSE.network]: 'default' }, internal: false, attachable: false, enableIpv6: false, options: {}, ipam: { driver: 'default', config: [] }, created: 'x' };
    assert.throws(() => reconcile(stack(service('app')), { ...o, networks: [composeNet] }), /network demo_default already exists/);
  });
});

describe('reconcile: networks', () => {
  test('an external network that does not exist is an error naming it', () => {
    const m = model({ services: [service('app', { networks: { shared: attachment() } })], networks: [networkSpec('demo', 'shared', { name: 'corp-net', external: true })] });
    assert.throws(
      () => reconcile(m, emptyObserved()),
      (e: unknown) => e instanceof OperationError && /external network corp-net does not exist/.test(e.message),
    );
  });

  test('an external network that exists is used, never created', () => {
    const m = model({ services: [service('app', { networks: { shared: attachment() } })], networks: [networkSpec('demo', 'shared', { name: 'corp-net', external: true })] });
    const o = { ...emptyObserved(), networks: [{ id: 'ext', name: 'corp-net', driver: 'bridge', labels: {}, internal: false, attachable: false, enableIpv6: false, options: {}, ipam: { driver: 'default', config: [] }, created: 'x' }] };
    assert.equal(text(m, o), '+ app (create demo-app-1): no container\nPlan: 1 to create.\n');
  });

  test('a changed network is recreated, its containers taken off it first and recreated on it', () => {
    const o = applied(stack());
    const m = model({ services: [db(), web()], networks: [networkSpec('demo', 'default', { internal: true })] });
    const plan = reconcile(m, o);
    assert.equal(
      formatPlan(plan),
      [
        '~ network demo_default (recreate): internal false → true',
        '~ db (recreate demo-db-1): network demo_default is recreated',
        '= db (wait demo-db-1 healthy): web depends on db (service_healthy)',
        '~ web (recreate demo-web-1): network demo_default is recreated',
        'Plan: 3 to recreate, 1 wait.',
        '',
      ].join('\n'),
    );
    assert.deepEqual(op(plan, 'remove network demo_default').after, ['remove container demo-db-1', 'remove container demo-web-1']);
    assert.ok(op(plan, 'create container demo-web-1').after.includes('create network demo_default'));
  });

  test('a service outside the selection that sits on a recreated network is recreated too', () => {
    const o = applied(stack(service('a'), service('b')));
    const m = model({ services: [service('a'), service('b')], networks: [networkSpec('demo', 'default', { internal: true })] });
    assert.match(text(m, o, { services: ['a'] }), /~ b \(recreate demo-b-1\): network demo_default is recreated/);
  });

  test('a duplicate network left by a race is removed, the oldest kept', () => {
    const m = stack(service('app'));
    const o = applied(m);
    const dup = { ...o.networks[0]!, id: 'zz-duplicate-network', created: '2099-01-01T00:00:00Z' };
    assert.equal(text(m, { ...o, networks: [...o.networks, dup] }), '- network demo_default zz-duplicate (remove): duplicate network\nPlan: 1 to remove.\n');
  });

  test('of two same-named networks, the one the containers are on is kept, even when it is the younger', () => {
    const m = stack(service('app'));
    const o = applied(m);
    const olderEmpty = { ...o.networks[0]!, id: 'aa-older-empty', created: '2000-01-01T00:00:00Z' };
    assert.equal(text(m, { ...o, networks: [...o.networks, olderEmpty] }), '- network demo_default aa-older-emp (remove): duplicate network\nPlan: 1 to remove.\n');
  });

  test('a new container joins a network that already exists by its id, so a duplicate of its name cannot make its start ambiguous', () => {
    const o = applied(stack(service('a')));
    const plan = reconcile(stack(service('a'), service('b')), o);
    const create = op(plan, 'create container demo-b-1');
    assert.ok(create.kind === 'container.create');
    assert.equal(create.body.NetworkingConfig?.EndpointsConfig['demo_default']?.NetworkID, o.networks[0]!.id);
  });

  test('a second network that already exists is joined by its id too', () => {
    const back = networkSpec('demo', 'back');
    const o = applied(model({ services: [service('a', { networks: { default: attachment(), back: attachment() } })], networks: [back] }));
    const m = model({ services: [service('a', { networks: { default: attachment(), back: attachment() } }), service('b', { networks: { default: attachment(), back: attachment() } })], networks: [back] });
    const connect = op(reconcile(m, o), 'connect container demo-b-1 to network demo_default');
    assert.ok(connect.kind === 'network.connect');
    assert.equal(connect.endpoint.NetworkID, o.networks.find((n) => n.name === 'demo_default')!.id);
  });

  test('a duplicate network found at plan time is removed while new containers join the kept one', () => {
    const m = stack(service('a'));
    const o = applied(m);
    const dup = { ...o.networks[0]!, id: 'zz-duplicate-network', created: '2099-01-01T00:00:00Z' };
    const next = stack(service('a'), service('b'));
    const after = applyPlan(reconcile(next, { ...o, networks: [...o.networks, dup] }), { ...o, networks: [...o.networks, dup] });
    assert.deepEqual(after.networks.map((n) => n.id), [o.networks[0]!.id]);
    assert.equal(after.containers.find((c) => c.name === 'demo-b-1')!.networks['demo_default']!.networkId, o.networks[0]!.id);
  });
});

describe('reconcile: volumes', () => {
  const changedDataVolume = () => volumeSpec('demo', 'data', { driverOpts: Object.assign(Object.create(null) as Record<string, string>, { type: 'tmpfs' }) });

  test('a changed volume is refused without -y, naming it and the change', () => {
    const o = applied(stack());
    assert.throws(
      () => reconcile(model({ services: [db(), web()], volumes: [changedDataVolume()] }), o),
      (e: unknown) => e instanceof OperationError && /volume demo_data would have to be recreated \(driverOpts.type added "tmpfs"\).*-y/.test(e.message),
    );
  });

  test('a changed volume with -y is removed and created again around its containers', () => {
    const o = applied(stack());
    const plan = reconcile(model({ services: [db(), web()], volumes: [changedDataVolume()] }), o, { assumeYes: true });
    assert.equal(
      formatPlan(plan),
      '~ volume demo_data (recreate): driverOpts.type added "tmpfs"\n~ db (recreate demo-db-1): volume demo_data is recreated\nPlan: 2 to recreate.\n',
    );
    assert.deepEqual(op(plan, 'remove volume demo_data').after, ['remove container demo-db-1']);
    assert.ok(op(plan, 'create container demo-db-1').after.includes('create volume demo_data'));
  });

  test('an external volume that does not exist is an error naming it', () => {
    const m = model({ services: [service('app', { mounts: [namedVolumeMount('shared', '/s')] })], volumes: [volumeSpec('demo', 'shared', { name: 'corp-data', external: true })] });
    assert.throws(() => reconcile(m, emptyObserved()), /external volume corp-data does not exist/);
  });

  test('a recreated container inherits its anonymous volume: it is neither removed nor created again', () => {
    const o = applied(stack());
    const plan = reconcile(stack(db({ environment: { X: '1' } }), web()), o);
    assert.ok(!plan.operations.some((x) => x.kind === 'volume.create' || x.kind === 'volume.remove'));
    const create = op(plan, 'create container demo-db-1');
    assert.ok(create.kind === 'container.create');
    const mounts = (create.body.HostConfig as { Mounts: { Source: string; Target: string }[] }).Mounts;
    assert.ok(mounts.some((x) => x.Source === ANON && x.Target === '/cache'));
  });

  test('-V renews the anonymous volumes of the containers it recreates', () => {
    const o = applied(stack());
    const plan = reconcile(stack(db({ environment: { X: '1' } }), web()), o, { renewAnonVolumes: true });
    assert.equal(formatPlan(plan), `~ db (recreate demo-db-1): environment.X added "1"; renews ${ANON} (-V)\nPlan: 1 to recreate.\n`);
    assert.deepEqual(op(plan, `remove volume ${ANON}`).after, ['remove container demo-db-1']);
    assert.deepEqual(op(plan, 'create container demo-db-1').after.filter((a) => a.includes('volume')), [`create volume ${ANON}`]);
  });

  test('an interrupted recreate (old container gone, new one missing) creates it again with the same volumes', () => {
    const m = stack();
    const o = withoutContainers(applied(m), 'demo-db-1');
    const plan = reconcile(m, o);
    assert.equal(formatPlan(plan), '+ db (create demo-db-1): no container\nPlan: 1 to create.\n');
    assert.ok(!plan.operations.some((x) => x.kind === 'volume.create'));
  });

  test('a foreign volume holding our volume name is an error naming it', () => {
    const o = { ...emptyObserved(), volumes: [{ name: 'demo_data', driver: 'local', labels: {}, options: {}, mountpoint: '/x' }] };
    assert.throws(() => reconcile(stack(), o), /volume demo_data already exists and was not created by stack/);
  });
});

describe('reconcile: labels written on what it creates', () => {
  test('containers carry Compose identity labels and ours', () => {
    const plan = reconcile(stack(), emptyObserved(), { stackVersion: '0.1.0' });
    const create = op(plan, 'create container demo-web-1');
    assert.ok(create.kind === 'container.create');
    const labels = create.body.Labels!;
    assert.equal(labels[COMPOSE.project], 'demo');
    assert.equal(labels[COMPOSE.service], 'web');
    assert.equal(labels[COMPOSE.containerNumber], '1');
    assert.equal(labels[COMPOSE.oneoff], 'False');
    assert.equal(labels[COMPOSE.workingDir], '/work/demo');
    assert.equal(labels[COMPOSE.configFiles], '/work/demo/stack.yaml');
    assert.equal(labels[COMPOSE.dependsOn], 'db:service_healthy:false');
    assert.equal(labels[STACK.managed], 'true');
    assert.equal(labels[STACK.version], '0.1.0');
    assert.match(labels[STACK.configHash]!, /^[0-9a-f]{64}$/);
    assert.equal(JSON.parse(labels[STACK.spec]!).image, 'stack-test/busybox:1');
  });

  test('networks and volumes carry the project, their key, ownership and a resource hash', () => {
    const plan = reconcile(stack(), emptyObserved());
    const net = op(plan, 'create network demo_default');
    const vol = op(plan, 'create volume demo_data');
    const anon = op(plan, `create volume ${ANON}`);
    assert.ok(net.kind === 'network.create' && vol.kind === 'volume.create' && anon.kind === 'volume.create');
    assert.equal(net.body.Labels![COMPOSE.network], 'default');
    assert.equal(net.body.Labels![STACK.managed], 'true');
    assert.match(net.body.Labels![STACK.resourceHash]!, /^[0-9a-f]{64}$/);
    assert.equal(vol.body.Labels![COMPOSE.volume], 'data');
    assert.equal(vol.body.Labels![COMPOSE.project], 'demo');
    assert.equal(anon.body.Labels![STACK.anonymousVolume], 'db/1//cache');
    assert.equal(anon.body.Labels![STACK.managed], 'true');
  });
});

describe('reconcile: volumes the image declares', () => {
  const hex = 'ab'.repeat(32);
  const withImageVolume = (o: ObservedState) =>
    withContainer(o, 'demo-app-1', (c) => {
      c.mounts = [...c.mounts, { type: 'volume', name: hex, source: '', destination: '/var/lib/pg', rw: true }];
    });

  test('an anonymous volume the image declares is mounted again in the recreated container', () => {
    const o = withImageVolume(applyPlan(reconcile(stack(service('app')), emptyObserved()), emptyObserved()));
    const plan = reconcile(stack(service('app', { environment: { A: '1' } })), o);
    const create = op(plan, 'create container demo-app-1');
    assert.ok(create.kind === 'container.create');
    const mounts = (create.body.HostConfig as { Mounts?: { Type: string; Source: string; Target: string }[] }).Mounts ?? [];
    assert.deepEqual(mounts, [{ Type: 'volume', Source: hex, Target: '/var/lib/pg' }]);
  });

  test('with -V it is not inherited and goes with the old container', () => {
    const o = withImageVolume(applyPlan(reconcile(stack(service('app')), emptyObserved()), emptyObserved()));
    const plan = reconcile(stack(service('app', { environment: { A: '1' } })), o, { renewAnonVolumes: true });
    const create = op(plan, 'create container demo-app-1');
    assert.ok(create.kind === 'container.create');
    assert.equal((create.body.HostConfig as { Mounts?: unknown[] }).Mounts, undefined);
    const remove = op(plan, 'remove container demo-app-1');
    assert.ok(remove.kind === 'container.remove' && remove.removeAnonymousVolumes);
  });
});
