// The tar of a build context (src/image/context-tar.ts), read back with tar-stream's extract:
// what the engine receives.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { createContextTar } from '../../../src/image/context-tar.js';
import { context, OLD_TIME, removeTrees, tempDir, writeFile, writeTree } from './tree.js';
import { runUnprivileged } from './unreadable.js';

after(removeTrees);

interface TarEntry {
  readonly header: Header;
  readonly content: Buffer;
}

async function readTar(stream: Readable): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c: unknown) => chunks.push(c as Buffer));
      body.on('end', () => {
        entries.push({ header, content: Buffer.concat(chunks) });
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  stream.pipe(ex as unknown as NodeJS.WritableStream);
  await done;
  return entries;
}

describe('createContextTar', () => {
  it('writes every entry owned by 0:0 with empty user and group names, and the mode and mtime (whole seconds) it has on disk', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', 'run.sh': { content: '#!/bin/sh\n', mode: 0o4755 }, 'key.pem': { content: 'k', mode: 0o600 }, 'none.txt': { content: '', mode: 0 } });
    chmodSync(dir, 0o750);
    const entries = await readTar(createContextTar({ contextDir: dir }).stream);
    assert.deepEqual(
      entries.map((e) => [e.header.name, e.header.type, e.header.mode, e.header.uid, e.header.gid, e.header.uname, e.header.gname]),
      [
        ['Dockerfile', 'file', 0o644, 0, 0, '', ''],
        ['key.pem', 'file', 0o600, 0, 0, '', ''],
        ['none.txt', 'file', 0, 0, 0, '', ''],
        ['run.sh', 'file', 0o4755, 0, 0, '', ''],
      ],
    );
    for (const e of entries) assert.equal(e.header.mtime?.getTime(), OLD_TIME.getTime(), e.header.name);
    assert.equal(entries[3]!.content.toString(), '#!/bin/sh\n');
  });

  it('sends directories as entries ending in / and symbolic links as links', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', 'app/index.html': '<h1>', latest: { link: 'app' } });
    chmodSync(join(dir, 'app'), 0o711);
    const entries = await readTar(createContextTar({ contextDir: dir }).stream);
    assert.deepEqual(
      entries.map((e) => [e.header.name, e.header.type, e.header.mode, e.header.linkname ?? null]),
      [
        ['Dockerfile', 'file', 0o644, null],
        ['app/', 'directory', 0o711, null],
        ['app/index.html', 'file', 0o644, null],
        ['latest', 'symlink', 0o777, 'app'],
      ],
    );
  });

  it('leaves ignored files out and keeps the Dockerfile even when ignored', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'Dockerfile\nsecret.txt\n', 'secret.txt': 's', 'a.txt': 'a' });
    const tar = createContextTar({ contextDir: dir });
    const entries = await readTar(tar.stream);
    assert.deepEqual(entries.map((e) => e.header.name), ['.dockerignore', 'Dockerfile', 'a.txt']);
    assert.equal(tar.dockerfileName, 'Dockerfile');
  });

  it('adds a Dockerfile from outside the context under a generated name, and names it in .dockerignore so that COPY leaves it out', async () => {
    const outside = tempDir();
    writeFile(join(outside, 'app.Dockerfile'), 'FROM busybox\n');
    const dir = context({ '.dockerignore': 'tmp\n', 'a.txt': 'a' });
    const tar = createContextTar({ contextDir: dir, dockerfile: join(outside, 'app.Dockerfile') });
    assert.match(tar.dockerfileName, /^\.dockerfile\.[0-9a-f]{20}$/);
    const entries = await readTar(tar.stream);
    assert.deepEqual(entries.map((e) => e.header.name), ['.dockerignore', 'a.txt', tar.dockerfileName]);
    const generated = entries[2]!;
    assert.equal(generated.content.toString(), 'FROM busybox\n');
    assert.equal(generated.header.mode, 0o600);
    assert.equal(entries[0]!.content.toString(), `tmp\n\n${tar.dockerfileName}\n`);
  });

  it('treats a Dockerfile given relative to the context but lying outside it (../) the same way', async () => {
    const root = tempDir();
    writeTree(root, { 'Dockerfile.prod': 'FROM busybox\n', 'ctx/a.txt': 'a' });
    const tar = createContextTar({ contextDir: join(root, 'ctx'), dockerfile: '../Dockerfile.prod' });
    const entries = await readTar(tar.stream);
    assert.deepEqual(entries.map((e) => e.header.name), ['a.txt', '.dockerignore', tar.dockerfileName]);
    assert.equal(entries[2]!.content.toString(), 'FROM busybox\n');
  });

  it('adds an inline Dockerfile under a generated name and creates a .dockerignore naming itself and that file', async () => {
    const dir = context({ 'a.txt': 'a' });
    const tar = createContextTar({ contextDir: dir, dockerfileInline: 'FROM scratch\nCOPY . /\n' });
    const entries = await readTar(tar.stream);
    assert.deepEqual(entries.map((e) => e.header.name), ['a.txt', '.dockerignore', tar.dockerfileName]);
    assert.equal(entries[1]!.content.toString(), `.dockerignore\n${tar.dockerfileName}\n`);
    assert.equal(entries[2]!.content.toString(), 'FROM scratch\nCOPY . /\n');
  });

  it('counts the bytes the consumer took, and reports the totals when done', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', 'a.bin': 'x'.repeat(3000), 'sub/b.txt': 'b' });
    const tar = createContextTar({ contextDir: dir });
    assert.equal(tar.bytesSent(), 0);
    let taken = 0;
    tar.stream.on('data', (chunk: Buffer) => (taken += chunk.length));
    const summary = await tar.done;
    assert.deepEqual(summary, { files: 3, entries: 4, bytes: taken });
    assert.equal(tar.bytesSent(), taken);
    // 512-byte headers, content padded to 512, two zero blocks at the end.
    assert.equal(taken, 512 * 4 + 512 + 3072 + 512 + 1024);
  });

  it('reads no further than a little ahead of a consumer that does not read (backpressure)', async () => {
    const nodes: Record<string, string> = { Dockerfile: 'FROM scratch\n' };
    const chunk = 'x'.repeat(32 * 1024);
    for (let i = 0; i < 400; i++) nodes[`f${String(i).padStart(3, '0')}.bin`] = chunk;
    const dir = context(nodes);
    const tar = createContextTar({ contextDir: dir });
    // Small files are read synchronously: without backpressure all 12.5 MiB would be read
    // within these turns of the event loop, whatever the machine's speed.
    for (let turn = 0; turn < 100; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(tar.bytesRead() <= 512 * 1024, `read ${tar.bytesRead()} bytes with nobody reading`);
    let taken = 0;
    for await (const data of tar.stream) taken += (data as Buffer).length;
    assert.equal(tar.bytesRead(), 400 * chunk.length + 'FROM scratch\n'.length);
    assert.equal(taken, (await tar.done).bytes);
  });

  it('streams a file larger than a chunk in pieces, whole', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\n' });
    const size = 3 * 1024 * 1024 + 5;
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(size, 7));
    const entries = await readTar(createContextTar({ contextDir: dir }).stream);
    assert.equal(entries[1]!.header.name, 'big.bin');
    assert.equal(entries[1]!.content.length, size);
    assert.ok(entries[1]!.content.every((b) => b === 7));
  });

  it('gives the same bytes for the same files', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', 'a/b.txt': 'b', 'c.txt': 'c' });
    const collect = async (): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      for await (const chunk of createContextTar({ contextDir: dir }).stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    assert.deepEqual(await collect(), await collect());
  });

  it('fails with an error naming a file it cannot read', () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', 'locked.txt': { content: 'secret', mode: 0o000 } });
    const out = runUnprivileged(
      `const t = image.tar.createContextTar({ contextDir: ${JSON.stringify(dir)} }); t.stream.resume(); await t.done; return 'no error';`,
      [dir],
    );
    assert.equal(out, `error: cannot read ${join(dir, 'locked.txt')} in the build context: permission denied`);
  });

  it('rejects done when the consumer destroys the stream', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\n' });
    const tar = createContextTar({ contextDir: dir });
    tar.stream.destroy();
    await assert.rejects(tar.done, /not sent completely|closed/);
  });
});
