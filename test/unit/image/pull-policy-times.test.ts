// The last pull times the refresh policies read (src/image/pull-times.ts), in temporary
// cache directories.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestKnownPull, openPullTimes } from '../../../src/image/pull-times.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'stack-pulltimes-test-'));
  dirs.push(d);
  return d;
}

const ENGINE = 'engine-id-A';
const T = Date.UTC(2026, 0, 15, 12, 0, 0);

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

test('a recorded pull is read back for the same engine and image, however the image is spelled', async () => {
  const times = openPullTimes({ dir: join(freshDir(), 'pulls') });
  assert.equal(await times.recordPull(ENGINE, 'busybox', T), true);
  assert.equal(await times.lastPulled(ENGINE, 'busybox'), T);
  assert.equal(await times.lastPulled(ENGINE, 'docker.io/library/busybox:latest'), T);
  assert.equal(await times.lastPulled(ENGINE, 'library/busybox'), T);
});

test('another engine, another tag or another registry has no record', async () => {
  const times = openPullTimes({ dir: join(freshDir(), 'pulls') });
  await times.recordPull(ENGINE, 'busybox', T);
  assert.equal(await times.lastPulled('engine-id-B', 'busybox'), undefined);
  assert.equal(await times.lastPulled(ENGINE, 'busybox:1.36'), undefined);
  assert.equal(await times.lastPulled(ENGINE, 'localhost:5000/busybox'), undefined);
});

test('a later pull replaces the record whole, leaving no temporary file', async () => {
  const dir = join(freshDir(), 'pulls');
  const times = openPullTimes({ dir });
  await times.recordPull(ENGINE, '127.0.0.1:5000/a/b:1', T);
  await times.recordPull(ENGINE, '127.0.0.1:5000/a/b:1', T + 1000);
  assert.equal(await times.lastPulled(ENGINE, '127.0.0.1:5000/a/b:1'), T + 1000);
  const files = allFiles(dir);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /\/[0-9a-f]{32}\/[0-9a-f]{32}\.json$/);
});

test('twenty images recorded at once all keep their own time (no run overwrites another\'s)', async () => {
  const dir = join(freshDir(), 'pulls');
  const writers = Array.from({ length: 20 }, () => openPullTimes({ dir }));
  await Promise.all(writers.map((w, i) => w.recordPull(ENGINE, `img${i}`, T + i)));
  const reader = openPullTimes({ dir });
  const read = await Promise.all(writers.map((_, i) => reader.lastPulled(ENGINE, `img${i}`)));
  assert.deepEqual(read, writers.map((_, i) => T + i));
});

test('STACK_CACHE=0 keeps nothing: nothing is written and every time is unknown', async () => {
  const home = freshDir();
  const times = openPullTimes({ env: { STACK_CACHE: '0', HOME: home, XDG_CACHE_HOME: join(home, 'cache') } });
  assert.equal(await times.recordPull(ENGINE, 'busybox', T), false);
  assert.equal(await times.lastPulled(ENGINE, 'busybox'), undefined);
  assert.deepEqual(readdirSync(home), []);
});

test('by default the records live under the cache directory\'s pulls/ (STACK_CACHE=<dir> moves it)', async () => {
  const cache = freshDir();
  const times = openPullTimes({ env: { STACK_CACHE: cache } });
  await times.recordPull(ENGINE, 'busybox', T);
  assert.equal(allFiles(join(cache, 'pulls')).length, 1);
  assert.equal(await openPullTimes({ env: { STACK_CACHE: cache } }).lastPulled(ENGINE, 'busybox'), T);
});

test('a record in a directory others may write is not trusted', async () => {
  const dir = join(freshDir(), 'pulls');
  const times = openPullTimes({ dir });
  await times.recordPull(ENGINE, 'busybox', T);
  chmodSync(dir, 0o777);
  assert.equal(await times.lastPulled(ENGINE, 'busybox'), undefined);
});

test('a damaged record, or one that names another image, is no record', async () => {
  const dir = join(freshDir(), 'pulls');
  const times = openPullTimes({ dir });
  await times.recordPull(ENGINE, 'busybox', T);
  const [file] = allFiles(dir);
  writeFileSync(file!, '{"engine": "engine-id-A", "reference": "docker.io/library/busybox:lat');
  assert.equal(await times.lastPulled(ENGINE, 'busybox'), undefined);
  writeFileSync(file!, JSON.stringify({ engine: ENGINE, reference: 'docker.io/library/other:latest', pulledAt: T }));
  assert.equal(await times.lastPulled(ENGINE, 'busybox'), undefined);
  writeFileSync(file!, JSON.stringify({ engine: ENGINE, reference: 'docker.io/library/busybox:latest', pulledAt: 'yesterday' }));
  assert.equal(await times.lastPulled(ENGINE, 'busybox'), undefined);
});

test('a cache directory that cannot be created makes recording fail quietly', async () => {
  const base = freshDir();
  writeFileSync(join(base, 'file'), '');
  const times = openPullTimes({ dir: join(base, 'file', 'pulls') });
  assert.equal(await times.recordPull(ENGINE, 'busybox', T), false);
  assert.equal(await times.lastPulled(ENGINE, 'busybox'), undefined);
  assert.ok(!existsSync(join(base, 'file', 'pulls')));
});

test('the best known pull time is the later of the record and the image\'s LastTagTime; the Go zero time is unknown', () => {
  assert.equal(latestKnownPull(undefined, '0001-01-01T00:00:00Z'), undefined);
  assert.equal(latestKnownPull(T, '0001-01-01T00:00:00Z'), T);
  assert.equal(latestKnownPull(T, ''), T);
  assert.equal(latestKnownPull(T, undefined), T);
  assert.equal(latestKnownPull(undefined, '2026-01-15T13:00:00.123456789Z'), Date.UTC(2026, 0, 15, 13, 0, 0, 123));
  assert.equal(latestKnownPull(T, '2026-01-15T11:00:00Z'), T);
  assert.equal(latestKnownPull(T, 'not a time'), T);
});
