import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followProjectLogs, parseTimestampNanos, type LogLine, type LogNotice } from '../../../src/engine/logs.js';
import { FakeLogGateway, formatNanos } from '../../helpers/fake-log-gateway.js';
import { EngineApiError } from '../../../src/errors.js';
import type { LogOptions } from '../../../src/engine/gateway.js';
import type { Readable } from 'node:stream';

const SECOND = 1_000_000_000n;

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function follow(fake: FakeLogGateway, extra: { services?: string[]; tail?: number } = {}) {
  const lines: LogLine[] = [];
  const notices: LogNotice[] = [];
  const controller = new AbortController();
  const done = followProjectLogs(
    fake.asGateway(),
    {
      projectName: 'demo',
      follow: true,
      signal: controller.signal,
      now: () => Number(fake.clock / 1_000_000n),
      reconnectDelayMs: { min: 1, max: 5 },
      onNotice: (n) => notices.push(n),
      ...extra,
    },
    (l) => lines.push(l),
  );
  return { lines, notices, stop: async () => { controller.abort(); await done; }, texts: () => lines.map((l) => l.text) };
}

test('timestamps parse to exact nanoseconds', () => {
  assert.equal(parseTimestampNanos('2026-11-23T18:22:39.000000001Z'), BigInt(Date.parse('2026-11-23T18:22:39Z')) * 1_000_000n + 1n);
  assert.equal(parseTimestampNanos(formatNanos(1_790_000_000_123_456_789n)), 1_790_000_000_123_456_789n);
  assert.equal(parseTimestampNanos('hello'), undefined);
});

test('without follow, every container of the project delivers its lines tagged with service and number', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('a', 'demo', 'web', 1);
  fake.addContainer('b', 'demo', 'web', 2);
  fake.addContainer('c', 'demo', 'db', 1, { tty: true });
  fake.addContainer('x', 'other', 'web', 1);
  fake.write('a', 'from a');
  fake.write('b', 'from b', 'stderr');
  fake.write('c', 'from c');
  fake.write('x', 'not ours');
  const lines: LogLine[] = [];
  await followProjectLogs(fake.asGateway(), { projectName: 'demo', follow: false }, (l) => lines.push(l));
  const got = lines.map((l) => `${l.source.service}-${l.source.number} ${l.stream} ${l.text}`).sort();
  assert.deepEqual(got, ['db-1 stdout from c', 'web-1 stdout from a', 'web-2 stderr from b']);
  assert.ok(lines.every((l) => parseTimestampNanos(l.timestamp) !== undefined), 'timestamps are kept apart from the text');
});

test('a container that carries the project\'s labels but was not created by stack delivers nothing', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('a', 'demo', 'web', 1);
  fake.addContainer('h', 'demo', 'web', 2, { foreign: true });
  fake.write('a', 'ours');
  fake.write('h', 'made by hand');
  const lines: LogLine[] = [];
  await followProjectLogs(fake.asGateway(), { projectName: 'demo', follow: false }, (l) => lines.push(l));
  assert.deepEqual(lines.map((l) => l.text), ['ours']);
});

test('tail and the service selection limit what is delivered, and one-off containers are left out', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('a', 'demo', 'web', 1);
  fake.addContainer('b', 'demo', 'db', 1);
  fake.addContainer('r', 'demo', 'web', 1, { oneoff: true });
  for (let i = 1; i <= 5; i++) fake.write('a', `web ${i}`, 'stdout', fake.tick(1n));
  fake.write('b', 'db line');
  fake.write('r', 'one-off line');
  const lines: LogLine[] = [];
  await followProjectLogs(fake.asGateway(), { projectName: 'demo', follow: false, tail: 2, services: ['web'] }, (l) => lines.push(l));
  assert.deepEqual(lines.map((l) => l.text), ['web 4', 'web 5']);
});

test('a counter written across a restart arrives with no gaps and no repeats', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('a', 'demo', 'counter', 1);
  const f = follow(fake);
  let n = 0;
  // Several lines in the same second and even at the same nanosecond, around the boundary.
  for (; n < 5; n++) fake.write('a', `line ${n}`, 'stdout', fake.tick(n === 3 ? 0n : 1000n));
  await until(() => f.lines.length === 5, 'the first five lines');
  fake.stop('a', 0);
  await until(() => f.notices.some((x) => x.kind === 'exited'), 'the exit notice');
  fake.start('a');
  for (; n < 10; n++) fake.write('a', `line ${n}`, 'stdout', fake.tick(n === 6 ? 0n : 1000n));
  await until(() => f.lines.length >= 10, 'ten lines');
  await new Promise((r) => setTimeout(r, 50)); // room for a wrongly repeated line to show up
  await f.stop();
  assert.deepEqual(f.texts(), Array.from({ length: 10 }, (_, i) => `line ${i}`));
});

test('a restart the follower only notices late (stop and start before the stream end is read) loses and repeats nothing', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('a', 'demo', 'counter', 1);
  const f = follow(fake);
  await until(() => f.notices.some((x) => x.kind === 'attached'), 'the first attach');
  fake.write('a', 'before 1', 'stdout', fake.tick(1n));
  fake.write('a', 'before 2', 'stdout', fake.tick(0n));
  fake.stop('a', 1);
  fake.write('a', 'after 1', 'stdout', fake.tick(0n)); // same nanosecond as the last line seen
  fake.start('a');
  fake.write('a', 'after 2', 'stdout', fake.tick(SECOND));
  await until(() => f.lines.length >= 4, 'four lines');
  await new Promise((r) => setTimeout(r, 50));
  await f.stop();
  assert.deepEqual(f.texts(), ['before 1', 'before 2', 'after 1', 'after 2']);
});

test('a container that appears while following (recreate, scale up) is followed from its first line', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('old', 'demo', 'web', 1);
  const f = follow(fake);
  fake.write('old', 'old line');
  await until(() => f.lines.length === 1, 'the old line');
  fake.stop('old');
  fake.remove('old');
  fake.tick(SECOND);
  fake.addContainer('new', 'demo', 'web', 1, { running: false });
  fake.write('new', 'written before start'); // e.g. by a start that raced the event
  fake.start('new');
  fake.addContainer('scaled', 'demo', 'web', 2);
  fake.write('new', 'new line', 'stdout', fake.tick(1n));
  fake.write('scaled', 'second replica', 'stdout', fake.tick(1n));
  await until(() => f.lines.length >= 4, 'lines of the new containers');
  await f.stop();
  assert.deepEqual(f.texts(), ['old line', 'written before start', 'new line', 'second replica']);
  assert.deepEqual(f.lines.map((l) => l.source.containerId), ['old', 'new', 'new', 'scaled']);
  assert.ok(f.notices.some((x) => x.kind === 'removed' && x.source.containerId === 'old'));
});

test('when the events stream ends (daemon restart) the follower reconnects and still sees new containers', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('a', 'demo', 'web', 1);
  const f = follow(fake);
  await until(() => fake.calls.events === 1 && f.notices.some((x) => x.kind === 'attached'), 'the subscription');
  fake.cutEvents();
  await until(() => fake.calls.events >= 2, 'a reconnect');
  fake.tick(SECOND);
  fake.addContainer('b', 'demo', 'worker', 1);
  fake.write('b', 'hello from b');
  await until(() => f.lines.length === 1, 'the new container line');
  await f.stop();
  assert.equal(f.lines[0]!.source.service, 'worker');
});

test('the exit of a container is reported once, after its last line', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('a', 'demo', 'job', 1);
  const events: string[] = [];
  const controller = new AbortController();
  const done = followProjectLogs(
    fake.asGateway(),
    {
      projectName: 'demo',
      follow: true,
      signal: controller.signal,
      now: () => Number(fake.clock / 1_000_000n),
      onNotice: (n) => events.push(n.kind === 'exited' ? `exited ${n.exitCode}` : n.kind),
    },
    (l) => events.push(l.text),
  );
  await until(() => events.includes('attached'), 'attach');
  fake.write('a', 'last words');
  fake.stop('a', 3);
  await until(() => events.includes('exited 3'), 'the exit');
  await new Promise((r) => setTimeout(r, 30));
  controller.abort();
  await done;
  assert.deepEqual(events, ['attached', 'last words', 'exited 3']);
});

test('aborting the signal ends following promptly, with streams still open', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('a', 'demo', 'web', 1);
  const f = follow(fake);
  await until(() => f.notices.some((x) => x.kind === 'attached'), 'attach');
  const started = Date.now();
  await f.stop();
  assert.ok(Date.now() - started < 1000);
});

test('a container whose log cannot be read is reported as failed; the others are delivered', async () => {
  // The engine refuses to read back a log its driver does not keep (driver "none": 501).
  class Refusing extends FakeLogGateway {
    override async logs(id: string, options: LogOptions, signal?: AbortSignal): Promise<Readable> {
      if (id === 'b') throw new EngineApiError('read logs of', 'configured logging driver does not support reading', { kind: 'container', name: id }, 501);
      return super.logs(id, options, signal);
    }
  }
  const fake = new Refusing();
  fake.addContainer('a', 'demo', 'web', 1);
  fake.addContainer('b', 'demo', 'db', 1);
  fake.write('a', 'from a');
  const lines: LogLine[] = [];
  const result = await followProjectLogs(fake.asGateway(), { projectName: 'demo', follow: false }, (l) => lines.push(l));
  assert.deepEqual(lines.map((l) => l.text), ['from a']);
  assert.deepEqual(result.failed.map((f) => f.source.containerName), ['demo-db-1']);
  assert.match((result.failed[0]!.error as Error).message, /does not support reading/);
});

test('a complete read reports no failure', async () => {
  const fake = new FakeLogGateway();
  fake.addContainer('a', 'demo', 'web', 1);
  fake.write('a', 'from a');
  const result = await followProjectLogs(fake.asGateway(), { projectName: 'demo', follow: false }, () => undefined);
  assert.deepEqual(result.failed, []);
});
