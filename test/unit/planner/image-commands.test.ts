// The plans of `stack build`, `stack pull` and `stack push`: image operations only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan, planImageCommand } from '../../../src/planner/index.js';
import type { BuildSpec, ServiceSpec } from '../../../src/model/types.js';
import { emptyObserved, imageIdFor, model, service } from '../../helpers/planner-fixtures.js';

function build(context: string): BuildSpec {
  const d = <T>() => Object.create(null) as Record<string, T>;
  return {
    context, contextKind: 'local', dockerfile: 'Dockerfile', args: d(), labels: d(), cacheFrom: [], cacheTo: [], extraHosts: [], noCache: false,
    noCacheFilter: [], pull: false, platforms: [], tags: [], ulimits: d(), privileged: false, ssh: d(), secrets: [], additionalContexts: d(),
    entitlements: [], origins: d(), extensions: d(),
  };
}

function withoutImage(s: ServiceSpec): ServiceSpec {
  const { image: _image, ...rest } = s;
  return rest;
}

const stack = model({
  services: [
    withoutImage(service('web', { build: build('/src/app') })),
    withoutImage(service('worker', { build: build('/src/app') })),
    service('api', { image: '127.0.0.1:5000/demo/api:1', build: { ...build('/src/api'), tags: ['127.0.0.1:5000/demo/api:latest'] } }),
    service('cache', { image: 'redis:7' }),
    service('db', { image: 'postgres:16', pullPolicy: 'never' }),
  ],
});

test('build plans every service with a build section, identical ones built once and tagged', () => {
  const { plan } = planImageCommand(stack, emptyObserved(), { command: 'build' });
  assert.equal(
    formatPlan(plan),
    [
      '+ image 127.0.0.1:5000/demo/api:1 (build): requested (--build)',
      '+ image demo-web (build): requested (--build)',
      '+ image demo-worker (tag): same build as demo-web',
      'Plan: 2 to build, 1 to tag.',
      '',
    ].join('\n'),
  );
});

test('build of named services plans those only', () => {
  const { plan } = planImageCommand(stack, emptyObserved(), { command: 'build', services: ['worker'] });
  assert.deepEqual(plan.operations.map((o) => o.id), ['build image demo-worker']);
});

test('pull skips what has nothing to pull and pull_policy never, and pulls the rest', () => {
  const { plan, skipped } = planImageCommand(stack, emptyObserved(), { command: 'pull' });
  assert.deepEqual(plan.operations.map((o) => o.id), ['pull image 127.0.0.1:5000/demo/api:1', 'pull image redis:7']);
  assert.deepEqual(
    skipped.map((s) => `${s.service}: ${s.reason}`),
    ['db: pull_policy never', 'web: no image to pull (built by stack)', 'worker: no image to pull (built by stack)'],
  );
});

test('push plans the images of services with both build and image, and their build.tags', () => {
  const observed = { ...emptyObserved(), images: { '127.0.0.1:5000/demo/api:1': imageIdFor('api') } };
  const { plan, skipped } = planImageCommand(stack, observed, { command: 'push' });
  assert.deepEqual(plan.operations.map((o) => o.id), ['push image 127.0.0.1:5000/demo/api:1', 'push image 127.0.0.1:5000/demo/api:latest']);
  assert.deepEqual(skipped.map((s) => s.service), ['cache', 'db', 'web', 'worker']);
});

test('push of an image that is not present is refused: build it first', () => {
  assert.throws(() => planImageCommand(stack, emptyObserved(), { command: 'push', services: ['api'] }), /service api: image 127.0.0.1:5000\/demo\/api:1 is not present: build it first/);
});
