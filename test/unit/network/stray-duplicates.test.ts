// Which networks a run removes after its apply: same-named ones of its project that it did
// not create (a killed run's create that landed late).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strayDuplicates } from '../../../src/network/stray-duplicates.js';
import { COMPOSE, STACK } from '../../../src/api/labels.js';
import type { ObservedNetwork } from '../../../src/api/engine-types.js';

function net(id: string, name: string, project = 'demo', managed = true): ObservedNetwork {
  return {
    id,
    name,
    driver: 'bridge',
    labels: { [COMPOSE.project]: project, ...(managed ? { [STACK.managed]: 'true' } : {}) },
    internal: false,
    attachable: false,
    enableIpv6: false,
    options: {},
    ipam: { driver: 'default', config: [] },
    created: '2026-01-01T00:00:00Z',
  };
}

test('a same-named network of the project next to one this run created is a stray', () => {
  const listed = [net('mine', 'demo_back'), net('late', 'demo_back')];
  assert.deepEqual(strayDuplicates(listed, 'demo', new Map([['demo_back', 'mine']])).map((n) => n.id), ['late']);
});

test('the network this run created is never a stray', () => {
  assert.deepEqual(strayDuplicates([net('mine', 'demo_back')], 'demo', new Map([['demo_back', 'mine']])), []);
});

test('networks with names this run did not create are left alone, duplicated or not', () => {
  const listed = [net('a', 'demo_front'), net('b', 'demo_front')];
  assert.deepEqual(strayDuplicates(listed, 'demo', new Map([['demo_back', 'mine']])), []);
});

test('a same-named network that another project or another tool made is left alone', () => {
  const listed = [net('mine', 'demo_back'), net('theirs', 'demo_back', 'other'), net('compose', 'demo_back', 'demo', false)];
  assert.deepEqual(strayDuplicates(listed, 'demo', new Map([['demo_back', 'mine']])), []);
});
