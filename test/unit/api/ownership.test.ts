// The ownership rule and how the owner of an object is named (api/ownership.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPOSE, STACK, composeVersionLabel, ownedFilter } from '../../../src/api/labels.js';
import { describeOwner, leftAloneOf, ownerOf, splitByOwnership } from '../../../src/api/ownership.js';

test('who made an object is read from its labels: us, stack for another project, Compose, or someone else', () => {
  assert.deepEqual(ownerOf({ [COMPOSE.project]: 'demo', [STACK.managed]: 'true', [COMPOSE.version]: '0.1.0' }, 'demo'), { kind: 'ours' });
  assert.deepEqual(ownerOf({ [COMPOSE.project]: 'other', [STACK.managed]: 'true', [COMPOSE.version]: '0.1.0' }, 'demo'), { kind: 'stack', project: 'other' });
  assert.deepEqual(ownerOf({ [COMPOSE.project]: 'demo', [COMPOSE.version]: '1.29.2' }, 'demo'), { kind: 'compose', project: 'demo', version: '1.29.2' });
  assert.deepEqual(ownerOf({ [COMPOSE.project]: 'demo' }, 'demo'), { kind: 'unknown', project: 'demo' });
  assert.deepEqual(ownerOf({}, 'demo'), { kind: 'unknown' });
});

test('the owner is named the way the messages say it', () => {
  assert.equal(describeOwner({ kind: 'stack', project: 'other' }), 'created by stack for project other');
  assert.equal(describeOwner({ kind: 'compose', project: 'demo', version: '1.29.2' }), 'created by docker-compose 1.29.2 for project demo');
  assert.equal(describeOwner({ kind: 'compose', project: 'demo', version: '2.24.0' }), 'created by docker compose 2.24.0 for project demo');
  assert.equal(describeOwner({ kind: 'unknown', project: 'demo' }), "not created by stack (it carries project demo's labels)");
  assert.equal(describeOwner({ kind: 'unknown' }), 'not created by stack');
});

test('one rule splits objects into ours and the rest, the same rule the engine-side filter expresses', () => {
  const ours = { name: 'demo-a-1', labels: { [COMPOSE.project]: 'demo', [STACK.managed]: 'true' } };
  const hand = { name: 'demo-a-2', labels: { [COMPOSE.project]: 'demo' } };
  const other = { name: 'other-a-1', labels: { [COMPOSE.project]: 'other', [STACK.managed]: 'true' } };
  assert.deepEqual(splitByOwnership([ours, hand, other], 'demo'), { ours: [ours], notOurs: [hand, other] });
  assert.deepEqual(ownedFilter('demo'), [`${COMPOSE.project}=demo`, `${STACK.managed}=true`]);
});

test('what was left alone: the project\'s objects that are not ours, by kind, sorted, each once', () => {
  const c = (name: string, project: string, managed = false) => ({ name, labels: { [COMPOSE.project]: project, ...(managed ? { [STACK.managed]: 'true' } : {}) } });
  const left = leftAloneOf('demo', {
    containers: [c('demo-b-1', 'demo'), c('demo-a-1', 'demo'), c('demo-web-1', 'demo', true), c('other-x-1', 'other')],
    networks: [c('demo_default', 'demo', true), c('demo_hand', 'demo'), c('demo_hand', 'demo')],
  });
  assert.deepEqual(left, { containers: ['demo-a-1', 'demo-b-1'], networks: ['demo_hand'], volumes: [] });
});

test('the Compose version label is a number docker-compose 1.29 can parse', () => {
  assert.equal(composeVersionLabel('0.1.0'), '0.1.0');
  assert.equal(composeVersionLabel('1.2.3-rc.1'), '1.2.3');
  assert.equal(composeVersionLabel('unknown'), '0.0.0');
  assert.equal(composeVersionLabel(undefined), '0.0.0');
});
