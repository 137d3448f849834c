import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMPOSE,
  STACK,
  displayNumberOf,
  formatDependsOn,
  formatSensitiveDigest,
  formatSensitivePaths,
  isManagedBy,
  isOneOff,
  isSensitiveDigest,
  isWrittenByStack,
  ownershipLabels,
  parseDependsOn,
  parseSensitivePaths,
  parseSpecLabel,
  replicaNumberOf,
} from '../../../src/api/labels.js';

test('an object is ours only with the ownership mark and the same project', () => {
  assert.equal(isManagedBy({ [COMPOSE.project]: 'demo', [STACK.managed]: 'true' }, 'demo'), true);
  assert.equal(isManagedBy({ [COMPOSE.project]: 'demo' }, 'demo'), false, 'Compose labels alone are not ownership');
  assert.equal(isManagedBy({ [COMPOSE.project]: 'other', [STACK.managed]: 'true' }, 'demo'), false);
  assert.equal(isManagedBy(ownershipLabels('demo'), 'demo'), true);
});

test('one-off containers are recognised whatever the case Compose wrote', () => {
  assert.equal(isOneOff({ [COMPOSE.oneoff]: 'True' }), true);
  assert.equal(isOneOff({ [COMPOSE.oneoff]: 'true' }), true);
  assert.equal(isOneOff({ [COMPOSE.oneoff]: 'False' }), false);
  assert.equal(isOneOff({}), false);
});

test('a replica number is a positive integer or nothing', () => {
  assert.equal(replicaNumberOf({ [COMPOSE.containerNumber]: '3' }), 3);
  for (const bad of ['0', '-1', '1.5', 'x', '']) assert.equal(replicaNumberOf({ [COMPOSE.containerNumber]: bad }), undefined, bad);
  assert.equal(replicaNumberOf({}), undefined);
  assert.equal(displayNumberOf({}), 0);
});

test('the depends_on label is written sorted as Compose writes it and reads back', () => {
  const text = formatDependsOn([
    { service: 'init', condition: 'service_completed_successfully', restart: true },
    { service: 'db', condition: 'service_healthy', restart: false },
  ]);
  assert.equal(text, 'db:service_healthy:false,init:service_completed_successfully:true');
  assert.deepEqual(parseDependsOn(text), [
    { service: 'db', condition: 'service_healthy', restart: false },
    { service: 'init', condition: 'service_completed_successfully', restart: true },
  ]);
  assert.deepEqual(parseDependsOn('cache:weird'), [{ service: 'cache', condition: 'service_started', restart: false }]);
  assert.deepEqual(parseDependsOn(''), []);
});

test('an unreadable spec or sensitive-paths label reads as nothing', () => {
  assert.equal(parseSpecLabel({ [STACK.spec]: '{not json' }), undefined);
  assert.deepEqual(parseSpecLabel({ [STACK.spec]: '{"a":1}' }), { a: 1 });
  assert.deepEqual(parseSensitivePaths({ [STACK.sensitivePaths]: '[1,"environment.TOKEN"]' }), ['environment.TOKEN']);
  assert.deepEqual(parseSensitivePaths({ [STACK.sensitivePaths]: 'oops' }), []);
  assert.equal(formatSensitivePaths([]), undefined);
});

test('labels stack writes are told apart from the user\'s own', () => {
  assert.equal(isWrittenByStack(STACK.spec), true);
  assert.equal(isWrittenByStack(COMPOSE.dependsOn), true);
  assert.equal(isWrittenByStack('org.example.team'), false);
});

test('a sensitive leaf is recorded as "(sensitive) sha256:" and 64 hex digits, and only that reads as a digest', () => {
  const hex = 'ab'.repeat(32);
  assert.equal(formatSensitiveDigest(hex), `(sensitive) sha256:${hex}`);
  assert.equal(isSensitiveDigest(formatSensitiveDigest(hex)), true);
  assert.equal(isSensitiveDigest('(sensitive) sha256:abc'), false, 'too short');
  assert.equal(isSensitiveDigest(`sha256:${hex}`), false, 'no marker: an ordinary value');
  assert.equal(isSensitiveDigest({ digest: hex }), false);
});
