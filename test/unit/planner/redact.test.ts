// Secrets never reach plan text or plan JSON: values from env files, interpolated variables
// and inline secrets are in `model.sensitiveValues`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan, planToJson, reconcile } from '../../../src/planner/index.js';
import { makeRedactor } from '../../../src/planner/redact.js';
import type { PlanColors } from '../../../src/planner/format.js';
import { applyPlan, emptyObserved, model, service } from '../../helpers/planner-fixtures.js';

test('a changed value that is sensitive prints as (sensitive), before and after', () => {
  const before = model({ services: [service('app', { environment: { DB_PASSWORD: 'hunter22', LOG: 'info' } })], sensitiveValues: ['hunter22'] });
  const after = model({ services: [service('app', { environment: { DB_PASSWORD: 'correct-horse', LOG: 'debug' } })], sensitiveValues: ['correct-horse'] });
  const o = applyPlan(reconcile(before, emptyObserved()), emptyObserved());
  const text = formatPlan(reconcile(after, o));
  assert.equal(text, '~ app (recreate demo-app-1): environment.DB_PASSWORD (sensitive) → (sensitive), environment.LOG "info" → "debug"\nPlan: 1 to recreate.\n');
  assert.ok(!text.includes('hunter22') && !text.includes('correct-horse'));
});

test('a value that was sensitive when applied stays hidden after it stops being a secret', () => {
  const before = model({ services: [service('app', { environment: { TOKEN: 'old-token-value' } })], sensitiveValues: ['old-token-value'] });
  const o = applyPlan(reconcile(before, emptyObserved()), emptyObserved());
  const text = formatPlan(reconcile(model({ services: [service('app')] }), o));
  assert.equal(text, '~ app (recreate demo-app-1): environment.TOKEN removed (was (sensitive))\nPlan: 1 to recreate.\n');
});

test('a sensitive value inside a longer value hides the whole value', () => {
  const before = model({ services: [service('app', { command: ['run', '--token=abc123xyz'] })] });
  const o = applyPlan(reconcile(before, emptyObserved()), emptyObserved());
  const text = formatPlan(reconcile(model({ services: [service('app', { command: ['run', '--token=zzz999'] })], sensitiveValues: ['zzz999', 'abc123xyz'] }), o));
  assert.equal(text, '~ app (recreate demo-app-1): command (sensitive) → (sensitive)\nPlan: 1 to recreate.\n');
});

test('values shorter than 3 characters are only hidden on an exact match', () => {
  const r = makeRedactor(['1', 'ab']);
  assert.equal(r.text('1'), '(sensitive)');
  assert.equal(r.text('10'), '10');
  assert.equal(r.text('cab'), 'cab');
  assert.equal(r.text('ab'), '(sensitive)');
});

test('plan JSON redacts environment entries in operation bodies, keeping the variable name', () => {
  const m = model({ services: [service('app', { environment: { API_KEY: 's3cr3t-value', MODE: 'prod' } })], sensitiveValues: ['s3cr3t-value'] });
  const json = JSON.stringify(planToJson(reconcile(m, emptyObserved())));
  assert.ok(!json.includes('s3cr3t-value'));
  assert.ok(json.includes('API_KEY=(sensitive)'));
  assert.ok(json.includes('MODE=prod'));
});

test('the plan value itself carries no list of secrets', () => {
  const m = model({ services: [service('app')], sensitiveValues: ['only-in-the-model'] });
  assert.ok(!JSON.stringify(reconcile(m, emptyObserved())).includes('only-in-the-model'));
});

test('plan JSON lists each change with its operations', () => {
  const json = planToJson(reconcile(model({ services: [service('app')] }), emptyObserved())) as { summary: string; changes: { action: string; target: string; operations: string[] }[] };
  assert.equal(json.summary, 'Plan: 2 to create.');
  assert.deepEqual(json.changes.find((c) => c.target === 'demo-app-1')!.operations, ['create container demo-app-1', 'start container demo-app-1']);
});

test('colours, when given, wrap the change symbols only', () => {
  const tag = (name: string) => (s: string) => `<${name}>${s}</${name}>`;
  const painter: PlanColors = { red: tag('r'), green: tag('g'), yellow: tag('y'), cyan: tag('c'), dim: tag('d'), bold: tag('B') };
  const text = formatPlan(reconcile(model({ services: [service('app')] }), emptyObserved()), { color: painter });
  assert.match(text, /^<g>\+<\/g> app \(create demo-app-1\): no container$/m);
  assert.match(text, /^<B>Plan: 2 to create\.<\/B>$/m);
});

test('a copied plan still redacts: the sensitive values travel inside the plan', () => {
  const m = model({ services: [service('app', { environment: { TOKEN: 's3cret-token' } })], sensitiveValues: ['s3cret-token'] });
  const copy = { ...reconcile(m, emptyObserved()) };
  assert.ok(!JSON.stringify(planToJson(copy)).includes('s3cret-token'));
  assert.equal(copy.sensitive.values.length, 1);
});
