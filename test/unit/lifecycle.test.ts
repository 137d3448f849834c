// Pure parts of the everyday commands: dependency order from labels, one-off container bodies,
// argument parsing, and which services attached `up` shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrder } from '../../src/api/dependency-order.js';
import { oneOffName, parsePublish } from '../../src/engine/run.js';
import { parseTimeArg, splitWords } from '../../src/cli/project-request.js';
import { attachedServices } from '../../src/cli/attached.js';
import type { ObservedContainer } from '../../src/engine/gateway.js';

function container(service: string, dependsOn = ''): ObservedContainer {
  return {
    id: service,
    name: `demo-${service}-1`,
    labels: { 'com.docker.compose.service': service, 'com.docker.compose.depends_on': dependsOn },
    image: 'img',
    imageId: 'sha256:img',
    state: 'running',
    status: 'Up',
    created: 0,
    networks: {},
    mounts: [],
    ports: [],
  };
}

test('start order puts every service after its dependencies, in levels, ignoring dependencies outside the set', () => {
  const levels = startOrder([
    container('web', 'api:service_healthy:false,db:service_started:false'),
    container('api', 'db:service_healthy:false,elsewhere:service_started:false'),
    container('db'),
    container('worker', 'db:service_started:false'),
  ]);
  assert.deepEqual(levels, [['db'], ['api', 'worker'], ['web']]);
});

test('a dependency cycle still yields every service once instead of looping', () => {
  const levels = startOrder([container('a', 'b:service_started:false'), container('b', 'a:service_started:false')]);
  assert.deepEqual(levels.flat().sort(), ['a', 'b']);
});

test('one-off names follow <project>-<service>-run-<12 hex>', () => {
  assert.match(oneOffName('demo', 'web'), /^demo-web-run-[0-9a-f]{12}$/);
});

test('-p reads every Compose port form', () => {
  assert.deepEqual(parsePublish('80'), { key: '80/tcp', binding: {} });
  assert.deepEqual(parsePublish('8080:80'), { key: '80/tcp', binding: { HostPort: '8080' } });
  assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), { key: '80/udp', binding: { HostIp: '127.0.0.1', HostPort: '8080' } });
  assert.deepEqual(parsePublish('127.0.0.1::80'), { key: '80/tcp', binding: { HostIp: '127.0.0.1' } });
  assert.throws(() => parsePublish('eighty'), /cannot read the port/);
});

test('--entrypoint is split into words with quotes kept together', () => {
  assert.deepEqual(splitWords(`sh -c 'echo "a b"'`), ['sh', '-c', 'echo "a b"']);
  assert.deepEqual(splitWords(`a "" b`), ['a', '', 'b']);
  assert.throws(() => splitWords(`sh -c 'oops`), /unbalanced quote/);
});

test('--since reads RFC 3339 times, Unix seconds and durations before now', () => {
  const now = Date.parse('2026-11-23T18:00:00Z');
  assert.equal(parseTimeArg('2026-11-23T17:00:00Z', now), now / 1000 - 3600);
  assert.equal(parseTimeArg('1700000000.5', now), 1700000000.5);
  assert.equal(parseTimeArg('1h30m', now), now / 1000 - 5400);
  assert.equal(parseTimeArg('45s', now), now / 1000 - 45);
  assert.throws(() => parseTimeArg('yesterday-ish', now), /cannot read/);
});

test('attached up shows the named services, or --attach ones, never --no-attach ones', () => {
  const all = attachedServices({ services: [] });
  assert.equal(all('web'), true);
  const named = attachedServices({ services: ['web'], exitCodeFrom: 'tests' });
  assert.deepEqual(['web', 'db', 'tests'].map(named), [true, false, true]);
  const explicit = attachedServices({ services: [], attach: ['db'], noAttach: ['db', 'web'] });
  assert.deepEqual(['web', 'db'].map(explicit), [false, false]);
});
