// The walk of a build context (src/image/context-files.ts, with build-context.ts resolving the
// Dockerfile and the ignore file): which entries travel, in which order, and what the walk
// does not even look at.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { resolveBuildContext, type BuildContextInput } from '../../../src/image/build-context.js';
import { walkContext } from '../../../src/image/context-files.js';
import { context, removeTrees, tempDir, writeTree } from './tree.js';
import { runUnprivileged } from './unreadable.js';

after(removeTrees);

function walk(input: BuildContextInput): { paths: string[]; directoriesRead: number } {
  const result = walkContext(resolveBuildContext(input));
  return { paths: result.entries.map((e) => (e.kind === 'directory' ? `${e.relPath}/` : e.relPath)), directoriesRead: result.directoriesRead };
}

describe('walkContext', () => {
  it('lists entries depth first, a directory before its entries, names sorted', () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', 'b.txt': 'b', 'a/z.txt': 'z', 'a/b/c.txt': 'c', 'a.txt': 'a', 'A.txt': 'A' });
    assert.deepEqual(walk({ contextDir: dir }).paths, ['A.txt', 'Dockerfile', 'a/', 'a/b/', 'a/b/c.txt', 'a/z.txt', 'a.txt', 'b.txt']);
  });

  it('does not read an ignored directory at all', () => {
    const nodes: Record<string, string> = { Dockerfile: 'FROM scratch\n', '.dockerignore': 'node_modules\n', 'src/app.js': 'x' };
    for (let i = 0; i < 30; i++) nodes[`node_modules/pkg${i}/sub/index.js`] = 'x';
    const dir = context(nodes);
    const result = walk({ contextDir: dir });
    assert.deepEqual(result.paths, ['.dockerignore', 'Dockerfile', 'src/', 'src/app.js']);
    assert.equal(result.directoriesRead, 2, 'the root and src, nothing under node_modules');
  });

  it('forgives an unreadable directory inside an ignored one that an exception makes it walk', () => {
    const nodes = { Dockerfile: 'FROM scratch\n', '.dockerignore': 'cache\n!cache/**/keep.txt\n', 'cache/locked/x': 'x', 'cache/keep.txt': 'k', 'app.txt': 'a' };
    const dir = context(nodes);
    chmodSync(join(dir, 'cache', 'locked'), 0o000);
    const out = runUnprivileged(
      `const t = image.tar.createContextTar({ contextDir: ${JSON.stringify(dir)} }); t.stream.resume(); const s = await t.done; return s.files;`,
      [dir],
    );
    assert.equal(out, '4', '.dockerignore, Dockerfile, app.txt, cache/keep.txt');
  });

  it('fails on an unreadable directory that is not ignored, naming it', () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', 'locked/x': 'x' });
    chmodSync(join(dir, 'locked'), 0o000);
    const out = runUnprivileged(`image.tar.createContextTar({ contextDir: ${JSON.stringify(dir)} }); return 'no error';`, [dir]);
    assert.equal(out, `error: cannot read ${join(dir, 'locked')} in the build context: permission denied`);
  });

  it('walks an ignored directory when an exception re-includes a file in it, and sends only that file', () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'docs\n!docs/README.md\n', 'docs/README.md': 'r', 'docs/other.md': 'o', 'docs/deep/x.md': 'x' });
    assert.deepEqual(walk({ contextDir: dir }).paths, ['.dockerignore', 'Dockerfile', 'docs/README.md']);
  });

  it('walks an ignored tree for a wildcard exception', () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'vendor\n!**/LICENSE\n', 'vendor/a/LICENSE': 'l', 'vendor/a/code.go': 'c' });
    assert.deepEqual(walk({ contextDir: dir }).paths, ['.dockerignore', 'Dockerfile', 'vendor/a/LICENSE']);
  });

  it('sends the Dockerfile and the .dockerignore even when the patterns ignore them', () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', '.dockerignore': '*\n', 'a.txt': 'a' });
    assert.deepEqual(walk({ contextDir: dir }).paths, ['.dockerignore', 'Dockerfile']);
  });

  it('sends a Dockerfile inside an ignored directory, without the rest of the directory', () => {
    const dir = context({ 'build/app.Dockerfile': 'FROM scratch\n', 'build/tmp.o': 'o', '.dockerignore': 'build\n', 'main.c': 'm' });
    assert.deepEqual(walk({ contextDir: dir, dockerfile: 'build/app.Dockerfile' }).paths, ['.dockerignore', 'build/app.Dockerfile', 'main.c']);
  });

  it('applies <Dockerfile>.dockerignore instead of .dockerignore, and sends that file', () => {
    const dir = context({
      'app.Dockerfile': 'FROM scratch\n',
      'app.Dockerfile.dockerignore': 'b.txt\n',
      '.dockerignore': 'a.txt\n',
      'a.txt': 'a',
      'b.txt': 'b',
    });
    assert.deepEqual(walk({ contextDir: dir, dockerfile: 'app.Dockerfile' }).paths, ['.dockerignore', 'a.txt', 'app.Dockerfile', 'app.Dockerfile.dockerignore']);
  });

  it('finds dockerfile when there is no Dockerfile', () => {
    const dir = context({ dockerfile: 'FROM scratch\n' });
    assert.equal(resolveBuildContext({ contextDir: dir }).dockerfileName, 'dockerfile');
  });

  it('keeps symbolic links as links and does not follow them', () => {
    const outside = context({ 'secret.txt': 's' });
    const dir = context({ Dockerfile: 'FROM scratch\n', out: { link: outside }, 'me.txt': { link: 'Dockerfile' } });
    const { entries } = walkContext(resolveBuildContext({ contextDir: dir }));
    assert.deepEqual(
      entries.map((e) => [e.relPath, e.kind, e.linkTarget]),
      [
        ['Dockerfile', 'file', undefined],
        ['me.txt', 'symlink', 'Dockerfile'],
        ['out', 'symlink', outside],
      ],
    );
  });

  it('leaves sockets out', async () => {
    const dir = context({ Dockerfile: 'FROM scratch\n' });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, 'app.sock'), resolve));
    try {
      assert.deepEqual(walk({ contextDir: dir }).paths, ['Dockerfile']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('treats __proto__ and constructor as ordinary names', () => {
    const dir = context({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'constructor\n', ['__proto__']: { dir: true }, '__proto__/x': 'x', constructor: 'c' });
    assert.deepEqual(walk({ contextDir: dir }).paths, ['.dockerignore', 'Dockerfile', '__proto__/', '__proto__/x']);
  });

  it('refuses a missing Dockerfile and a context that is not a directory, saying what to fix', () => {
    const dir = tempDir();
    assert.throws(() => resolveBuildContext({ contextDir: dir }), /cannot find the Dockerfile .*Dockerfile/);
    assert.throws(() => resolveBuildContext({ contextDir: join(dir, 'nope') }), /the build context .*nope does not exist/);
    mkdirSync(join(dir, 'x'));
    writeTree(dir, { 'file.txt': 'f' });
    assert.throws(() => resolveBuildContext({ contextDir: join(dir, 'file.txt') }), /is not a directory/);
  });
});
