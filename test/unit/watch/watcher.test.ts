// The chokidar watcher on real temp directories, with real file events: every wait is on an
// event (bounded), never a sleep.

import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWatchRules } from '../../../src/watch/rules.js';
import { createFileWatcher, type WatchSession } from '../../../src/watch/watcher.js';
import { watchError } from '../../../src/watch/watch-errors.js';
import { PROBE_PREFIX } from '../../../src/watch/probe.js';
import { EventRecorder, manyFiles, tempTree } from './watch-fs.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A temp project with one sync rule over `root` ignoring node_modules, watched natively unless env says otherwise. */
async function watched(name: string, env: NodeJS.ProcessEnv = {}, options: { probeTimeoutMs?: number; prepare?: (root: string) => Promise<void> } = {}) {
  const tree = await tempTree(name);
  cleanups.push(tree.dispose);
  await mkdir(join(tree.root, 'src'), { recursive: true });
  await options.prepare?.(tree.root);
  const rules = compileWatchRules({
    stackFiles: [],
    services: [{ service: 'app', rules: [{ action: 'sync', path: tree.root, target: '/app', ignore: ['node_modules'], include: [], initialSync: false }] }],
  });
  const recorder = new EventRecorder();
  const session = await createFileWatcher({
    env,
    pollIntervalMs: 100,
    ...(options.probeTimeoutMs !== undefined ? { probeTimeoutMs: options.probeTimeoutMs } : {}),
  }).start(rules.roots, rules.ignored, recorder);
  cleanups.push(() => session.close());
  return { root: tree.root, recorder, session };
}

describe('watcher: events from a real directory', () => {
  it('reports add, change and unlink of a file with its absolute path', async () => {
    const { root, recorder } = await watched('basic');
    const file = join(root, 'src', 'index.js');
    await writeFile(file, 'one');
    await recorder.untilEvent('add', file);
    await writeFile(file, 'two');
    await recorder.untilEvent('change', file);
    await rm(file);
    await recorder.untilEvent('unlink', file);
    assert.deepEqual(recorder.errors, []);
  });

  it('reports addDir and unlinkDir', async () => {
    const { root, recorder } = await watched('dirs');
    const dir = join(root, 'src', 'lib');
    await mkdir(dir);
    await recorder.untilEvent('addDir', dir);
    await rm(dir, { recursive: true });
    await recorder.untilEvent('unlinkDir', dir);
  });

  it('turns an editor-style save (write a temp file, rename it over the real one) into a change of the real file', async () => {
    const { root, recorder } = await watched('rename-save', {}, { prepare: (r) => writeFile(join(r, 'src', 'app.js'), 'v1') });
    const file = join(root, 'src', 'app.js');
    const temp = join(root, 'src', '.app.js.tmp');
    await writeFile(temp, 'v2');
    await rename(temp, file);
    await recorder.untilEvent('change', file);
    const sentinel = join(root, 'src', 'sentinel.js');
    await writeFile(sentinel, 's');
    await recorder.untilEvent('add', sentinel);
    const kinds = recorder.kindsFor(file);
    assert.ok(kinds.length > 0 && kinds.every((k) => k === 'change'), `only changes, no unlink/add: ${kinds.join(',')}`);
    assert.deepEqual(recorder.kindsFor(temp), [], 'the temp file is an editor temp file: ignored');
  });

  it('reports a second write that chokidar alone would swallow (within 50 ms of a reported change)', async () => {
    const { root, recorder } = await watched('trailing', {}, { prepare: (r) => writeFile(join(r, 'src', 'a.js'), 'v1') });
    const file = join(root, 'src', 'a.js');
    await writeFile(file, 'v2');
    await recorder.untilEvent('change', file);
    await writeFile(file, 'v3, written at once after the first change was reported');
    await recorder.until('a second change', () => recorder.kindsFor(file).filter((k) => k === 'change').length >= 2);
  });

  it('reports every file a separate process writes into new directories (chokidar alone lost some)', async () => {
    const { root, recorder } = await watched('new-dirs');
    const script =
      `const fs = require('fs'); const root = process.argv[1];` +
      `for (let i = 0; i < 20; i++) { fs.mkdirSync(root + '/n' + i); for (let j = 0; j < 50; j++) fs.writeFileSync(root + '/n' + i + '/f' + j, 'x'); }`;
    const target = join(root, 'src');
    await new Promise((resolve) => spawn(process.execPath, ['-e', script, target], { stdio: 'ignore' }).on('exit', resolve));
    const expected = new Set<string>();
    for (let i = 0; i < 20; i++) {
      expected.add(join(target, `n${i}`));
      for (let j = 0; j < 50; j++) expected.add(join(target, `n${i}`, `f${j}`));
    }
    await recorder.until(`all ${expected.size} paths`, (events) => {
      const seen = new Set(events.filter((e) => e.kind === 'add' || e.kind === 'addDir').map((e) => e.path));
      return [...expected].every((p) => seen.has(p));
    });
  });

  it('never descends an ignored node_modules of 2,000 files', async () => {
    const { root, recorder, session } = await watched('node-modules', {}, {
      prepare: async (r) => {
        await manyFiles(join(r, 'node_modules'), 2000);
        await writeFile(join(r, 'src', 'index.js'), 'x');
      },
    });
    const nodeModules = join(root, 'node_modules');
    const watchedDirs = [...session.watchedPaths().keys()];
    assert.ok(watchedDirs.includes(join(root, 'src')), 'src is watched');
    assert.deepEqual(watchedDirs.filter((d) => d.startsWith(nodeModules)), []);
    assert.ok(!(session.watchedPaths().get(root) ?? []).includes('node_modules'));
    await writeFile(join(nodeModules, 'd0', 'f0.js'), 'changed');
    const sentinel = join(root, 'src', 'sentinel.js');
    await writeFile(sentinel, 's');
    await recorder.untilEvent('add', sentinel);
    assert.deepEqual(recorder.events.filter((e) => e.path.startsWith(nodeModules)), []);
  });
});

describe('watcher: single files (stack files, one-file rules)', () => {
  it('keeps following a file across vim-style saves (move to name~, write anew) and temp-and-rename saves', async () => {
    const tree = await tempTree('stack-file');
    cleanups.push(tree.dispose);
    const stackFile = join(tree.root, 'stack.yaml');
    await writeFile(stackFile, 'services: {}');
    const rules = compileWatchRules({ stackFiles: [stackFile], services: [] });
    const recorder = new EventRecorder();
    const session = await createFileWatcher({ env: {} }).start(rules.roots, rules.ignored, recorder);
    cleanups.push(() => session.close());
    const changes = (): number => recorder.kindsFor(stackFile).filter((k) => k === 'change' || k === 'add').length;

    await writeFile(stackFile, 'services: {}\n');
    await recorder.until('a plain write', () => changes() >= 1);
    const afterPlain = changes();
    await rename(stackFile, stackFile + '~');
    await writeFile(stackFile, 'services: {a: {}}');
    await rm(stackFile + '~');
    await recorder.until('the vim-style save', () => changes() > afterPlain);
    const afterVim = changes();
    await writeFile(stackFile + '.tmp', 'services: {b: {}}');
    await rename(stackFile + '.tmp', stackFile);
    await recorder.until('the rename save', () => changes() > afterVim);
    const afterRename = changes();
    await writeFile(stackFile, 'services: {c: {}}');
    await recorder.until('a plain write after both', () => changes() > afterRename);
  });

  it('does not report the siblings of a watched file', async () => {
    const tree = await tempTree('siblings');
    cleanups.push(tree.dispose);
    const stackFile = join(tree.root, 'stack.yaml');
    await writeFile(stackFile, 'services: {}');
    const rules = compileWatchRules({ stackFiles: [stackFile], services: [] });
    const recorder = new EventRecorder();
    const session = await createFileWatcher({ env: {} }).start(rules.roots, rules.ignored, recorder);
    cleanups.push(() => session.close());
    await writeFile(join(tree.root, 'notes.txt'), 'x');
    await mkdir(join(tree.root, 'sub'));
    await writeFile(join(tree.root, 'sub', 'x.txt'), 'x');
    await writeFile(stackFile, 'services: {a: {}}');
    await recorder.untilEvent('change', stackFile);
    assert.deepEqual(recorder.events.filter((e) => e.path !== stackFile), []);
  });
});

describe('watcher: native or polling', () => {
  it('probes at start, reports native when the probe event arrives, and leaves no probe file behind', async () => {
    const { root, recorder, session } = await watched('probe');
    assert.equal(session.mode, 'native');
    assert.deepEqual(session.probe, { result: 'native' });
    assert.deepEqual(recorder.notices, []);
    assert.deepEqual((await readdir(root)).filter((n) => n.startsWith(PROBE_PREFIX)), []);
    assert.deepEqual(recorder.events.filter((e) => e.path.includes(PROBE_PREFIX)), []);
  });

  it('falls back to polling, and says so, when no event arrives within the probe bound', async () => {
    const { root, recorder, session } = await watched('probe-silent', {}, { probeTimeoutMs: 0 });
    assert.equal(session.mode, 'polling');
    assert.equal(session.probe.result, 'silent');
    assert.deepEqual(recorder.notices.map((n) => n.kind === 'polling' && n.reason), ['no-native-events']);
    const file = join(root, 'src', 'after-fallback.js');
    await writeFile(file, 'x');
    await recorder.untilEvent('add', file);
  });

  it('polls when STACK_WATCH_POLL=1, and still delivers add, change and unlink', async () => {
    const { root, recorder, session } = await watched('forced-poll', { STACK_WATCH_POLL: '1' });
    assert.equal(session.mode, 'polling');
    assert.equal(session.probe.result, 'not-run');
    assert.deepEqual(recorder.notices.map((n) => n.kind === 'polling' && n.reason), ['forced']);
    const file = join(root, 'src', 'polled.js');
    await writeFile(file, 'one');
    await recorder.untilEvent('add', file);
    await writeFile(file, 'two, longer');
    await recorder.untilEvent('change', file);
    await rm(file);
    await recorder.untilEvent('unlink', file);
  });
});

describe('watcher: limits', () => {
  it('fails to start with an error naming fs.inotify.max_user_watches when the watch limit is hit (ENOSPC)', async () => {
    const tree = await tempTree('enospc');
    cleanups.push(tree.dispose);
    for (let i = 0; i < 30; i++) await mkdir(join(tree.root, `d${i}`));
    const child = fileURLToPath(new URL('./enospc-child.js', import.meta.url));
    // A user namespace has its own inotify limit (/proc/sys/user/max_inotify_watches): set it
    // to 10 there and only there; the machine's limit is untouched.
    const run = spawnSync(
      'unshare',
      ['--user', '--map-root-user', 'sh', '-c', 'echo 10 > /proc/sys/user/max_inotify_watches && exec "$0" "$@"', process.execPath, child, tree.root],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const outcome = JSON.parse(run.stdout) as { started: boolean; stackError: boolean; message: string; hint: string };
    assert.equal(outcome.started, false);
    assert.equal(outcome.stackError, true);
    assert.match(outcome.message, /system limit on file watches/);
    assert.match(outcome.hint, /fs\.inotify\.max_user_watches/);
    assert.match(outcome.hint, /STACK_WATCH_POLL=1/);
  });

  it('names `ulimit -n` for EMFILE', () => {
    const error = watchError(Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }), '/p/src');
    assert.equal(error.message, 'too many open files while watching (at /p/src)');
    assert.match(error.hint ?? '', /ulimit -n/);
  });

  it('keeps other errors as they are, with the path', () => {
    const error = watchError(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }), '/p/secret');
    assert.equal(error.message, 'watching files failed (at /p/secret): EACCES: permission denied');
  });
});

describe('watcher: close', () => {
  it('stops reporting after close', async () => {
    const { root, recorder, session } = await watched('close');
    await session.close();
    const before = recorder.events.length;
    await writeFile(join(root, 'src', 'late.js'), 'x');
    // Another watcher on the same tree shows the write happened and was observable.
    const witness = new EventRecorder();
    const other = await createFileWatcher({ env: {} }).start([root], () => false, witness);
    cleanups.push(() => other.close());
    await writeFile(join(root, 'src', 'later.js'), 'y');
    await witness.untilEvent('add', join(root, 'src', 'later.js'));
    assert.equal(recorder.events.length, before);
    assert.ok(existsSync(join(root, 'src', 'late.js')));
  });
});
