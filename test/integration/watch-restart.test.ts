// `stack watch` restarting and running commands on the real engine, logs followed throughout
// (test/fixtures/watch-restart): sync+restart copies, restarts the same container and its new
// output keeps coming in the service's column; sync+exec runs its command with its user,
// working directory and environment after the copy, its output in that column too; restart
// restarts without copying.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, uniqueProject } from '../helpers/engine.js';
import { fileIn, fixtureCopy, killRun, serviceContainer, startStack, type WatchRun } from '../helpers/watch-run.js';

async function startedAt(id: string): Promise<string> {
  return (await docker.getContainer(id).inspect()).State.StartedAt;
}

describe('stack watch restarts and runs commands, following the logs', () => {
  const project = uniqueProject('wrestart');
  let fixture: { dir: string; dispose: () => Promise<void> };
  let run: WatchRun | undefined;

  before(async () => {
    fixture = await fixtureCopy('watch-restart');
    run = startStack(['-p', project, 'watch'], fixture.dir);
    await eventually(() => {
      assert.match(run!.err(), /\[watch\] watching app/);
      assert.match(run!.out(), /^app-1 +\| app started with hello$/m);
    }, 90_000);
  });
  after(async () => {
    killRun(run);
    await cleanupProject(project);
    await fixture.dispose();
  });

  it('sync+restart copies the file, restarts the same container, and its new output follows in the logs', async () => {
    const { id } = await serviceContainer(project, 'app');
    const firstStart = await startedAt(id);
    await writeFile(join(fixture.dir, 'conf', 'greeting'), 'bonjour\n');
    await eventually(() => assert.match(run!.out(), /^app-1 +\| app started with bonjour$/m), 60_000);
    assert.equal((await serviceContainer(project, 'app')).id, id, 'restarted, not recreated');
    assert.notEqual(await startedAt(id), firstStart);
    assert.equal(await fileIn(id, '/conf/greeting'), 'bonjour\n');
    assert.match(run!.err(), /\[watch\] app: sync\+restart 1 file \(conf\/greeting\)/);
  });

  it('sync+exec copies the file, then runs its command as its user, in its directory, with its environment', async () => {
    await writeFile(join(fixture.dir, 'hooks', 'second'), '2\n');
    await eventually(() => assert.match(run!.out(), /^app-1 +\| hook ran as 65534 in \/hooks with dev: first second $/m), 60_000);
  });

  it('restart restarts the service and copies nothing', async () => {
    const { id } = await serviceContainer(project, 'app');
    const before = await startedAt(id);
    await writeFile(join(fixture.dir, 'restart-me', 'file'), 'y\n');
    await eventually(async () => assert.notEqual(await startedAt(id), before), 60_000);
    assert.equal((await serviceContainer(project, 'app')).id, id);
    assert.equal(await fileIn(id, '/restart-me/file'), undefined);
    assert.equal(await fileIn(id, '/file'), undefined);
  });
});
