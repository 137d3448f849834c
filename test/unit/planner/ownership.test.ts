// Whose objects the planner may act on (issue 12, items 2, 3 and 5), from model and observed
// literals: names another project holds (refused, or a fixed-name volume shared), a project
// Docker Compose brought up (refused whole), and containers brought up from another folder
// (warned; destructive steps refused unless taken over), for `up` and for `down`.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OperationError } from '../../../src/errors.js';
import { COMPOSE, STACK } from '../../../src/api/labels.js';
import { formatPlan, planDown, reconcile } from '../../../src/planner/index.js';
import type { ObservedState } from '../../../src/api/observed.js';
import type { StackModel } from '../../../src/model/types.js';
import { applyPlan, bindMount, emptyObserved, model, namedVolumeMount, networkSpec, service, volumeSpec, withContainer } from '../../helpers/planner-fixtures.js';

const refusal = (pattern: RegExp) => (e: unknown) => e instanceof OperationError && pattern.test(`${e.message}\n${e.hint ?? ''}`);
const byStackFor = (project: string) => ({ [COMPOSE.project]: project, [STACK.managed]: 'true' });
const running = (m: StackModel): ObservedState => applyPlan(reconcile(m, emptyObserved()), emptyObserved());

describe('names another project holds', () => {
  const holding = (kind: 'containers' | 'networks' | 'volumes', name: string, labels: Record<string, string>): ObservedState => {
    const o = emptyObserved();
    return { ...o, foreignByName: { containers: [], networks: [], volumes: [], [kind]: [{ name, labels }] } };
  };

  test('a container name stack holds for another project is refused, naming that project', () => {
    const o = holding('containers', 'demo-b-c-1', byStackFor('demo-b'));
    assert.throws(
      () => reconcile(model({ services: [service('b-c')] }), o),
      refusal(/container demo-b-c-1 already exists, created by stack for project demo-b: two projects cannot share a container name/),
    );
  });

  test('a network of fixed name stack created for another project is refused, naming that project', () => {
    const m = model({ services: [service('app', { networks: { shared: { aliases: [], linkLocalIps: [], driverOpts: Object.create(null), priority: 0 } } })], networks: [networkSpec('demo', 'shared', { name: 'shared-net' })] });
    assert.throws(() => reconcile(m, holding('networks', 'shared-net', byStackFor('other'))), refusal(/network shared-net already exists, created by stack for project other: declare it external: true/));
  });

  test('a volume of fixed name another project holds is shared: nothing is planned for it, and the plan says so', () => {
    const m = model({ services: [service('app', { mounts: [namedVolumeMount('data', '/data')] })], volumes: [volumeSpec('demo', 'data', { name: 'shared-data' })] });
    const plan = reconcile(m, holding('volumes', 'shared-data', byStackFor('other')));
    assert.ok(!plan.operations.some((op) => op.kind === 'volume.create' || op.kind === 'volume.remove'), formatPlan(plan));
    assert.deepEqual(
      plan.warnings.map((w) => w.message),
      ['volume shared-data is shared: it was created by stack for project other; this project uses it as it is and never changes or removes it (declare it external: true to say so)'],
    );
  });

  test('a volume under the default name that another project holds is an accidental collision: refused', () => {
    // Project `demo` key `b_data` and project `demo_b` key `data` both make `demo_b_data`.
    const m = model({ services: [service('app', { mounts: [namedVolumeMount('b_data', '/data')] })] });
    assert.throws(() => reconcile(m, holding('volumes', 'demo_b_data', byStackFor('demo_b'))), refusal(/volume demo_b_data already exists, created by stack for project demo_b/));
  });

  test('a volume of fixed name made by hand (no project) is refused as before: declare it external', () => {
    const m = model({ services: [service('app', { mounts: [namedVolumeMount('data', '/data')] })], volumes: [volumeSpec('demo', 'data', { name: 'hand-made' })] });
    assert.throws(() => reconcile(m, holding('volumes', 'hand-made', {})), refusal(/volume hand-made already exists and was not created by stack: remove or rename it, or declare it external/));
  });
});

describe('a project docker-compose brought up', () => {
  const composeContainer = (o: ObservedState, name: string, version: string): ObservedState => ({
    ...o,
    containers: [
      ...o.containers,
      { ...running(model({ services: [service('app')] })).containers[0]!, id: name, name, labels: { [COMPOSE.project]: 'demo', [COMPOSE.service]: 'app', [COMPOSE.version]: version } },
    ],
  });

  test('is refused whole, naming docker-compose 1.x and its down command', () => {
    assert.throws(
      () => reconcile(model({ services: [service('app')] }), composeContainer(emptyObserved(), 'demo_app_1', '1.29.2')),
      refusal(/project demo was brought up by docker-compose 1\.29\.2: its containers \(demo_app_1\)[^]*docker-compose -p demo down/),
    );
  });

  test('is refused whole, naming docker compose v2 and its down command', () => {
    assert.throws(
      () => reconcile(model({ services: [service('app')] }), composeContainer(emptyObserved(), 'demo-app-1', '2.24.0')),
      refusal(/brought up by docker compose 2\.24\.0[^]*docker compose -p demo down/),
    );
  });

  test('a container made by hand with the project\'s labels (no Compose version) is not a Compose project: left alone', () => {
    const o = running(model({ services: [service('app')] }));
    const hand = { ...o.containers[0]!, id: 'hand', name: 'demo-app-7', labels: { [COMPOSE.project]: 'demo', [COMPOSE.service]: 'app' } };
    assert.equal(formatPlan(reconcile(model({ services: [service('app')] }), { ...o, containers: [...o.containers, hand] })), 'No changes.\n');
  });
});

describe('containers brought up from another folder', () => {
  // The same services from another folder: their relative bind mount resolves elsewhere.
  const fromFolder = (dir: string, extra: string[] = []): StackModel => {
    const m = model({ services: [service('app', { mounts: [bindMount(`${dir}/data`, '/data')] }), ...extra.map((s) => service(s))] });
    return { ...m, projectDirectory: dir };
  };
  const first = fromFolder('/work/First', ['only-first']);
  const upFromFirst = () => running(first);

  test('a plan that would recreate them is refused, naming both folders and the ways out', () => {
    assert.throws(
      () => reconcile(fromFolder('/work/first'), upFromFirst()),
      refusal(/project demo was brought up from another folder \(\/work\/First\), not from this run's \(\/work\/first\): stack will not recreate or remove its containers from there \(demo-app-1\)[^]*-p NAME[^]*stack up --take-over/),
    );
  });

  test('removing them as orphans is refused too', () => {
    const second = fromFolder('/work/first');
    const o = withContainer(upFromFirst(), 'demo-app-1', (c) => (c.labels[COMPOSE.workingDir] = '/work/first'));
    assert.throws(() => reconcile(second, o, { removeOrphans: true }), refusal(/will not recreate or remove its containers from there \(demo-only-first-1\)/));
  });

  test('a plan that only adds runs, with a warning naming both folders', () => {
    const adds = { ...model({ services: [service('only-second')] }), projectDirectory: '/work/first' };
    const plan = reconcile(adds, upFromFirst());
    assert.deepEqual(plan.operations.filter((op) => op.kind === 'container.remove' || op.kind === 'container.stop'), []);
    assert.ok(plan.warnings.some((w) => w.message.startsWith("project demo was brought up from another folder (/work/First), not from this run's (/work/first)")), JSON.stringify(plan.warnings));
  });

  test('--take-over recreates them, saying so, and allows removing the orphans', () => {
    const plan = reconcile(fromFolder('/work/first'), upFromFirst(), { takeOver: true, removeOrphans: true });
    assert.match(formatPlan(plan), /~ app \(recreate demo-app-1\): /);
    assert.ok(plan.operations.some((op) => op.id === 'remove container demo-only-first-1'), formatPlan(plan));
    assert.equal(plan.warnings.length, 0, 'taken over deliberately: nothing to warn about');
  });

  test('--take-over recreates a container whose spec is the same, so that it records this folder', () => {
    const same = { ...model({ services: [service('app'), service('only-first')] }), projectDirectory: '/work/First' };
    const there = running(same);
    const plan = reconcile({ ...same, projectDirectory: '/work/first' }, there, { takeOver: true });
    assert.match(formatPlan(plan), /~ app \(recreate demo-app-1\): taken over \(--take-over\) from \/work\/First/);
  });

  test('down from the other folder is refused, and runs with takeOver', () => {
    assert.throws(() => planDown(upFromFirst(), { removeVolumes: false, model: fromFolder('/work/first') }), refusal(/will not take down its containers from there[^]*stack down --take-over/));
    const plan = planDown(upFromFirst(), { removeVolumes: false, model: fromFolder('/work/first'), takeOver: true, removeOrphans: true });
    assert.ok(plan.operations.some((op) => op.id === 'remove container demo-app-1'));
  });

  test('down from labels alone (-p NAME, no file) has no folder to compare and runs', () => {
    const plan = planDown(upFromFirst(), { removeVolumes: false });
    assert.ok(plan.operations.some((op) => op.id === 'remove container demo-app-1'));
  });
});

test('down keeps a network that a container stack did not create is still on', () => {
  const o = running(model({ services: [service('app')] }));
  const net = o.networks[0]!;
  const hand = { ...o.containers[0]!, id: 'hand', name: 'demo-hand-1', labels: { [COMPOSE.project]: 'demo', [COMPOSE.service]: 'hand' } };
  const plan = planDown({ ...o, containers: [...o.containers, hand] }, { removeVolumes: false });
  assert.ok(plan.operations.some((op) => op.id === 'remove container demo-app-1'));
  assert.ok(!plan.operations.some((op) => op.kind === 'network.remove' && op.networkId === net.id), formatPlan(plan));
  assert.ok(!plan.operations.some((op) => op.id.includes('demo-hand-1')), 'the foreign container is left alone');
});
