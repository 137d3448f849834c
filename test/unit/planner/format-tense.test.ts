// The plan after it ran (`up`'s closing lines): the same lines in the past tense, never a
// "Plan: ... to create" that reads as work still to come (issue 14 item 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan, planSummary, reconcile } from '../../../src/planner/index.js';
import { anonymousMount, dependsOn, emptyObserved, model, namedVolumeMount, service } from '../../helpers/planner-fixtures.js';

const stack = model({
  services: [
    service('db', { healthcheck: { test: ['CMD', 'true'] }, mounts: [namedVolumeMount('data', '/var/lib/db'), anonymousMount('/cache')] }),
    service('web', { dependsOn: { db: dependsOn('service_healthy') } }),
  ],
});

test('a plan that ran reads in the past tense, line by line and in its summary', () => {
  assert.equal(
    formatPlan(reconcile(stack, emptyObserved()), { tense: 'done' }),
    [
      '+ network demo_default (created): no network',
      '+ volume demo_data (created): no volume',
      '+ db (created demo-db-1): no container',
      '= db (waited for demo-db-1 healthy): web depends on db (service_healthy)',
      '+ web (created demo-web-1): no container',
      'Done: 4 created, 1 wait passed.',
      '',
    ].join('\n'),
  );
});

test('the plan tense is still the default', () => {
  assert.match(formatPlan(reconcile(stack, emptyObserved())), /\nPlan: 4 to create, 1 wait\.\n$/);
});

test('an empty plan that ran did nothing', () => {
  const plan = reconcile(stack, emptyObserved());
  assert.equal(planSummary({ ...plan, operations: [] }, 'done'), 'Nothing done.');
  assert.equal(planSummary({ ...plan, operations: [] }), 'No changes.');
});
