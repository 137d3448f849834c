// Crash safety by construction: a run killed after ANY operation leaves a state that the next
// run finishes, with no duplicates, no leftover create probe, no data lost (no volume removed
// unless asked), and then an empty plan. Checked on the simulator for every cut point of a
// cold start and of several kinds of recreate.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, formatPlan } from '../../../src/planner/index.js';
import type { ObservedState } from '../../../src/api/observed.js';
import type { ReconcileOptions } from '../../../src/planner/types.js';
import type { StackModel } from '../../../src/model/types.js';
import {
  anonymousMount,
  applyPlan,
  deliveredFiles,
  attachment,
  dependsOn,
  emptyObserved,
  model,
  namedVolumeMount,
  networkSpec,
  service,
} from '../../helpers/planner-fixtures.js';

function stackModel(env = 'a', internal = false): StackModel {
  return model({
    services: [
      service('db', { healthcheck: { test: ['CMD', 'true'] }, mounts: [namedVolumeMount('data', '/data'), anonymousMount('/cache')], environment: { V: env } }),
      service('api', {
        networks: { default: attachment(), back: attachment() },
        dependsOn: { db: dependsOn('service_healthy', { restart: true }) },
        environment: { V: env },
      }),
      service('web', { ports: [{ target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' }], dependsOn: { api: dependsOn('service_started') } }),
    ],
    networks: [networkSpec('demo', 'back', { internal })],
  });
}

/** Kill after each operation of the first run, rerun to completion, and check the result. */
function checkEveryCut(target: StackModel, start: ObservedState, options: ReconcileOptions = {}): void {
  const first = reconcile(target, start, options);
  assert.ok(first.operations.length > 0, 'the scenario must have work to do');
  const full = applyPlan(first, start);
  const expectedNames = full.containers.map((c) => c.name).sort();
  const volumesBefore = new Set(start.volumes.map((v) => v.name));
  for (let cut = 0; cut <= first.operations.length; cut++) {
    const killed = applyPlan(first, start, { limit: cut });
    const rerun = reconcile(target, killed, options);
    const removedVolumes = rerun.operations.filter((o) => o.kind === 'volume.remove').map((o) => (o.kind === 'volume.remove' ? o.volume : ''));
    if (!options.renewAnonVolumes && !options.assumeYes) {
      assert.deepEqual(removedVolumes, [], `cut ${cut}: the rerun must not remove volumes`);
    }
    const final = applyPlan(rerun, killed);
    assert.deepEqual(final.containers.map((c) => c.name).sort(), expectedNames, `cut ${cut}: containers`);
    assert.equal(new Set(final.networks.map((n) => n.name)).size, final.networks.length, `cut ${cut}: duplicate networks`);
    for (const v of volumesBefore) {
      if (!options.renewAnonVolumes && !options.assumeYes) assert.ok(final.volumes.some((x) => x.name === v), `cut ${cut}: volume ${v} lost`);
    }
    assert.equal(formatPlan(reconcile(target, final, options)), 'No changes.\n', `cut ${cut}: the plan after the rerun must be empty`);
  }
}

/** Small deterministic PRNG (mulberry32) so the random cuts are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The executor runs independent operations in parallel, so a kill can leave any set of
 * operations done that is closed under prerequisites, not just a prefix of the sorted list.
 */
function checkRandomCuts(target: StackModel, start: ObservedState, rounds: number): void {
  const first = reconcile(target, start);
  const expectedNames = applyPlan(first, start).containers.map((c) => c.name).sort();
  const random = prng(42);
  for (let round = 0; round < rounds; round++) {
    const done = new Set<string>();
    for (const op of first.operations) if (op.after.every((a) => done.has(a)) && random() < 0.6) done.add(op.id);
    const killed = applyPlan(first, start, { only: done });
    const rerun = reconcile(target, killed);
    assert.ok(!rerun.operations.some((o) => o.kind === 'volume.remove'), `round ${round}: no volume removed`);
    const final = applyPlan(rerun, killed);
    assert.deepEqual(final.containers.map((c) => c.name).sort(), expectedNames, `round ${round}: containers`);
    assert.equal(formatPlan(reconcile(target, final)), 'No changes.\n', `round ${round}: converged`);
  }
}

test('a recreate killed with any DAG-closed set of operations done is finished by the next run', () => {
  const running = applyPlan(reconcile(stackModel('a'), emptyObserved()), emptyObserved());
  checkRandomCuts(stackModel('b', true), running, 60);
});

test('a cold up killed after any operation is finished by the next run', () => {
  checkEveryCut(stackModel(), emptyObserved());
});

test('a recreate killed after any operation is finished by the next run, keeping every volume', () => {
  const m = stackModel('a');
  const running = applyPlan(reconcile(m, emptyObserved()), emptyObserved());
  checkEveryCut(stackModel('b'), running);
});

test('a network recreate killed after any operation is finished by the next run', () => {
  const m = stackModel('a', false);
  const running = applyPlan(reconcile(m, emptyObserved()), emptyObserved());
  checkEveryCut(stackModel('a', true), running);
});

test('a scale up and down killed after any operation is finished by the next run', () => {
  const m = stackModel();
  const running = applyPlan(reconcile(m, emptyObserved(), { scale: { api: 3 } }), emptyObserved());
  checkEveryCut(m, running, { scale: { api: 1, web: 2 } });
});

test('a -V recreate killed after any operation is finished by the next -V run', () => {
  const m = stackModel('a');
  const running = applyPlan(reconcile(m, emptyObserved()), emptyObserved());
  checkEveryCut(stackModel('b'), running, { renewAnonVolumes: true });
});

/** db, and web that depends on it with `restart: true`; GENERATION changes db alone. */
function restartModel(generation: string): StackModel {
  return model({
    services: [
      service('db', { environment: { GENERATION: generation } }),
      service('web', { dependsOn: { db: dependsOn('service_started', { restart: true }) } }),
    ],
  });
}

/** Precise engine times of a container, as observe reads them (the simulator keeps a clock). */
function timesOf(observed: ObservedState, name: string): { createdUs: number; startedUs?: number } {
  const c = observed.containers.find((x) => x.name === name);
  assert.ok(c?.times, `${name} has engine times`);
  return c.times;
}

test('a run killed between a dependency recreate and the dependent restart: the next run restarts the dependent', () => {
  const running = applyPlan(reconcile(restartModel('1'), emptyObserved()), emptyObserved());
  const target = restartModel('2');
  const first = reconcile(target, running);
  assert.ok(first.operations.some((o) => o.id === 'restart container demo-web-1'), 'the change plans the restart');
  for (let cut = 0; cut <= first.operations.length; cut++) {
    const killed = applyPlan(first, running, { limit: cut });
    const final = applyPlan(reconcile(target, killed), killed);
    const db = timesOf(final, 'demo-db-1');
    const web = timesOf(final, 'demo-web-1');
    assert.ok(web.startedUs! > db.createdUs, `cut ${cut}: web (started ${web.startedUs}) restarted after db was created (${db.createdUs})`);
    assert.equal(formatPlan(reconcile(target, final)), 'No changes.\n', `cut ${cut}: the plan after the rerun is empty`);
  }
});

test('a dependency scaled up while its restart: true dependent runs does not restart the dependent, now or later', () => {
  const m = restartModel('1');
  const running = applyPlan(reconcile(m, emptyObserved()), emptyObserved());
  const scaled = applyPlan(reconcile(m, running, { scale: { db: 2 } }), running);
  assert.ok(!reconcile(m, running, { scale: { db: 2 } }).operations.some((o) => o.kind === 'container.restart'));
  assert.equal(formatPlan(reconcile(m, scaled, { scale: { db: 2 } })), 'No changes.\n');
});

/** app with a secret from the environment: delivered into the container between create and start. */
function secretModel(value: string): StackModel {
  const m = model({
    services: [service('app', { secrets: [{ source: 'api', target: '/run/secrets/api', mode: 0o400 }] })],
    secrets: [{ key: 'api', name: 'demo_api', external: false, environment: 'API', environmentValue: value, labels: {} }],
    sensitiveValues: [value],
    sensitivePaths: ['secrets.api.environmentValue'],
  });
  return m;
}

test('a run killed between the create of a container and the delivery of its secret: the next run delivers it before the start', () => {
  for (const start of [emptyObserved(), applyPlan(reconcile(secretModel('first-value'), emptyObserved()), emptyObserved())]) {
    const target = secretModel('second-value');
    const first = reconcile(target, start);
    assert.ok(first.operations.some((o) => o.kind === 'container.copy-files'), 'the plan delivers the secret');
    for (let cut = 0; cut <= first.operations.length; cut++) {
      const killed = applyPlan(first, start, { limit: cut });
      const final = applyPlan(reconcile(target, killed), killed);
      const app = final.containers.find((c) => c.name === 'demo-app-1');
      assert.equal(app?.state, 'running', `cut ${cut}: app runs`);
      assert.deepEqual(deliveredFiles(app), ['/run/secrets/api'], `cut ${cut}: the secret was delivered to the container that runs`);
      assert.equal(formatPlan(reconcile(target, final)), 'No changes.\n', `cut ${cut}: the plan after the rerun is empty`);
    }
  }
});
