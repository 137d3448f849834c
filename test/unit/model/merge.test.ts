import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml } from '../../../src/model/parse.js';
import { mergeDocuments } from '../../../src/model/merge.js';
import { locateIn } from '../../../src/model/positions.js';

type Doc = Record<string, any>;
const merge = (a: string, b: string): Doc => mergeDocuments(parseYaml(a, 'a.yaml'), parseYaml(b, 'b.yaml')) as Doc;
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('mappings merge key by key and scalars are replaced', () => {
  const d = merge('services:\n  web: {image: a, restart: always}\n', 'services:\n  web: {image: b}\n  db: {image: pg}\n');
  assert.deepEqual(plain(d.services), { web: { image: 'b', restart: 'always' }, db: { image: 'pg' } });
});

test('plain sequences append', () => {
  const d = merge('services:\n  web: {image: a, volumes_from: [x]}\n  w2: {cap_drop: [ALL]}\n', 'services:\n  web: {volumes_from: [y]}\n  w2: {cap_drop: [NET_RAW]}\n');
  assert.deepEqual(plain(d.services.web.volumes_from), ['x', 'y']);
  assert.deepEqual(plain(d.services.w2.cap_drop), ['ALL', 'NET_RAW']);
});

test('ports with the same key are replaced in place, others appended', () => {
  const d = merge('services:\n  web:\n    ports: ["80:80", {target: 443, published: "8443"}]\n', 'services:\n  web:\n    ports: ["80:80", {target: 443, published: "8443"}, "9000:9000"]\n');
  assert.deepEqual(plain(d.services.web.ports), ['80:80', { target: 443, published: '8443' }, '9000:9000']);
});

test('volumes merge by container target', () => {
  const d = merge('services:\n  web:\n    volumes: ["./a:/data", "logs:/logs"]\n', 'services:\n  web:\n    volumes: ["./b:/data", {type: tmpfs, target: /tmp}]\n');
  assert.deepEqual(plain(d.services.web.volumes), ['./b:/data', 'logs:/logs', { type: 'tmpfs', target: '/tmp' }]);
});

test('secrets merge by target, the short form meaning /run/secrets/<name>', () => {
  const d = merge('services:\n  web:\n    secrets: [db, {source: api, target: /x}]\n', 'services:\n  web:\n    secrets: [{source: db, target: /run/secrets/db, mode: 0400}]\n');
  assert.deepEqual(plain(d.services.web.secrets), [{ source: 'db', target: '/run/secrets/db', mode: 256 }, { source: 'api', target: '/x' }]);
});

test('environment in list and mapping form merges by key', () => {
  const d = merge('services:\n  web:\n    environment: [A=1, B=2, C]\n', 'services:\n  web:\n    environment: {B: 3, D: 4}\n');
  assert.deepEqual(plain(d.services.web.environment), { A: '1', B: 3, C: null, D: 4 });
});

test('labels in mapping form merge by key', () => {
  const d = merge('services:\n  web:\n    labels: {a: "1", b: "2"}\n', 'services:\n  web:\n    labels: [b=3]\n');
  assert.deepEqual(plain(d.services.web.labels), { a: '1', b: '3' });
});

test('command, entrypoint and healthcheck.test are replaced whole', () => {
  const d = merge(
    'services:\n  web:\n    command: [a, b]\n    entrypoint: [sh]\n    healthcheck: {test: [CMD, a], retries: 3}\n',
    'services:\n  web:\n    command: [c]\n    entrypoint: [bash, -c]\n    healthcheck: {test: [CMD, b]}\n',
  );
  assert.deepEqual(plain(d.services.web.command), ['c']);
  assert.deepEqual(plain(d.services.web.entrypoint), ['bash', '-c']);
  assert.deepEqual(plain(d.services.web.healthcheck), { test: ['CMD', 'b'], retries: 3 });
});

test('!reset removes what the earlier file set', () => {
  const d = merge('services:\n  web:\n    image: a\n    ports: ["80:80"]\n    environment: {A: 1}\n', 'services:\n  web:\n    ports: !reset []\n    environment:\n      A: !reset null\n');
  assert.equal(d.services.web.ports, undefined);
  assert.deepEqual(plain(d.services.web.environment), {});
});

test('!override replaces instead of merging', () => {
  const d = merge('services:\n  web:\n    ports: ["80:80"]\n    labels: {a: "1"}\n', 'services:\n  web:\n    ports: !override ["81:81"]\n    labels: !override {b: "2"}\n');
  assert.deepEqual(plain(d.services.web.ports), ['81:81']);
  assert.deepEqual(plain(d.services.web.labels), { b: '2' });
});

test('an empty service in a later file changes nothing', () => {
  const d = merge('services:\n  web:\n    image: a\n', 'services:\n  web:\n');
  assert.deepEqual(plain(d.services.web), { image: 'a' });
});

test('depends_on in list and mapping form merges by name', () => {
  const d = merge('services:\n  web:\n    depends_on: [db]\n', 'services:\n  web:\n    depends_on: {cache: {condition: service_healthy}}\n');
  assert.deepEqual(plain(d.services.web.depends_on), { db: { condition: 'service_started' }, cache: { condition: 'service_healthy' } });
});

test('service networks merge by name, aliases without duplicates', () => {
  const d = merge('services:\n  web:\n    networks: {front: {aliases: [a]}}\n', 'services:\n  web:\n    networks:\n      front: {aliases: [a, b]}\n      back:\n');
  assert.deepEqual(plain(d.services.web.networks), { front: { aliases: ['a', 'b'] }, back: null });
});

test('logging options merge only when the driver is the same', () => {
  const same = merge('services:\n  w:\n    logging: {driver: json-file, options: {max-size: 1m}}\n', 'services:\n  w:\n    logging: {options: {max-file: "3"}}\n');
  assert.deepEqual(plain(same.services.w.logging), { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } });
  const other = merge('services:\n  w:\n    logging: {driver: json-file, options: {max-size: 1m}}\n', 'services:\n  w:\n    logging: {driver: syslog}\n');
  assert.deepEqual(plain(other.services.w.logging), { driver: 'syslog' });
});

test('build as a string merges with build as a mapping', () => {
  const d = merge('services:\n  web:\n    build: ./app\n', 'services:\n  web:\n    build: {target: dev}\n');
  assert.deepEqual(plain(d.services.web.build), { context: './app', target: 'dev' });
});

test('x- extension keys are replaced, not merged', () => {
  const d = merge('x-common: {a: 1}\n', 'x-common: {b: 2}\n');
  assert.deepEqual(plain(d['x-common']), { b: 2 });
});

test('a merged value still points at the file and line that set it', () => {
  const d = merge('services:\n  web:\n    image: a\n    restart: always\n', '\n\nservices:\n  web:\n    image: b\n');
  assert.deepEqual(locateIn(d, ['services', 'web', 'image']), { file: 'b.yaml', line: 5, col: 5 });
  assert.deepEqual(locateIn(d, ['services', 'web', 'restart']), { file: 'a.yaml', line: 4, col: 5 });
});

test('merging __proto__, constructor and prototype keeps Object.prototype clean', () => {
  const a = 'services:\n  __proto__: {image: a, labels: {__proto__: x}}\n  constructor: {image: c}\nnetworks:\n  prototype: {}\n';
  const b = 'services:\n  __proto__: {labels: {polluted: "yes"}}\n  prototype: {image: p}\nnetworks:\n  __proto__: {driver: bridge}\n';
  const d = merge(a, b);
  assert.deepEqual(Object.keys(d.services).sort(), ['__proto__', 'constructor', 'prototype']);
  assert.equal(d.services.__proto__.image, 'a');
  assert.deepEqual(Object.entries(d.services.__proto__.labels), [['__proto__', 'x'], ['polluted', 'yes']]);
  assert.equal(d.networks.__proto__.driver, 'bridge');
  const clean = {} as Record<string, unknown>;
  for (const k of ['image', 'labels', 'polluted', 'driver']) assert.equal(clean[k], undefined, k);
  assert.equal(Object.keys(Object.prototype).length, 0);
});
