// The local manifest (what a rule would sync) and the build ignore file, on real temp trees.

import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBuildIgnore } from '../../../src/watch/build-ignore.js';
import { listSyncManifest } from '../../../src/watch/manifest.js';
import { compileWatchRules, type IgnoredFn } from '../../../src/watch/rules.js';
import { tempTree } from './watch-fs.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function tree(files: Record<string, string>, dirs: string[] = []): Promise<string> {
  const t = await tempTree('manifest');
  cleanups.push(t.dispose);
  for (const dir of dirs) await mkdir(join(t.root, dir), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(t.root, path, '..'), { recursive: true });
    await writeFile(join(t.root, path), content);
  }
  return t.root;
}

describe('sync manifest', () => {
  it('lists what a rule syncs (files, directories, links) with sizes, skipping ignored, protected and temp files', async () => {
    const root = await tree(
      {
        'src/a.js': 'aaa',
        'src/lib/b.js': 'bb',
        'src/.a.js.swp': 'swap',
        'node_modules/x/y.js': 'y',
        '.git/HEAD': 'ref',
        Dockerfile: 'FROM scratch',
        'stack.yaml': 'services: {}',
      },
      ['empty'],
    );
    await symlink('src/a.js', join(root, 'link'));
    const rules = compileWatchRules({
      stackFiles: [join(root, 'stack.yaml')],
      services: [
        {
          service: 'app',
          build: { contextDir: root, dockerfile: join(root, 'Dockerfile'), ignorePatterns: [] },
          rules: [{ action: 'sync', path: root, target: '/app', ignore: ['node_modules'], include: [], initialSync: true }],
        },
      ],
    });
    const manifest = await listSyncManifest(root, rules.rules[0]!.ignored);
    assert.deepEqual(
      manifest.map((e) => [e.relPath, e.type, e.size]),
      [
        ['empty', 'directory', 0],
        ['link', 'symlink', 'src/a.js'.length],
        ['src', 'directory', 0],
        ['src/a.js', 'file', 3],
        ['src/lib', 'directory', 0],
        ['src/lib/b.js', 'file', 2],
      ],
    );
    assert.ok(manifest.every((e) => e.mtimeMs > 0));
  });

  it('never reads below an ignored directory', async () => {
    const root = await tree({ 'node_modules/a/b/c.js': 'c', 'src/a.js': 'a' });
    const rules = compileWatchRules({
      stackFiles: [],
      services: [{ service: 'app', rules: [{ action: 'sync', path: root, target: '/app', ignore: ['node_modules'], include: [], initialSync: false }] }],
    });
    const asked: string[] = [];
    const recording: IgnoredFn = (path, stats) => {
      asked.push(path);
      return rules.rules[0]!.ignored(path, stats);
    };
    await listSyncManifest(root, recording);
    assert.deepEqual(asked.filter((p) => p.startsWith(join(root, 'node_modules'))), [join(root, 'node_modules')]);
  });

  it('follows `*` + `!public` into the re-included directory only', async () => {
    const root = await tree({ 'public/index.html': '<h1>', 'public/css/site.css': 'body{}', 'secret.env': 'X=1', 'drafts/a.md': '#' });
    const rules = compileWatchRules({
      stackFiles: [],
      services: [{ service: 'www', rules: [{ action: 'sync', path: root, target: '/www', ignore: ['*', '!public'], include: [], initialSync: true }] }],
    });
    const manifest = await listSyncManifest(root, rules.rules[0]!.ignored);
    assert.deepEqual(manifest.map((e) => e.relPath), ['public', 'public/css', 'public/css/site.css', 'public/index.html']);
  });

  it('gives one entry with an empty path for a rule on a single file, and nothing for a missing path', async () => {
    const root = await tree({ 'nginx.conf': 'events {}' });
    const keepAll: IgnoredFn = () => false;
    assert.deepEqual((await listSyncManifest(join(root, 'nginx.conf'), keepAll)).map((e) => [e.relPath, e.type, e.size]), [['', 'file', 9]]);
    assert.deepEqual(await listSyncManifest(join(root, 'missing'), keepAll), []);
  });
});

describe('build ignore file', () => {
  it('reads the context .dockerignore', async () => {
    const root = await tree({ '.dockerignore': '# deps\nnode_modules\n\n!keep.log\n*.log\n', Dockerfile: 'FROM scratch' });
    const build = await readBuildIgnore(root, 'Dockerfile');
    assert.deepEqual(build, {
      contextDir: root,
      dockerfile: join(root, 'Dockerfile'),
      ignorePatterns: ['node_modules', '!keep.log', '*.log'],
      ignoreFile: join(root, '.dockerignore'),
    });
  });

  it('prefers <Dockerfile>.dockerignore beside the Dockerfile', async () => {
    const root = await tree({ '.dockerignore': 'a', 'docker/dev.Dockerfile': 'FROM scratch', 'docker/dev.Dockerfile.dockerignore': 'b' });
    const build = await readBuildIgnore(root, 'docker/dev.Dockerfile');
    assert.deepEqual(build.ignorePatterns, ['b']);
    assert.equal(build.ignoreFile, join(root, 'docker/dev.Dockerfile.dockerignore'));
  });

  it('gives no patterns when the context has no ignore file', async () => {
    const root = await tree({ Dockerfile: 'FROM scratch' });
    assert.deepEqual(await readBuildIgnore(root, 'Dockerfile'), { contextDir: root, dockerfile: join(root, 'Dockerfile'), ignorePatterns: [] });
  });
});
