// The engine-free pieces of a sync: whose uid/gid a file gets, the tar that carries a batch,
// the synced manifest kept per container, and catch-up's verdict per path — on real temp trees.

import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { resolveOwner } from '../../../src/watch/container-user.js';
import { buildSyncTar, sha256 } from '../../../src/watch/sync-tar.js';
import { openSyncedManifestStore } from '../../../src/watch/synced-manifest.js';
import { foldDeletions, planCatchUp, walkSyncRules, type CatchUpRule } from '../../../src/watch/catch-up.js';
import { compileWatchRules } from '../../../src/watch/rules.js';
import { readTar } from '../../helpers/memory-images.js';
import { tempTree } from './watch-fs.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function tree(files: Record<string, string> = {}): Promise<string> {
  const t = await tempTree('sync');
  cleanups.push(t.dispose);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(t.root, rel, '..'), { recursive: true });
    await writeFile(join(t.root, rel), text);
  }
  return t.root;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nweb:x:33:44::/var/www:/bin/false\n';
const GROUP = 'root:x:0:\nstaff:x:50:\n';

describe('the container user', () => {
  it('is root when the container sets no user', () => {
    assert.deepEqual(resolveOwner('', undefined, undefined), { owner: { uid: 0, gid: 0 } });
  });
  it('resolves a name through the container passwd, with its primary group', () => {
    assert.deepEqual(resolveOwner('web', PASSWD, GROUP), { owner: { uid: 33, gid: 44 } });
  });
  it('takes a numeric uid as is, its gid from passwd when listed there and 0 otherwise', () => {
    assert.deepEqual(resolveOwner('1000', PASSWD, GROUP), { owner: { uid: 1000, gid: 1000 } });
    assert.deepEqual(resolveOwner('4242', PASSWD, GROUP), { owner: { uid: 4242, gid: 0 } });
  });
  it('resolves user:group by name or number', () => {
    assert.deepEqual(resolveOwner('node:staff', PASSWD, GROUP), { owner: { uid: 1000, gid: 50 } });
    assert.deepEqual(resolveOwner('1000:7', undefined, undefined), { owner: { uid: 1000, gid: 7 } });
  });
  it('says what it could not resolve instead of guessing', () => {
    assert.deepEqual(resolveOwner('ghost', PASSWD, GROUP), { unresolved: "user ghost is not in the container's /etc/passwd" });
    assert.deepEqual(resolveOwner('node:ghosts', PASSWD, GROUP), { unresolved: "group ghosts is not in the container's /etc/group" });
  });
});

describe('the sync tar', () => {
  it('carries files, directories and links at their container paths, with the given owner and the host modes', async () => {
    const root = await tree({ 'a.txt': 'alpha', 'sub/b.txt': 'beta' });
    await symlink('a.txt', join(root, 'link'));
    const owner = { uid: 1000, gid: 1001 };
    const built = await buildSyncTar(
      [
        { hostPath: join(root, 'sub'), containerPath: '/app/sub' },
        { hostPath: join(root, 'a.txt'), containerPath: '/app/a.txt' },
        { hostPath: join(root, 'sub/b.txt'), containerPath: '/app/sub/b.txt' },
        { hostPath: join(root, 'link'), containerPath: '/app/link' },
      ],
      owner,
    );
    const entries = await readTar(Readable.from([built.tar]));
    assert.deepEqual(
      entries.map((e) => [e.name, e.type, e.uid, e.gid, e.content.toString(), e.linkname ?? '']),
      [
        ['app/sub', 'directory', 1000, 1001, '', ''],
        ['app/a.txt', 'file', 1000, 1001, 'alpha', ''],
        ['app/sub/b.txt', 'file', 1000, 1001, 'beta', ''],
        ['app/link', 'symlink', 1000, 1001, '', 'a.txt'],
      ],
    );
    const mode = (await stat(join(root, 'a.txt'))).mode & 0o777;
    assert.equal(entries[1]!.mode & 0o777, mode);
    assert.equal(built.records.find((r) => r.containerPath === '/app/a.txt')?.hash, sha256('alpha'));
  });

  it('leaves out a path that vanished and lists it as missing', async () => {
    const root = await tree({ 'a.txt': 'alpha' });
    const built = await buildSyncTar([{ hostPath: join(root, 'gone.txt'), containerPath: '/app/gone.txt' }, { hostPath: join(root, 'a.txt'), containerPath: '/app/a.txt' }], { uid: 0, gid: 0 });
    assert.deepEqual(built.missing.map((m) => m.containerPath), ['/app/gone.txt']);
    assert.deepEqual(built.records.map((r) => r.containerPath), ['/app/a.txt']);
  });

  it('stops at its size bound and hands back the rest for the next tar', async () => {
    const root = await tree({ 'a.txt': 'x'.repeat(2000), 'b.txt': 'y', 'c.txt': 'z' });
    const sources = ['a.txt', 'b.txt', 'c.txt'].map((n) => ({ hostPath: join(root, n), containerPath: `/app/${n}` }));
    const built = await buildSyncTar(sources, { uid: 0, gid: 0 }, 1000);
    assert.deepEqual(built.records.map((r) => r.containerPath), ['/app/a.txt']);
    assert.deepEqual(built.remaining.map((r) => r.containerPath), ['/app/b.txt', '/app/c.txt']);
  });
});

describe('the synced manifest', () => {
  const record = (containerPath: string, hash = 'h') => ({ containerPath, type: 'file' as const, size: 1, mtimeMs: 1, hash });
  const ID = 'a'.repeat(64);

  it('is kept across sessions in its directory, and a deleted directory takes what was below it', async () => {
    const dir = await tree();
    const first = openSyncedManifestStore(dir);
    await first.update(ID, [record('/app/a'), record('/app/sub/b'), record('/app/sub2/c')], []);
    await first.update(ID, [], ['/app/sub']);
    await first.flush();
    const second = openSyncedManifestStore(dir);
    assert.deepEqual([...(await second.get(ID)).keys()].sort(), ['/app/a', '/app/sub2/c']);
    assert.deepEqual(await readdir(dir), [`${ID}.json`], 'written atomically: no temporary file left');
    assert.equal((await stat(join(dir, `${ID}.json`))).mode & 0o777, 0o600);
  });

  it('starts empty for an unknown container, a corrupt file, or with no directory at all', async () => {
    const dir = await tree({ [`${ID}.json`]: '{not json' });
    assert.equal((await openSyncedManifestStore(dir).get(ID)).size, 0);
    const memory = openSyncedManifestStore(undefined);
    await memory.update(ID, [record('/x')], []);
    assert.equal((await memory.get(ID)).size, 1);
    assert.equal((await openSyncedManifestStore(undefined).get(ID)).size, 0);
  });
});

describe('catch-up', () => {
  async function setup(files: Record<string, string>, ignore: string[] = []) {
    const root = await tree(files);
    const compiled = compileWatchRules({ stackFiles: [], services: [{ service: 'web', rules: [{ action: 'sync', path: root, target: '/app', ignore, include: [], initialSync: false }] }] });
    const rules: CatchUpRule[] = [{ compiled: compiled.rules[0]!, target: '/app' }];
    return { root, rules };
  }

  it('sends everything to a container it never synced, parents first, ignored files left out', async () => {
    const { rules } = await setup({ 'a.txt': 'a', 'sub/b.txt': 'b', 'skip.log': 'x' }, ['*.log']);
    const plan = await planCatchUp(rules, await walkSyncRules(rules), new Map());
    assert.deepEqual(plan.writes.map((w) => w.containerPath), ['/app/a.txt', '/app/sub', '/app/sub/b.txt']);
    assert.deepEqual(plan.deletions, []);
  });

  it('sends only what changed since the manifest, deletes what is gone, and only refreshes a touched file', async () => {
    const { root, rules } = await setup({ 'same.txt': 's', 'edited.txt': 'old', 'touched.txt': 't', 'gone/x.txt': 'x' });
    const local = await walkSyncRules(rules);
    const manifest = new Map();
    for (const e of local.values()) {
      const content = e.type === 'file' ? (await import('node:fs/promises')).readFile(e.hostPath) : Promise.resolve(Buffer.alloc(0));
      manifest.set(e.containerPath, { containerPath: e.containerPath, type: e.type, size: e.size, mtimeMs: e.mtimeMs, hash: e.type === 'file' ? sha256(await content) : '' });
    }
    await writeFile(join(root, 'edited.txt'), 'new!');
    const later = new Date(Date.now() + 5000);
    await utimes(join(root, 'touched.txt'), later, later);
    (await import('node:fs')).rmSync(join(root, 'gone'), { recursive: true });
    const plan = await planCatchUp(rules, await walkSyncRules(rules), manifest);
    assert.deepEqual(plan.writes.map((w) => w.containerPath), ['/app/edited.txt']);
    assert.deepEqual(plan.deletions, ['/app/gone']);
    assert.deepEqual(plan.refreshed.map((r) => r.containerPath), ['/app/touched.txt']);
    assert.equal(plan.unchanged, 1);
  });

  it('forgets, without deleting, a synced file the rules now ignore but the host still has', async () => {
    const { rules, root } = await setup({ 'a.txt': 'a', 'b.log': 'b' });
    const local = await walkSyncRules(rules);
    const manifest = new Map([...local.values()].map((e) => [e.containerPath, { containerPath: e.containerPath, type: e.type, size: e.size, mtimeMs: e.mtimeMs, hash: '' }]));
    const ignoring = compileWatchRules({ stackFiles: [], services: [{ service: 'web', rules: [{ action: 'sync', path: root, target: '/app', ignore: ['*.log'], include: [], initialSync: false }] }] });
    const now: CatchUpRule[] = [{ compiled: ignoring.rules[0]!, target: '/app' }];
    const plan = await planCatchUp(now, await walkSyncRules(now), manifest);
    assert.deepEqual(plan.forgotten, ['/app/b.log']);
    assert.deepEqual(plan.deletions, []);
  });

  it('folds deletions below a deleted directory, whatever sorts between them', () => {
    assert.deepEqual(foldDeletions(['/a/b/c', '/a/b-x', '/a/b', '/z']), ['/a/b', '/a/b-x', '/z']);
  });
});
