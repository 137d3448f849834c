import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { demux, Demuxer, LineSplitter, readProcessOutput, type DemuxedChunk } from '../../../src/engine/demux.js';

function frame(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function joinByStream(pieces: readonly DemuxedChunk[]): { stdout: string; stderr: string } {
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  for (const p of pieces) out[p.stream].push(p.data);
  return { stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString() };
}

const sample = Buffer.concat([
  frame(1, 'hello\n'),
  frame(2, 'oops\n'),
  frame(1, ''), // zero-length frames exist (empty writes)
  frame(1, 'wörld ✓\n'),
  frame(2, 'x'.repeat(300)),
]);

test('a stream of whole frames is split into stdout and stderr', () => {
  const got = joinByStream(new Demuxer().push(sample));
  assert.equal(got.stdout, 'hello\nwörld ✓\n');
  assert.equal(got.stderr, 'oops\n' + 'x'.repeat(300));
});

test('a stream cut into two chunks at every byte boundary decodes the same', () => {
  for (let cut = 0; cut <= sample.length; cut++) {
    const d = new Demuxer();
    const pieces = [...d.push(sample.subarray(0, cut)), ...d.push(sample.subarray(cut))];
    const got = joinByStream(pieces);
    assert.equal(got.stdout, 'hello\nwörld ✓\n', `cut at ${cut}`);
    assert.equal(got.stderr, 'oops\n' + 'x'.repeat(300), `cut at ${cut}`);
    assert.equal(d.midFrame, false);
  }
});

test('a stream fed one byte at a time decodes the same', () => {
  const d = new Demuxer();
  const pieces: DemuxedChunk[] = [];
  for (let i = 0; i < sample.length; i++) pieces.push(...d.push(sample.subarray(i, i + 1)));
  assert.deepEqual(joinByStream(pieces), { stdout: 'hello\nwörld ✓\n', stderr: 'oops\n' + 'x'.repeat(300) });
});

test('a chunk of 200,000 tiny frames decodes without growing the stack', () => {
  const n = 200_000;
  const one = frame(1, 'a');
  const big = Buffer.alloc(one.length * n);
  for (let i = 0; i < n; i++) one.copy(big, i * one.length);
  const pieces = new Demuxer().push(big);
  assert.equal(pieces.length, n);
  assert.equal(joinByStream(pieces).stdout.length, n);
});

test('an unknown stream type is refused instead of being passed through as output', () => {
  const bad = Buffer.from('hello world, this is tty output\n');
  assert.throws(() => new Demuxer().push(bad), /unrecognised frame header/);
});

test('a stream that ends inside a frame yields what arrived, then fails', async () => {
  const cut = sample.subarray(0, sample.length - 10);
  const pieces: DemuxedChunk[] = [];
  await assert.rejects(async () => {
    for await (const p of demux(Readable.from([cut]))) pieces.push(p);
  }, /ended inside a frame/);
  assert.equal(joinByStream(pieces).stdout, 'hello\nwörld ✓\n');
});

test('a TTY stream is passed through untouched, never demultiplexed', async () => {
  const raw = Buffer.concat([Buffer.from([1, 0, 0, 0]), Buffer.from('abcd\r\n')]);
  const pieces: DemuxedChunk[] = [];
  for await (const p of readProcessOutput(Readable.from([raw]), true)) pieces.push(p);
  assert.deepEqual(Buffer.concat(pieces.map((p) => p.data)), raw);
  assert.ok(pieces.every((p) => p.stream === 'stdout'));
});

test('lines are assembled per stream across pieces without breaking multi-byte characters', () => {
  const s = new LineSplitter();
  const bytes = Buffer.from('née\r\nsecond');
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i++) lines.push(...s.push({ stream: 'stdout', data: bytes.subarray(i, i + 1) }));
  lines.push(...s.push({ stream: 'stderr', data: Buffer.from('err\n') }));
  assert.deepEqual(lines, ['née', 'err']);
  assert.deepEqual(s.flush(), [{ stream: 'stdout', line: 'second' }]);
  assert.deepEqual(s.flush(), []);
});
