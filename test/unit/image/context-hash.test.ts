// The content hash of a build (src/image/context-hash.ts), its stat cache (stat-cache.ts) and
// its manifests (context-manifest.ts): what changes the hash and what does not, which files
// are read again, and how a plan learns what changed.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { changedFiles, ContextHashSession, describeContextChange, hashContextSync, type ContextHashInput } from '../../../src/image/context-hash.js';
import { ReadScope } from '../../../src/image/dockerfile-reads.js';
import { context, edit, OLD_TIME, removeTrees, tempDir, writeFile, writeTree } from './tree.js';

after(removeTrees);

/** A small app with an ignore file, and a fresh cache directory. */
function app(): { dir: string; cacheDir: string } {
  const dir = context({
    Dockerfile: 'FROM busybox\nCOPY app /app\n',
    '.dockerignore': 'secret.txt\nlogs\n',
    'app/index.html': '<h1>hello</h1>',
    'app/run.sh': { content: '#!/bin/sh\n', mode: 0o755 },
    'secret.txt': 'hunter2',
    'logs/a.log': 'x',
  });
  return { dir, cacheDir: join(tempDir('stack-cache-'), 'build-context') };
}

function hash(input: ContextHashInput, cacheDir: string | false): ReturnType<typeof hashContextSync> {
  return hashContextSync(input, { cacheDir });
}

describe('hashContext: what changes the hash', () => {
  it('is the same for the same inputs, and 64 hex digits', () => {
    const { dir, cacheDir } = app();
    const first = hash({ contextDir: dir }, cacheDir);
    assert.match(first.hash, /^[0-9a-f]{64}$/);
    assert.equal(hash({ contextDir: dir }, cacheDir).hash, first.hash);
    assert.equal(hash({ contextDir: dir }, false).hash, first.hash, 'with or without a cache');
  });

  it("changes when a file's content changes", () => {
    const { dir, cacheDir } = app();
    const before = hash({ contextDir: dir }, cacheDir).hash;
    edit(join(dir, 'app/index.html'), '<h1>HELLO</h1>');
    assert.notEqual(hash({ contextDir: dir }, cacheDir).hash, before);
  });

  it("changes when a file's mode changes", () => {
    const { dir, cacheDir } = app();
    const before = hash({ contextDir: dir }, cacheDir).hash;
    chmodSync(join(dir, 'app/index.html'), 0o755);
    assert.notEqual(hash({ contextDir: dir }, cacheDir).hash, before);
  });

  it('changes when a file is added, removed or renamed', () => {
    const { dir, cacheDir } = app();
    const h0 = hash({ contextDir: dir }, cacheDir).hash;
    writeFile(join(dir, 'app/new.txt'), 'n');
    const h1 = hash({ contextDir: dir }, cacheDir).hash;
    renameSync(join(dir, 'app/new.txt'), join(dir, 'app/renamed.txt'));
    const h2 = hash({ contextDir: dir }, cacheDir).hash;
    rmSync(join(dir, 'app/renamed.txt'));
    const h3 = hash({ contextDir: dir }, cacheDir).hash;
    assert.equal(new Set([h0, h1, h2]).size, 3);
    assert.equal(h3, h0);
  });

  it('changes when an arg, the target or the platform changes, whatever the order of the args', () => {
    const { dir, cacheDir } = app();
    const base = hash({ contextDir: dir, args: { A: '1', B: '2' } }, cacheDir).hash;
    assert.equal(hash({ contextDir: dir, args: new Map([['B', '2'], ['A', '1']]) }, cacheDir).hash, base);
    const variants = [
      hash({ contextDir: dir, args: { A: '1', B: '3' } }, cacheDir).hash,
      hash({ contextDir: dir, args: { A: '1' } }, cacheDir).hash,
      hash({ contextDir: dir, args: { A: '1', B: undefined } }, cacheDir).hash,
      hash({ contextDir: dir, args: { A: '1', B: '2' }, target: 'prod' }, cacheDir).hash,
      hash({ contextDir: dir, args: { A: '1', B: '2' }, platform: 'linux/arm64' }, cacheDir).hash,
    ];
    assert.equal(new Set([base, ...variants]).size, 6);
  });

  it('changes when the Dockerfile changes, inside the context, outside it, or inline', () => {
    const { dir, cacheDir } = app();
    const inside = hash({ contextDir: dir }, cacheDir).hash;
    edit(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY app /srv\n');
    assert.notEqual(hash({ contextDir: dir }, cacheDir).hash, inside);

    const outsideDir = tempDir();
    writeFile(join(outsideDir, 'Dockerfile'), 'FROM busybox\n');
    const outside = hash({ contextDir: dir, dockerfile: join(outsideDir, 'Dockerfile') }, cacheDir).hash;
    edit(join(outsideDir, 'Dockerfile'), 'FROM alpine\n');
    assert.notEqual(hash({ contextDir: dir, dockerfile: join(outsideDir, 'Dockerfile') }, cacheDir).hash, outside);

    const inline = hash({ contextDir: dir, dockerfileInline: 'FROM busybox\n' }, cacheDir).hash;
    assert.notEqual(hash({ contextDir: dir, dockerfileInline: 'FROM alpine\n' }, cacheDir).hash, inline);
  });

  it('does not change when an ignored file changes or appears', () => {
    const { dir, cacheDir } = app();
    const before = hash({ contextDir: dir }, cacheDir).hash;
    writeFile(join(dir, 'secret.txt'), 'correct horse battery staple');
    writeFile(join(dir, 'logs/b.log'), 'y');
    assert.equal(hash({ contextDir: dir }, cacheDir).hash, before);
  });

  it('does not change when a file is only touched, though the file is read again', () => {
    const { dir, cacheDir } = app();
    const before = hash({ contextDir: dir }, cacheDir);
    const later = new Date(OLD_TIME.getTime() + 60_000);
    utimesSync(join(dir, 'app/index.html'), later, later);
    const after = hash({ contextDir: dir }, cacheDir);
    assert.equal(after.hash, before.hash);
    assert.equal(after.filesRead, 1);
  });
});

describe('the stat cache', () => {
  it('answers for an unchanged context without reading any file', () => {
    const { dir, cacheDir } = app();
    assert.equal(hash({ contextDir: dir }, cacheDir).filesRead, 4, 'Dockerfile, .dockerignore, index.html, run.sh');
    assert.equal(hash({ contextDir: dir }, cacheDir).filesRead, 0);
  });

  it('does not read a file again when its size, mtime and inode are unchanged, even if its content changed', () => {
    const { dir, cacheDir } = app();
    const before = hash({ contextDir: dir }, cacheDir);
    const file = join(dir, 'app/index.html');
    const { ino } = statSync(file);
    writeFileSync(file, '<h1>HELLO</h1>'); // same size, same inode (written in place)
    utimesSync(file, OLD_TIME, OLD_TIME); // mtime forced back
    assert.equal(statSync(file).ino, ino);
    const after = hash({ contextDir: dir }, cacheDir);
    assert.equal(after.filesRead, 0);
    assert.equal(after.hash, before.hash, 'the cached digest was used');
  });

  it('reads a file again when its mtime changed', () => {
    const { dir, cacheDir } = app();
    const before = hash({ contextDir: dir }, cacheDir);
    const file = join(dir, 'app/index.html');
    writeFileSync(file, '<h1>HELLO</h1>');
    const later = new Date(OLD_TIME.getTime() + 1000);
    utimesSync(file, later, later);
    const after = hash({ contextDir: dir }, cacheDir);
    assert.equal(after.filesRead, 1);
    assert.notEqual(after.hash, before.hash);
  });

  it('reads only the new file after one is added, and none after one is removed', () => {
    const { dir, cacheDir } = app();
    hash({ contextDir: dir }, cacheDir);
    writeFile(join(dir, 'app/a-new.txt'), 'n');
    assert.equal(hash({ contextDir: dir }, cacheDir).filesRead, 1);
    rmSync(join(dir, 'app/index.html'));
    assert.equal(hash({ contextDir: dir }, cacheDir).filesRead, 0);
    assert.equal(hash({ contextDir: dir }, cacheDir).filesRead, 0);
  });

  it('does not keep a file modified moments ago (it could change again within the same clock tick)', () => {
    const { dir, cacheDir } = app();
    hash({ contextDir: dir }, cacheDir);
    writeFileSync(join(dir, 'app/index.html'), 'just now');
    assert.equal(hash({ contextDir: dir }, cacheDir).filesRead, 1);
    assert.equal(hash({ contextDir: dir }, cacheDir).filesRead, 1, 'read again: it was too recent to trust');
  });

  it('is not rewritten when nothing changed, also while a file is too recent to keep', () => {
    const { dir, cacheDir } = app();
    hash({ contextDir: dir }, cacheDir);
    const statDir = join(cacheDir, 'stat');
    const file = join(statDir, readdirSync(statDir)[0]!);
    const written = statSync(file).ino;
    hash({ contextDir: dir }, cacheDir);
    assert.equal(statSync(file).ino, written, 'a rewrite renames a new file into place');
    writeFileSync(join(dir, 'app/fresh.txt'), 'new'); // too recent to keep
    hash({ contextDir: dir }, cacheDir);
    const withFresh = statSync(file).ino;
    hash({ contextDir: dir }, cacheDir);
    assert.equal(statSync(file).ino, withFresh);
  });

  it('is not used when others can write to it', () => {
    const { dir, cacheDir } = app();
    hash({ contextDir: dir }, cacheDir);
    const statDir = join(cacheDir, 'stat');
    const [file] = readdirSync(statDir);
    chmodSync(join(statDir, file!), 0o666);
    assert.equal(hash({ contextDir: dir }, cacheDir).filesRead, 4);
  });

  it('is kept under XDG_CACHE_HOME by default, and nowhere with STACK_CACHE=0', () => {
    const { dir } = app();
    const root = tempDir();
    const saved = { STACK_CACHE: process.env.STACK_CACHE, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
    try {
      process.env.XDG_CACHE_HOME = root;
      process.env.STACK_CACHE = '0';
      assert.equal(hashContextSync({ contextDir: dir }).filesRead, 4);
      assert.equal(hashContextSync({ contextDir: dir }).filesRead, 4);
      assert.deepEqual(readdirSync(root), []);
      delete process.env.STACK_CACHE;
      hashContextSync({ contextDir: dir });
      assert.equal(hashContextSync({ contextDir: dir }).filesRead, 0);
      assert.deepEqual(readdirSync(join(root, 'stack', 'build-context')).sort(), ['manifest', 'stat']);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('changedFiles and describeContextChange', () => {
  it('name an edited, an added and a deleted file', () => {
    const { dir, cacheDir } = app();
    const old = hash({ contextDir: dir }, cacheDir).hash;
    edit(join(dir, 'app/index.html'), '<h1>changed</h1>');
    writeFile(join(dir, 'app/new.txt'), 'n');
    rmSync(join(dir, 'app/run.sh'));
    const current = hash({ contextDir: dir }, cacheDir);
    assert.deepEqual(changedFiles(old, current, { cacheDir }), ['app/index.html', 'app/new.txt', 'app/run.sh']);
  });

  it('name the files of a new directory, not the directory', () => {
    const { dir, cacheDir } = app();
    const old = hash({ contextDir: dir }, cacheDir).hash;
    writeTree(dir, { 'lib/a.js': 'a', 'lib/b.js': 'b' });
    assert.deepEqual(changedFiles(old, hash({ contextDir: dir }, cacheDir), { cacheDir }), ['lib/a.js', 'lib/b.js']);
  });

  it('say which args, and whether the Dockerfile, target or platform changed', () => {
    const { dir, cacheDir } = app();
    const old = hash({ contextDir: dir, args: { VERSION: '1', KEEP: 'k' } }, cacheDir).hash;
    edit(join(dir, 'Dockerfile'), 'FROM busybox:2\n');
    const current = hash({ contextDir: dir, args: { VERSION: '2', KEEP: 'k', NEW: 'n' }, target: 'prod' }, cacheDir);
    assert.deepEqual(describeContextChange(old, current, { cacheDir }), {
      files: ['Dockerfile'],
      dockerfile: true,
      args: ['NEW', 'VERSION'],
      target: true,
      platform: false,
    });
  });

  it('are undefined when the old manifest is not in the cache', () => {
    const { dir, cacheDir } = app();
    const current = hash({ contextDir: dir }, cacheDir);
    assert.equal(changedFiles('0'.repeat(64), current, { cacheDir }), undefined);
    assert.equal(changedFiles('../../etc/passwd', current, { cacheDir }), undefined);
  });

  it('are empty for the same hash', () => {
    const { dir, cacheDir } = app();
    const current = hash({ contextDir: dir }, cacheDir);
    assert.deepEqual(changedFiles(current.hash, current, { cacheDir }), []);
  });

  it('keep no content and no arg value in the cache', () => {
    const { dir, cacheDir } = app();
    hash({ contextDir: dir, args: { TOKEN: 's3cr3t-value' } }, cacheDir);
    const manifests = join(cacheDir, 'manifest');
    for (const name of readdirSync(manifests)) {
      const text = readFileSync(join(manifests, name), 'utf8');
      assert.ok(!text.includes('hello') && !text.includes('s3cr3t-value') && !text.includes('#!/bin/sh'), name);
    }
  });

  it('treat __proto__ and constructor as ordinary file names', () => {
    const { dir, cacheDir } = app();
    const old = hash({ contextDir: dir }, cacheDir).hash;
    writeTree(dir, { ['__proto__']: 'p', constructor: 'c', 'toString/x': 't' });
    const current = hash({ contextDir: dir }, cacheDir);
    assert.deepEqual(changedFiles(old, current, { cacheDir }), ['__proto__', 'constructor', 'toString/x']);
    assert.equal(hash({ contextDir: dir }, cacheDir).filesRead, 0);
  });
});

describe('ContextHashSession', () => {
  it('walks a context once for several builds of it', () => {
    const { dir, cacheDir } = app();
    const session = new ContextHashSession();
    const a = hashContextSync({ contextDir: dir, args: { A: '1' } }, { cacheDir, session });
    const b = hashContextSync({ contextDir: dir, args: { A: '2' } }, { cacheDir, session });
    assert.equal(session.walks, 1);
    assert.notEqual(a.hash, b.hash);
    assert.equal(b.hash, hash({ contextDir: dir, args: { A: '2' } }, cacheDir).hash);
  });
});

describe('hashContext with the scope a Dockerfile reads', () => {
  /** The scope of `COPY app /app` (image/dockerfile-reads.ts), as image/images.ts builds it. */
  function scoped(dir: string, cacheDir: string | false, sources: readonly string[] = ['app']): ReturnType<typeof hashContextSync> {
    return hashContextSync({ contextDir: dir }, { cacheDir, scope: { reads: new ReadScope(sources), sources } });
  }

  it('does not change when a file outside what the Dockerfile reads changes, and reads none of it', () => {
    const { dir, cacheDir } = app();
    writeTree(dir, { 'docs/a.md': 'a', 'docs/deep/b.md': 'b' });
    const before = scoped(dir, cacheDir);
    edit(join(dir, 'docs/a.md'), 'changed');
    writeFile(join(dir, 'docs/new.md'), 'new');
    const after = scoped(dir, cacheDir);
    assert.equal(after.hash, before.hash);
    assert.equal(after.directoriesRead, 2, 'the root and app: docs is never read');
  });

  it('changes when a file it reads changes, and when the Dockerfile changes', () => {
    const { dir, cacheDir } = app();
    const h0 = scoped(dir, cacheDir).hash;
    edit(join(dir, 'app/index.html'), '<h1>HELLO</h1>');
    const h1 = scoped(dir, cacheDir).hash;
    assert.notEqual(h1, h0);
    edit(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY app /srv\n');
    assert.notEqual(scoped(dir, cacheDir).hash, h1);
  });

  it('is another hash than the whole context, and another for other sources', () => {
    const { dir } = app();
    assert.notEqual(scoped(dir, false).hash, hash({ contextDir: dir }, false).hash);
    assert.notEqual(scoped(dir, false, ['app/index.html']).hash, scoped(dir, false).hash);
  });

  it('counts the whole context when a read path is a symbolic link (the builder follows it)', () => {
    const { dir } = app();
    writeTree(dir, { 'real/conf.txt': 'one' });
    symlinkSync('real/conf.txt', join(dir, 'conf.txt'));
    const linked = scoped(dir, false, ['conf.txt']);
    assert.equal(linked.hash, hash({ contextDir: dir }, false).hash);
    edit(join(dir, 'real/conf.txt'), 'two');
    assert.notEqual(scoped(dir, false, ['conf.txt']).hash, linked.hash, 'a change behind the link is a change');
  });
});
