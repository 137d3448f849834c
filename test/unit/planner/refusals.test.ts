// What a plan refuses, or warns about, instead of silently doing something else (issue 12,
// item 8): a --scale for a service the stack does not have, a service managed by a Compose
// provider, lifecycle hooks stack does not run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperationError, UsageError } from '../../../src/errors.js';
import { formatPlan, reconcile } from '../../../src/planner/index.js';
import { dependsOn, emptyObserved, model, service } from '../../helpers/planner-fixtures.js';

test('--scale for a service the stack does not have is a usage error (exit 64)', () => {
  const m = model({ services: [service('web')] });
  assert.throws(
    () => reconcile(m, emptyObserved(), { scale: { web: 2, nosuch: 2 } }),
    (e: unknown) => e instanceof UsageError && e.exitCode === 64 && /--scale nosuch=2: no such service: nosuch/.test(e.message),
  );
});

test('--scale for a service disabled by its profiles is accepted (it has no containers to scale)', () => {
  const m = model({ services: [service('web')], disabledServices: ['debug'] });
  assert.doesNotThrow(() => reconcile(m, emptyObserved(), { scale: { debug: 0 } }));
});

test('a provider service is refused, naming the service and the provider', () => {
  const { image: _image, ...rest } = service('db');
  const db = { ...rest, provider: { type: 'awesomecloud', options: {} } };
  const m = model({ services: [db, service('web', { dependsOn: { db: dependsOn() } })] });
  assert.throws(
    () => reconcile(m, emptyObserved()),
    (e: unknown) => e instanceof OperationError && /service db is managed by the provider 'awesomecloud' \(provider\.type\), which stack does not support/.test(e.message),
  );
});

test('a provider service out of scope is no problem', () => {
  const { image: _image, ...rest } = service('db');
  const m = model({ services: [{ ...rest, provider: { type: 'awesomecloud', options: {} } }, service('web')] });
  assert.match(formatPlan(reconcile(m, emptyObserved(), { services: ['web'] })), /\+ web \(create demo-web-1\)/);
});

test('lifecycle hooks are warned about once per service: stack does not run them', () => {
  const hook = { command: ['true'], privileged: false, environment: {} };
  const m = model({ services: [service('web', { scale: 2, hooks: { preStart: [], postStart: [hook], preStop: [hook] } })] });
  const warnings = reconcile(m, emptyObserved()).warnings.map((w) => w.message);
  assert.deepEqual(warnings, ['web has post_start and pre_stop hooks, which stack does not run: they are ignored']);
});
