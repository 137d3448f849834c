// Secrets out of labels: the spec label (`dev.stack.spec`) holds a digest of each sensitive
// leaf, never the value, on containers, networks and volumes; the config hash still changes
// when a secret rotates; the plan names the field without the value; containers whose labels
// an older stack wrote with the value in clear keep working and get a digest on their next
// recreate.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STACK, isSensitiveDigest, parseSpecLabel } from '../../../src/api/labels.js';
import { canonicalJson } from '../../../src/model/hash.js';
import { buildContainerCreateBody, canonicalServiceSpec, formatPlan, planLines, planToJson, reconcile } from '../../../src/planner/index.js';
import type { ObservedState } from '../../../src/api/observed.js';
import type { ContainerCreateOp, NetworkCreateOp, Plan, VolumeCreateOp } from '../../../src/planner/types.js';
import type { ServiceSpec, StackModel } from '../../../src/model/types.js';
import {
  applyPlan,
  emptyObserved,
  model,
  namedVolumeMount,
  networkSpec,
  service,
  volumeSpec,
  withContainer,
} from '../../helpers/planner-fixtures.js';

const TOKEN = 'tok-3f9a1c77e2';
const ROTATED = 'tok-b81d0e4a55';

function app(token: string, overrides: Parameters<typeof service>[1] = {}): ServiceSpec {
  return service('app', { environment: { TOKEN: token, LOG: 'info' }, ...overrides });
}

function stack(token: string, overrides: Parameters<typeof service>[1] = {}): StackModel {
  return model({ services: [app(token, overrides)], sensitiveValues: [token] });
}

function applied(m: StackModel): ObservedState {
  return applyPlan(reconcile(m, emptyObserved()), emptyObserved());
}

function createOp(plan: Plan, name = 'demo-app-1'): ContainerCreateOp {
  const op = plan.operations.find((o): o is ContainerCreateOp => o.kind === 'container.create' && o.container.name === name);
  assert.ok(op, `no create of ${name}`);
  return op;
}

/** What an older stack wrote: the spec label with every value in clear (and the paths it held secrets at). */
function withClearSpecLabel(observed: ObservedState, m: StackModel): ObservedState {
  return withContainer(observed, 'demo-app-1', (c) => {
    c.labels[STACK.spec] = canonicalJson(canonicalServiceSpec(m, m.services.app!));
    c.labels[STACK.sensitivePaths] = JSON.stringify(['environment.TOKEN']);
  });
}

test('the spec label holds a digest of a secret environment value, never the value', () => {
  const labels = createOp(reconcile(stack(TOKEN), emptyObserved())).body.Labels!;
  for (const [name, value] of Object.entries(labels)) assert.ok(!value.includes(TOKEN), `label ${name} holds the secret`);
  const spec = parseSpecLabel(labels) as { environment: Record<string, unknown> };
  assert.ok(isSensitiveDigest(spec.environment.TOKEN), `not a digest: ${String(spec.environment.TOKEN)}`);
  assert.equal(spec.environment.LOG, 'info', 'values that are not secret stay readable');
  assert.deepEqual(JSON.parse(labels[STACK.sensitivePaths]!), ['environment.TOKEN']);
});

test('the container itself still gets the value in its environment', () => {
  assert.ok(createOp(reconcile(stack(TOKEN), emptyObserved())).body.Env!.includes(`TOKEN=${TOKEN}`));
});

test('a rotated secret changes the config hash: the container is recreated and the plan names the field, not the value', () => {
  const plan = reconcile(stack(ROTATED), applied(stack(TOKEN)));
  assert.equal(formatPlan(plan), '~ app (recreate demo-app-1): environment.TOKEN (sensitive) → (sensitive)\nPlan: 1 to recreate.\n');
  assert.notEqual(createOp(plan).body.Labels![STACK.configHash], applied(stack(TOKEN)).containers[0]!.labels[STACK.configHash]);
});

test('an unchanged secret is no change, and is not listed when another field changes', () => {
  const running = applied(stack(TOKEN));
  assert.equal(formatPlan(reconcile(stack(TOKEN), running)), 'No changes.\n');
  const text = formatPlan(reconcile(stack(TOKEN, { environment: { TOKEN, LOG: 'debug' } }), running));
  assert.equal(text, '~ app (recreate demo-app-1): environment.LOG "info" → "debug"\nPlan: 1 to recreate.\n');
});

test('the same secret in two fields gets two different digests, so the label does not show they are equal', () => {
  const m = stack(TOKEN, { environment: { TOKEN, COPY: TOKEN } });
  const spec = parseSpecLabel(createOp(reconcile(m, emptyObserved())).body.Labels!) as { environment: Record<string, string> };
  assert.ok(isSensitiveDigest(spec.environment.TOKEN) && isSensitiveDigest(spec.environment.COPY));
  assert.notEqual(spec.environment.TOKEN, spec.environment.COPY);
});

test('a secret inside a command hides the whole command in the label', () => {
  const m = stack(TOKEN, { command: ['serve', `--token=${TOKEN}`] });
  const labels = createOp(reconcile(m, emptyObserved())).body.Labels!;
  assert.ok(!labels[STACK.spec]!.includes(TOKEN));
  assert.ok(isSensitiveDigest((parseSpecLabel(labels) as { command: unknown }).command));
});

test('an environment variable called __proto__ holding a secret is masked like any other', () => {
  const environment = Object.assign(Object.create(null) as Record<string, string>, { LOG: 'info' });
  Object.defineProperty(environment, '__proto__', { value: TOKEN, enumerable: true, writable: true, configurable: true });
  const labels = createOp(reconcile(model({ services: [service('app', { environment })], sensitiveValues: [TOKEN] }), emptyObserved())).body.Labels!;
  assert.ok(!labels[STACK.spec]!.includes(TOKEN));
  assert.match(labels[STACK.spec]!, /"__proto__":"\(sensitive\) sha256:[0-9a-f]{64}"/);
});

test('a one-off container body (stack run) keeps secrets out of its labels too', () => {
  const m = stack(TOKEN);
  const body = buildContainerCreateBody(m, m.services.app!, 1);
  assert.ok(!Object.values(body.Labels!).some((v) => v.includes(TOKEN)));
  assert.ok(body.Env!.includes(`TOKEN=${TOKEN}`));
});

test('an old container whose label holds the secret in clear is not recreated while the secret is unchanged', () => {
  const old = withClearSpecLabel(applied(stack(TOKEN)), stack(TOKEN));
  assert.ok(old.containers[0]!.labels[STACK.spec]!.includes(TOKEN), 'the scenario starts from a clear label');
  assert.equal(formatPlan(reconcile(stack(TOKEN), old)), 'No changes.\n');
});

test('an old container with a clear label: another field changing does not list the unchanged secret', () => {
  const old = withClearSpecLabel(applied(stack(TOKEN)), stack(TOKEN));
  const text = formatPlan(reconcile(stack(TOKEN, { environment: { TOKEN, LOG: 'debug' } }), old));
  assert.equal(text, '~ app (recreate demo-app-1): environment.LOG "info" → "debug"\nPlan: 1 to recreate.\n');
});

test('an old container with a clear label: a rotated secret shows as a sensitive change, and the recreate writes a digest', () => {
  const old = withClearSpecLabel(applied(stack(TOKEN)), stack(TOKEN));
  const plan = reconcile(stack(ROTATED), old);
  assert.equal(formatPlan(plan), '~ app (recreate demo-app-1): environment.TOKEN (sensitive) → (sensitive)\nPlan: 1 to recreate.\n');
  const labels = createOp(plan).body.Labels!;
  assert.ok(!labels[STACK.spec]!.includes(ROTATED) && !labels[STACK.spec]!.includes(TOKEN));
  assert.ok(isSensitiveDigest((parseSpecLabel(labels) as { environment: Record<string, unknown> }).environment.TOKEN));
  // Applied, the next plan is empty: the rewritten label reads back as no change.
  assert.equal(formatPlan(reconcile(stack(ROTATED), applyPlan(plan, old))), 'No changes.\n');
});

test('an old container with a clear label: the secret no longer being sensitive still hides both sides', () => {
  const old = withClearSpecLabel(applied(stack(TOKEN)), stack(TOKEN));
  const plain = model({ services: [app('now-a-literal')] });
  assert.equal(formatPlan(reconcile(plain, old)), '~ app (recreate demo-app-1): environment.TOKEN (sensitive) → (sensitive)\nPlan: 1 to recreate.\n');
});

function withSecretNetworkAndVolume(secret: string): StackModel {
  return model({
    services: [service('app', { networks: { back: { aliases: [], linkLocalIps: [], driverOpts: Object.create(null), priority: 0 } }, mounts: [namedVolumeMount('share', '/share')] })],
    networks: [networkSpec('demo', 'back', { driverOpts: Object.assign(Object.create(null), { 'com.example.key': secret }) })],
    volumes: [volumeSpec('demo', 'share', { driver: 'local', driverOpts: Object.assign(Object.create(null), { type: 'cifs', o: `username=u,password=${secret}` }) })],
    sensitiveValues: [secret],
  });
}

test('network and volume driver options: the engine gets the value, their spec labels a digest', () => {
  const plan = reconcile(withSecretNetworkAndVolume(TOKEN), emptyObserved());
  const net = plan.operations.find((o): o is NetworkCreateOp => o.kind === 'network.create')!;
  const vol = plan.operations.find((o): o is VolumeCreateOp => o.kind === 'volume.create')!;
  assert.equal(net.body.Options!['com.example.key'], TOKEN);
  assert.equal(vol.body.DriverOpts!.o, `username=u,password=${TOKEN}`);
  for (const labels of [net.body.Labels!, vol.body.Labels!]) {
    assert.ok(!Object.values(labels).some((v) => v.includes(TOKEN)), JSON.stringify(labels));
  }
  assert.ok(isSensitiveDigest((parseSpecLabel(vol.body.Labels!) as { driverOpts: Record<string, unknown> }).driverOpts.o));
});

test('a rotated network secret recreates the network, and a rotated volume secret is refused, neither showing the value', () => {
  const running = applied(withSecretNetworkAndVolume(TOKEN));
  assert.throws(
    () => reconcile(withSecretNetworkAndVolume(ROTATED), running),
    (e: unknown) =>
      e instanceof Error &&
      e.message === 'volume demo_share would have to be recreated (driverOpts.o (sensitive) → (sensitive)), which deletes its data: run again with -y to allow it',
  );
  const text = formatPlan(reconcile(withSecretNetworkAndVolume(ROTATED), running, { assumeYes: true }));
  assert.match(text, /^~ network demo_back \(recreate\): driverOpts\["com\.example\.key"\] \(sensitive\) → \(sensitive\)$/m);
  assert.match(text, /^~ volume demo_share \(recreate\): driverOpts\.o \(sensitive\) → \(sensitive\)$/m);
  assert.ok(!text.includes(TOKEN) && !text.includes(ROTATED));
});

test('text, JSON and lines of a copied plan redact from the values the plan carries', () => {
  const copy: Plan = { ...reconcile(stack(TOKEN), emptyObserved()) };
  assert.ok(!formatPlan(copy).includes(TOKEN));
  assert.ok(!JSON.stringify(planToJson(copy)).includes(TOKEN));
  assert.ok(!JSON.stringify(planLines(copy)).includes(TOKEN));
  // An extra value given by the caller adds to the plan's own; it cannot replace them.
  assert.ok(!JSON.stringify(planToJson(copy, { sensitiveValues: [] })).includes(TOKEN));
});

test('a plan that lost its sensitive values (rebuilt from JSON) is refused rather than printed unredacted', () => {
  const rebuilt = JSON.parse(JSON.stringify(reconcile(stack(TOKEN), emptyObserved()))) as Plan;
  assert.throws(() => formatPlan(rebuilt), /without its sensitive values/);
  assert.throws(() => planToJson(rebuilt), /without its sensitive values/);
});
