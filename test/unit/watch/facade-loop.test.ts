// The façade's watch loop (src/stack/watch.ts) on the in-memory engine, with a scripted file
// watcher and a hand-driven clock: what reaches the containers, in which order, and what is
// reported. The real-engine proofs are test/integration/watch-*.test.ts.

import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { up, watch, type StackEvent, type WatchEvent, type WatchSession } from '../../../src/stack/index.js';
import { memoryGateway, stackProject, upOptions, IMAGE, type TestProject } from '../../helpers/facade.js';
import type { MemoryGateway } from '../../helpers/memory-gateway.js';
import { SETTLE_MS } from '../../../src/watch/batcher.js';
import { FakeClock, settlePromises } from './fake-clock.js';
import { ScriptedWatcher } from './scripted-watcher.js';

const STACK = `
services:
  web:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    user: app
    develop:
      watch:
        - action: sync
          path: ./src
          target: /srv/app
          ignore: [secret.txt]
        - action: sync+restart
          path: ./conf
          target: /etc/web
        - action: sync+exec
          path: ./hooks
          target: /hooks
          exec:
            command: ["reload", "now"]
  db:
    image: ${IMAGE}
    command: ["sleep", "86400"]
`;

interface Harness {
  readonly p: TestProject;
  readonly g: MemoryGateway;
  readonly clock: FakeClock;
  readonly files: ScriptedWatcher;
  readonly events: (WatchEvent | StackEvent)[];
  readonly session: WatchSession;
  write(rel: string, text: string): string;
  remove(rel: string): string;
  /** Let the batch go out and everything settle. */
  flush(): Promise<void>;
}

const sessions: WatchSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.stop();
});

async function start(stack = STACK, files: Record<string, string> = { 'src/index.html': 'v1', 'src/secret.txt': 'no', 'conf/web.conf': 'c1' }): Promise<Harness> {
  const p = stackProject(stack);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(p.dir, rel, '..'), { recursive: true });
    writeFileSync(join(p.dir, rel), text);
  }
  const g = memoryGateway().addImageFiles(IMAGE, { '/etc/passwd': 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n' });
  await up(upOptions(p, g));
  const clock = new FakeClock();
  const scripted = new ScriptedWatcher();
  const events: (WatchEvent | StackEvent)[] = [];
  const session = await watch({ ...upOptions(p, g), clock, fileWatcher: scripted, manifestDir: null }, { onEvent: (e) => events.push(e) });
  sessions.push(session);
  await session.whenIdle();
  const h: Harness = {
    p,
    g,
    clock,
    files: scripted,
    events,
    session,
    write(rel, text) {
      const path = join(p.dir, rel);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    remove(rel) {
      const path = join(p.dir, rel);
      rmSync(path, { recursive: true, force: true });
      return path;
    },
    async flush() {
      await settlePromises();
      clock.advance(SETTLE_MS);
      await session.whenIdle();
    },
  };
  return h;
}

const batches = (events: readonly (WatchEvent | StackEvent)[]) => events.filter((e): e is Extract<WatchEvent, { type: 'watch-batch' }> => e.type === 'watch-batch');

describe('watch on the in-memory engine', () => {
  it('catches up a new container at start: every synced file, none ignored, owned by the container user', async () => {
    const h = await start();
    assert.equal(h.g.readFile('demo-web-1', '/srv/app/index.html'), 'v1');
    assert.equal(h.g.readFile('demo-web-1', '/etc/web/web.conf'), 'c1');
    assert.equal(h.g.readFile('demo-web-1', '/srv/app/secret.txt'), undefined);
    const file = h.g.filesOf('demo-web-1').get('/srv/app/index.html')!;
    assert.deepEqual([file.uid, file.gid], [1000, 1001]);
    assert.ok(h.events.some((e) => e.type === 'watch-ready'));
  });

  it('sends a saved file in one batch and reports it with its service, action and time', async () => {
    const h = await start();
    h.files.send('change', h.write('src/index.html', 'v2'));
    await h.flush();
    assert.equal(h.g.readFile('demo-web-1', '/srv/app/index.html'), 'v2');
    const [batch] = batches(h.events);
    assert.deepEqual(batch?.parts, [{ service: 'web', action: 'sync', files: 1, paths: ['src/index.html'], ok: true }]);
    assert.equal(batch?.elapsedMs, SETTLE_MS);
  });

  it('costs one engine call per steady save: the copy (the container list is kept until a container event)', async () => {
    const h = await start();
    h.files.send('change', h.write('src/index.html', 'warm'));
    await h.flush();
    const before = h.g.calls.length;
    h.files.send('change', h.write('src/index.html', 'v3'));
    await h.flush();
    assert.deepEqual(h.g.calls.slice(before).map((c) => c.call), ['putArchive']);
  });

  it('deletes in the container with rm as root before writing, in one batch', async () => {
    const h = await start();
    h.files.send('unlink', h.remove('src/index.html'));
    h.files.send('add', h.write('src/new.html', 'n'));
    await h.flush();
    assert.equal(h.g.readFile('demo-web-1', '/srv/app/index.html'), undefined);
    assert.equal(h.g.readFile('demo-web-1', '/srv/app/new.html'), 'n');
    const rm = h.g.execs.find((e) => e.options.cmd[0] === 'rm');
    assert.deepEqual(rm?.options.cmd, ['rm', '-rf', '--', '/srv/app/index.html']);
    assert.equal(rm?.options.user, '0');
    const order = h.g.calls.map((c) => c.call).filter((c) => c === 'exec' || c === 'putArchive');
    assert.deepEqual(order.slice(-2), ['exec', 'putArchive'], 'the deletion, then the tar');
  });

  it('restarts after syncing a sync+restart file, and runs a sync+exec command after its sync', async () => {
    const h = await start();
    const restartsBefore = h.g.callsTo('restartContainer').length;
    h.files.send('change', h.write('conf/web.conf', 'c2'));
    await h.flush();
    assert.equal(h.g.readFile('demo-web-1', '/etc/web/web.conf'), 'c2');
    assert.equal(h.g.callsTo('restartContainer').length, restartsBefore + 1);

    h.g.onExec((_c, o) => (o.cmd[0] === 'reload' ? { exitCode: 0, stdout: 'reloaded\n' } : undefined));
    h.files.send('add', h.write('hooks/on-save', 'x'));
    await h.flush();
    const exec = h.g.execs.find((e) => e.options.cmd[0] === 'reload');
    assert.ok(exec, 'the exec ran');
    assert.equal(h.g.readFile('demo-web-1', '/hooks/on-save'), 'x');
    const output = h.events.find((e) => e.type === 'watch-exec-output');
    assert.deepEqual(output && { ...output, at: 0 }, { type: 'watch-exec-output', at: 0, service: 'web', containerName: 'demo-web-1', number: 1, stream: 'stdout', text: 'reloaded' });
  });

  it('recreates the service and syncs again when its image cannot delete, so the file is gone', async () => {
    const h = await start();
    h.g.withoutShell(IMAGE);
    const before = h.g.container('demo-web-1')!.id;
    // A recreate first creates (and removes) a probe of the new body: those are not counted.
    const creates = (): number => h.g.calls.filter((c) => c.call === 'createContainer' && !c.target?.endsWith('-probe')).length;
    const createsBefore = creates();
    h.files.send('unlink', h.remove('src/index.html'));
    await h.flush();
    const after = h.g.container('demo-web-1')!;
    assert.notEqual(after.id, before, 'a new container');
    assert.equal(creates(), createsBefore + 1, 'recreated once: the start pass does not force again');
    assert.equal(after.state, 'running');
    assert.equal(h.g.readFile('demo-web-1', '/srv/app/index.html'), undefined);
    assert.equal(h.g.readFile('demo-web-1', '/etc/web/web.conf'), 'c1', 'the new container was caught up');
    assert.ok(h.events.some((e) => e.type === 'watch-notice' && /needs a recreate/.test(e.message)));
  });

  it('catches up a container recreated behind its back, from the engine events', async () => {
    const h = await start();
    await up(upOptions(h.p, h.g, { reconcile: { services: ['web'], forceRecreate: true, noDeps: true } }));
    await h.flush();
    assert.equal(h.g.readFile('demo-web-1', '/srv/app/index.html'), 'v1');
    assert.ok(h.events.some((e) => e.type === 'watch-catch-up' && e.containerName === 'demo-web-1'));
  });

  it('reports an invalid stack file with file:line:col, changes nothing, and applies the fixed file', async () => {
    const h = await start();
    const file = join(h.p.dir, 'stack.yaml');
    const idBefore = h.g.container('demo-db-1')!.id;
    writeFileSync(file, STACK.replace('  db:\n    image:', '  db:\n    imag:'));
    h.files.send('change', file);
    await h.flush();
    const failed = batches(h.events).at(-1)!.parts[0]!;
    assert.equal(failed.action, 'reload');
    assert.equal(failed.ok, false);
    assert.match(failed.error?.problems?.[0]?.location?.file ?? '', /stack\.yaml$/);
    assert.ok((failed.error?.problems?.[0]?.location?.line ?? 0) > 0);
    assert.equal(h.g.container('demo-db-1')!.id, idBefore);

    writeFileSync(file, STACK.replace('  db:\n    image: ' + IMAGE + '\n    command: ["sleep", "86400"]', '  db:\n    image: ' + IMAGE + '\n    command: ["sleep", "86401"]'));
    h.files.send('change', file);
    await h.flush();
    assert.equal(batches(h.events).at(-1)!.parts[0]!.ok, true);
    assert.notEqual(h.g.container('demo-db-1')!.id, idBefore, 'db was recreated');
  });

  it('catches up a synced service its reload recreates before it starts, then restarts its restart: true dependent', async () => {
    const stack = STACK.replace('  db:\n    image: ' + IMAGE + '\n    command: ["sleep", "86400"]', '  db:\n    image: ' + IMAGE + '\n    command: ["sleep", "86400"]\n    depends_on:\n      web:\n        condition: service_started\n        restart: true');
    const h = await start(stack);
    const dbStarts = h.g.callsTo('restartContainer').filter((c) => c.target === 'demo-db-1').length;
    const file = join(h.p.dir, 'stack.yaml');
    writeFileSync(file, stack.replace('    user: app\n', '    user: app\n    environment:\n      MODE: changed\n'));
    const callsBefore = h.g.calls.length;
    h.files.send('change', file);
    await h.flush();
    const web = h.g.container('demo-web-1')!;
    assert.equal(web.state, 'running');
    assert.equal(h.g.readFile('demo-web-1', '/srv/app/index.html'), 'v1');
    const calls = h.g.calls.slice(callsBefore);
    const put = calls.findIndex((c) => c.call === 'putArchive' && c.target === 'demo-web-1');
    const startCall = calls.findIndex((c) => c.call === 'startContainer' && c.target === 'demo-web-1');
    assert.ok(put >= 0 && startCall > put, 'the files went in before the first start');
    assert.equal(h.g.callsTo('restartContainer').filter((c) => c.target === 'demo-db-1').length, dbStarts + 1, 'db restarted once');
  });
});
