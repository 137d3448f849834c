// `stack watch` deleting files where `rm` cannot run, on the real engine (test/fixtures/
// watch-noshell): in a container whose image has no shell and no rm (busybox's httpd alone,
// built here), and in a container that has exited. Compose leaves such files behind; here the
// container is recreated and the synced files are sent again, so the file is gone and every
// other one is there.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { cleanupProject, docker, eventually, uniqueProject } from '../helpers/engine.js';
import { fileIn, fixtureCopy, killRun, serviceContainer, startStack, type WatchRun } from '../helpers/watch-run.js';

/** An image holding only /bin/httpd (the busybox binary, which runs as the applet it is named after). */
async function buildShelllessImage(tag: string): Promise<void> {
  const busybox = await readFile('/bin/busybox');
  const context = pack();
  context.entry({ name: 'Dockerfile' }, 'FROM scratch\nCOPY httpd /bin/httpd\n');
  context.entry({ name: 'httpd', mode: 0o755 }, busybox);
  context.finalize();
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, { t: tag });
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

describe('stack watch deletes files where rm cannot run', () => {
  const project = uniqueProject('wdel');
  const image = `stack-test/noshell:${project}`;
  let fixture: { dir: string; dispose: () => Promise<void> };
  let run: WatchRun | undefined;

  before(async () => {
    await buildShelllessImage(image);
    fixture = await fixtureCopy('watch-noshell');
    run = startStack(['--progress', 'json', '-p', project, 'watch'], fixture.dir, { NOSHELL_IMAGE: image });
    await eventually(() => assert.ok(run!.events().some((e) => e.type === 'watch-ready'), `watch is ready\n${run!.err()}`), 90_000);
  });
  after(async () => {
    killRun(run);
    await cleanupProject(project);
    await docker.getImage(image).remove({ force: true }).catch(() => undefined);
    await fixture.dispose();
  });

  it('recreates a container whose image has no shell, and it holds every synced file but the deleted one', async () => {
    const before = await serviceContainer(project, 'web');
    assert.equal(await fileIn(before.id, '/www/a.html'), 'a\n', 'synced before the first start');
    await rm(join(fixture.dir, 'site', 'a.html'));
    await eventually(async () => {
      const after = await serviceContainer(project, 'web');
      assert.notEqual(after.id, before.id, 'recreated');
      assert.equal(after.state, 'running');
      assert.equal(await fileIn(after.id, '/www/a.html'), undefined);
      assert.equal(await fileIn(after.id, '/www/keep.html'), 'keep\n');
    }, 60_000);
  });

  it('recreates an exited container without starting it, and the file is gone', async () => {
    const before = await serviceContainer(project, 'job');
    assert.equal(before.state, 'exited');
    await writeFile(join(fixture.dir, 'jobdata', 'keep.txt'), 'keep 2\n');
    await rm(join(fixture.dir, 'jobdata', 'b.txt'));
    await eventually(async () => {
      const after = await serviceContainer(project, 'job');
      assert.notEqual(after.id, before.id, 'recreated');
      assert.equal(after.state, 'created', 'left stopped, as it was');
      assert.equal(await fileIn(after.id, '/data/b.txt'), undefined);
      assert.equal(await fileIn(after.id, '/data/keep.txt'), 'keep 2\n');
    }, 60_000);
  });
});
