// `stack watch` syncing on the real engine, one stack for the whole file (test/fixtures/
// watch-sync: httpd as nobody serving a synced folder): a save is served, a deletion is gone,
// ignored and .dockerignored files never arrive, a 1,000-file burst arrives whole in one
// batch, a container recreated behind watch's back gets the files again, a change made while
// watch was stopped arrives when it starts again, and SIGINT ends it with 130 in time.
// Every check reads the engine (files back from the container, container ids and states).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, execIn, projectContainers, runStack, uniqueProject } from '../helpers/engine.js';
import { fileIn, fixtureCopy, killRun, ownerIn, serviceContainer, startStack, type WatchRun } from '../helpers/watch-run.js';

/** The file receivers running in a container (watch-receiver.ts), from the engine's process list. */
async function receiversIn(id: string): Promise<string[][]> {
  const top = await docker.getContainer(id).top();
  return (top.Processes ?? []).filter((p: string[]) => p.join(' ').includes('stack watch: file receiver'));
}

type Batch = { type: 'watch-batch'; parts: { service?: string; action: string; files: number; ok: boolean }[] };

describe('stack watch syncs files into a running service', () => {
  const project = uniqueProject('wsync');
  let fixture: { dir: string; dispose: () => Promise<void> };
  let run: WatchRun | undefined;
  const site = (...p: string[]) => join(fixture.dir, 'app', 'site', ...p);
  const web = () => serviceContainer(project, 'web');
  const batches = () => run!.events().filter((e): e is Batch => e.type === 'watch-batch');

  before(async () => {
    fixture = await fixtureCopy('watch-sync');
    // --on-exit detach: the containers outlive the first watch, for the "while stopped" case.
    run = startStack(['--progress', 'json', '-p', project, 'watch', '--on-exit', 'detach'], fixture.dir);
    await eventually(() => assert.ok(run!.events().some((e) => e.type === 'watch-ready'), `watch is ready\n${run!.err()}`), 90_000);
  });
  after(async () => {
    killRun(run);
    await cleanupProject(project);
    await fixture.dispose();
  });

  it('copied the folder in before the first start, owned by the container user, ignored files left out', async () => {
    await eventually(async () => assert.equal((await web()).state, 'running'), 60_000);
    const { id } = await web();
    const restarts = (await docker.getContainer(id).inspect()).RestartCount;
    assert.equal(restarts, 0, 'httpd found /www at its first start');
    assert.equal(await fileIn(id, '/www/index.html'), '<h1>v1</h1>\n');
    assert.equal(await ownerIn(id, '/www/index.html'), '65534:65534', 'nobody owns what was synced');
    assert.equal(await fileIn(id, '/www/drafts/plan.html'), undefined, 'ignored by the rule');
    assert.equal(await fileIn(id, '/www/key.secret'), undefined, 'ignored by the .dockerignore');
  });

  it('serves a saved file', async () => {
    await writeFile(site('index.html'), '<h1>v2</h1>\n');
    const { id } = await web();
    await eventually(async () => assert.equal((await execIn(id, ['wget', '-qO-', 'http://127.0.0.1:8080/index.html'])).output.replace(/\r\n/g, '\n'), '<h1>v2</h1>\n'));
  });

  it('keeps one file receiver open in the running container, and saves arrive through it with the owner and mode a tar gives', async () => {
    const { id } = await web();
    for (let i = 0; i < 3; i++) {
      await writeFile(site('live.html'), `live ${i}\n`, { mode: 0o640 });
      await eventually(async () => assert.equal(await fileIn(id, '/www/live.html'), `live ${i}\n`));
    }
    assert.equal((await execIn(id, ['stat', '-c', '%a %u:%g', '/www/live.html'])).output.trim(), '640 65534:65534');
    assert.equal((await receiversIn(id)).length, 1, 'one receiver for every save');
  });

  it('opens a new receiver once the container restarted behind its back, and the save arrives', async () => {
    const { id } = await web();
    await docker.getContainer(id).restart({ t: 1 });
    await eventually(async () => assert.equal((await web()).state, 'running'), 60_000);
    await writeFile(site('after-restart.html'), 'after a restart\n');
    await eventually(async () => assert.equal(await fileIn(id, '/www/after-restart.html'), 'after a restart\n'));
    await eventually(async () => assert.equal((await receiversIn(id)).length, 1, 'the old receiver died with the restart; one new'));
  });

  it('removes a deleted file from the container', async () => {
    await writeFile(site('old.html'), 'old');
    const { id } = await web();
    await eventually(async () => assert.equal(await fileIn(id, '/www/old.html'), 'old'));
    await rm(site('old.html'));
    await eventually(async () => assert.equal(await fileIn(id, '/www/old.html'), undefined));
    assert.equal((await web()).id, id, 'deleted in place: the container was not recreated');
  });

  it('never copies ignored or .dockerignored files, before or after a file that does arrive', async () => {
    await mkdir(site('drafts'), { recursive: true });
    await writeFile(site('drafts', 'new.html'), 'draft');
    await writeFile(site('another.secret'), 'secret');
    await writeFile(site('marker.html'), 'marker');
    const { id } = await web();
    await eventually(async () => assert.equal(await fileIn(id, '/www/marker.html'), 'marker'));
    assert.equal(await fileIn(id, '/www/drafts/new.html'), undefined);
    assert.equal(await fileIn(id, '/www/another.secret'), undefined);
  });

  it('delivers a 1,000-file burst complete, in one batch', async () => {
    // Written outside the watched folder, then moved in at once, as a checkout lands.
    const staging = await mkdtemp(join(fixture.dir, 'staging-'));
    for (let i = 0; i < 1000; i++) await writeFile(join(staging, `f${i}.txt`), `file ${i}\n`);
    const before = batches().length;
    await rename(staging, site('burst'));
    const { id } = await web();
    await eventually(async () => {
      const count = await execIn(id, ['sh', '-c', 'ls /www/burst | wc -l']);
      assert.equal(count.output.trim(), '1000');
    }, 60_000);
    assert.equal(await fileIn(id, '/www/burst/f999.txt'), 'file 999\n');
    const burst = batches().slice(before).filter((b) => b.parts.some((p) => p.service === 'web' && p.files >= 1000));
    assert.equal(burst.length, 1, `one batch carried the burst: ${JSON.stringify(batches().slice(before).map((b) => b.parts))}`);
  });

  it('sends the synced files again to a container recreated behind its back', async () => {
    const before = (await web()).id;
    const recreate = await runStack(['-p', project, 'up', '-d', '--force-recreate', 'web'], { cwd: fixture.dir });
    assert.equal(recreate.code, 0, recreate.stderr);
    const after = await web();
    assert.notEqual(after.id, before);
    await eventually(async () => assert.equal(await fileIn(after.id, '/www/index.html'), '<h1>v2</h1>\n'));
    assert.equal(await fileIn(after.id, '/www/burst/f0.txt'), 'file 0\n');
    await eventually(async () => assert.equal((await web()).state, 'running'), 60_000);
  });

  it('sends a change made while watch was stopped when it starts again', async () => {
    run!.child.kill('SIGINT');
    assert.equal((await run!.exit).code, 130);
    assert.equal((await web()).state, 'running', '--on-exit detach left it running');
    await writeFile(site('index.html'), '<h1>changed while stopped</h1>\n');
    await rm(site('burst'), { recursive: true });
    run = startStack(['--progress', 'json', '-p', project, 'watch', '--no-up'], fixture.dir);
    const { id } = await web();
    await eventually(async () => assert.equal(await fileIn(id, '/www/index.html'), '<h1>changed while stopped</h1>\n'), 60_000);
    await eventually(async () => assert.equal(await fileIn(id, '/www/burst/f0.txt'), undefined, 'a deletion made while stopped arrives too'));
    assert.ok(run.events().some((e) => e.type === 'watch-catch-up'), 'reported as a catch-up');
  });

  it('stops watching and the containers on SIGINT, exit 130, within the grace bound', async () => {
    await eventually(() => assert.ok(run!.events().some((e) => e.type === 'watch-ready')), 60_000);
    const started = Date.now();
    run!.child.kill('SIGINT');
    const { code } = await run!.exit;
    assert.equal(code, 130);
    assert.ok(Date.now() - started < 1000 + 5000 + 3000, 'grace (1 s) + margin (5 s) + start-up slack');
    const states = (await projectContainers(project)).map((c) => c.State);
    assert.deepEqual(states, ['exited']);
    assert.ok(run!.events().some((e) => e.type === 'watch-stopped'), 'watch said it stopped');
  });
});
