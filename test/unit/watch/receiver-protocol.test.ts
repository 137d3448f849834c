// The file receiver (watch/receiver-protocol.ts), engine-free: its script runs here under the
// machine's own `sh`, fed the stream watch would send, writing into a temp tree by absolute
// paths — the same paths, contents, modes, owners and mtimes a tar would have left, batch
// after batch on one open stream, and an exit (not a stream read out of step) on a failure.

import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { lstat, mkdir, readFile, readlink, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeEntries, endOfBatch, parseReply, RECEIVER_SCRIPT, type ReceiverEntry } from '../../../src/watch/receiver-protocol.js';
import { tempTree } from './watch-fs.js';

const owner = { uid: process.getuid!(), gid: process.getgid!() };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function tree(): Promise<string> {
  const t = await tempTree('receiver');
  cleanups.push(t.dispose);
  return t.root;
}

/** The receiver under the host's sh, with its stdout as lines. */
function startReceiver(): { child: ChildProcessWithoutNullStreams; nextLine: () => Promise<string>; exited: Promise<number | null> } {
  const child = spawn('sh', ['-c', RECEIVER_SCRIPT]);
  cleanups.push(async () => void child.kill());
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const nextLine = () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise<string>((resolve) => waiters.push(resolve)));
  return { child, nextLine, exited };
}

function file(containerPath: string, text: string, mode = 0o644, mtimeSeconds = 1_700_000_000): ReceiverEntry {
  return { containerPath, type: 'file', mode, mtimeSeconds, content: Buffer.from(text) };
}

describe('the file receiver', () => {
  it('says ready, then writes a batch and confirms it by its number', async () => {
    const root = await tree();
    const r = startReceiver();
    assert.equal(await r.nextLine(), 'ready');
    r.child.stdin.write(Buffer.concat([encodeEntries([file(join(root, 'a.txt'), 'hello\n')], owner)!, endOfBatch(1)]));
    assert.equal(await r.nextLine(), 'ok 1');
    assert.equal(await readFile(join(root, 'a.txt'), 'utf8'), 'hello\n');
  });

  it('gives a file the mode, owner and mtime of the entry, as a tar would', async () => {
    const root = await tree();
    const r = startReceiver();
    await r.nextLine();
    r.child.stdin.write(Buffer.concat([encodeEntries([file(join(root, 'run.sh'), '#!/bin/sh\n', 0o750, 1_600_000_000)], owner)!, endOfBatch(7)]));
    assert.equal(await r.nextLine(), 'ok 7');
    const st = await lstat(join(root, 'run.sh'));
    assert.equal(st.mode & 0o7777, 0o750);
    assert.equal(st.mtimeMs, 1_600_000_000_000);
    assert.deepEqual([st.uid, st.gid], [owner.uid, owner.gid]);
  });

  it('creates missing parents, directories with their mode, and links as links', async () => {
    const root = await tree();
    const r = startReceiver();
    await r.nextLine();
    const entries: ReceiverEntry[] = [
      { containerPath: join(root, 'deep', 'dir'), type: 'directory', mode: 0o700, mtimeSeconds: 1_650_000_000 },
      file(join(root, 'deep', 'dir', 'x.txt'), 'x'),
      { containerPath: join(root, 'deep', 'link'), type: 'symlink', mode: 0o777, mtimeSeconds: 0, linkname: 'dir/x.txt' },
    ];
    r.child.stdin.write(Buffer.concat([encodeEntries(entries, owner)!, endOfBatch(2)]));
    assert.equal(await r.nextLine(), 'ok 2');
    assert.equal((await lstat(join(root, 'deep', 'dir'))).mode & 0o7777, 0o700);
    assert.equal(await readlink(join(root, 'deep', 'link')), 'dir/x.txt');
    assert.equal(await readFile(join(root, 'deep', 'link'), 'utf8'), 'x');
  });

  it('keeps reading in step across batches, whatever bytes a file holds', async () => {
    const root = await tree();
    const r = startReceiver();
    await r.nextLine();
    const binary = Buffer.from([0, 10, 13, 69, 32, 57, 10, 0xff, 10]);
    r.child.stdin.write(Buffer.concat([encodeEntries([{ ...file(join(root, 'bin'), ''), content: binary }, file(join(root, 'empty'), '')], owner)!, endOfBatch(1)]));
    r.child.stdin.write(Buffer.concat([encodeEntries([file(join(root, 'after'), 'after\n')], owner)!, endOfBatch(2)]));
    assert.equal(await r.nextLine(), 'ok 1');
    assert.equal(await r.nextLine(), 'ok 2');
    assert.deepEqual(await readFile(join(root, 'bin')), binary);
    assert.equal(await readFile(join(root, 'empty'), 'utf8'), '');
    assert.equal(await readFile(join(root, 'after'), 'utf8'), 'after\n');
  });

  it('replaces a directory in the way of a file, and leaves no temporary file behind', async () => {
    const root = await tree();
    await mkdir(join(root, 'was-dir', 'inner'), { recursive: true });
    await writeFile(join(root, 'was-dir', 'inner', 'f'), 'f');
    const r = startReceiver();
    await r.nextLine();
    r.child.stdin.write(Buffer.concat([encodeEntries([file(join(root, 'was-dir'), 'now a file')], owner)!, endOfBatch(3)]));
    assert.equal(await r.nextLine(), 'ok 3');
    assert.equal(await readFile(join(root, 'was-dir'), 'utf8'), 'now a file');
    assert.deepEqual(await readdir(root), ['was-dir']);
  });

  it('answers err and exits when it cannot write, rather than read on out of step', async () => {
    const root = await tree();
    await writeFile(join(root, 'blocker'), 'a file where a directory should be');
    const r = startReceiver();
    await r.nextLine();
    r.child.stdin.write(Buffer.concat([encodeEntries([file(join(root, 'blocker', 'sub', 'x.txt'), 'x')], owner)!, endOfBatch(4)]));
    const reply = parseReply(await r.nextLine());
    assert.equal(reply?.kind, 'err');
    assert.equal(await r.exited, 1);
  });

  it('exits when its input ends', async () => {
    const r = startReceiver();
    await r.nextLine();
    r.child.stdin.end();
    assert.equal(await r.exited, 0);
  });
});

describe('what the receiver stream can carry', () => {
  it('leaves a path or link target with a newline to the tar', () => {
    assert.equal(encodeEntries([file('/app/two\nlines', 'x')], owner), undefined);
    assert.equal(encodeEntries([{ containerPath: '/app/l', type: 'symlink', mode: 0o777, mtimeSeconds: 0, linkname: 'a\nb' }], owner), undefined);
  });

  it('leaves a relative path or the root itself to the tar', () => {
    assert.equal(encodeEntries([file('app/x', 'x')], owner), undefined);
    assert.equal(encodeEntries([{ containerPath: '/', type: 'directory', mode: 0o755, mtimeSeconds: 0 }], owner), undefined);
  });

  it('writes modes in octal and the exact byte count of the content', () => {
    const text = encodeEntries([file('/app/é.txt', 'héllo', 0o4755, 12)], { uid: 1000, gid: 100 })!.toString('utf8');
    assert.equal(text, 'F 6 4755 1000 100 12\n/app/é.txt\nhéllo');
  });

  it('reads its replies and nothing else', () => {
    assert.deepEqual(parseReply('ready'), { kind: 'ready' });
    assert.deepEqual(parseReply('ok 12'), { kind: 'ok', seq: 12 });
    assert.deepEqual(parseReply('err write /app/x'), { kind: 'err', message: 'write /app/x' });
    assert.deepEqual(parseReply('missing touch'), { kind: 'missing', tool: 'touch' });
    assert.equal(parseReply('ok twelve'), undefined);
    assert.equal(parseReply('something the shell printed'), undefined);
  });
});
