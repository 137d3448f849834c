// The second look at reported paths, on real files (no watcher): what it reports once
// chokidar's windows are over, and what it leaves alone.

import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrailingCheck } from '../../../src/watch/trailing-check.js';
import { tempTree } from './watch-fs.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup() {
  const tree = await tempTree('trailing');
  cleanups.push(tree.dispose);
  const reported: string[] = [];
  const tracked: string[] = [];
  const check = new TrailingCheck({
    changed: (path) => reported.push(`change ${path.slice(tree.root.length)}`),
    reappeared: (path, isDirectory) => reported.push(`${isDirectory ? 'addDir' : 'add'} ${path.slice(tree.root.length)}`),
    track: (path) => tracked.push(path.slice(tree.root.length)),
  });
  cleanups.push(async () => check.dispose());
  return { root: tree.root, check, reported, tracked };
}

describe('trailing check', () => {
  it('reports a change made after the one the event saw', async () => {
    const { root, check, reported } = await setup();
    const file = join(root, 'a.js');
    await writeFile(file, 'one');
    const seenByTheEvent = await lstat(file);
    await writeFile(file, 'two, longer');
    check.present(file, seenByTheEvent);
    await check.whenSettled();
    assert.deepEqual(reported, ['change /a.js']);
  });

  it('reports nothing when the file is as the event saw it, or gone', async () => {
    const { root, check, reported } = await setup();
    const same = join(root, 'same.js');
    const deleted = join(root, 'deleted.js');
    await writeFile(same, 'x');
    await writeFile(deleted, 'x');
    check.present(same, await lstat(same));
    check.present(deleted, await lstat(deleted));
    await rm(deleted);
    await check.whenSettled();
    assert.deepEqual(reported, []);
  });

  it('reports a file that exists again after its unlink, and has it tracked again', async () => {
    const { root, check, reported, tracked } = await setup();
    const saved = join(root, 'stack.yaml');
    const removed = join(root, 'old.js');
    await writeFile(saved, 'written anew by the editor');
    check.gone(saved, false);
    check.gone(removed, false);
    await check.whenSettled();
    assert.deepEqual(reported, ['add /stack.yaml']);
    assert.deepEqual(tracked, ['/stack.yaml']);
  });

  it('reports a directory that exists again after its unlinkDir', async () => {
    const { root, check, reported, tracked } = await setup();
    const dir = join(root, 'lib');
    await mkdir(dir);
    check.gone(dir, true);
    await check.whenSettled();
    assert.deepEqual(reported, ['addDir /lib']);
    assert.deepEqual(tracked, ['/lib']);
  });

  it('lets a newer report about a path replace the pending check', async () => {
    const { root, check, reported } = await setup();
    const file = join(root, 'a.js');
    await writeFile(file, 'x');
    const stats = await lstat(file);
    check.gone(file, false);
    check.present(file, stats);
    await check.whenSettled();
    assert.deepEqual(reported, [], 'the add was reported by the watcher itself: nothing to add');
  });
});
