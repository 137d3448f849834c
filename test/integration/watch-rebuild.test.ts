// `stack watch` rebuilding on the real engine (test/fixtures/watch-rebuild): a change in a
// service's build context builds its image again and redeploys that service only — recreated
// from the new image, its `depends_on: {restart: true}` dependent restarted, an unrelated
// service untouched, the superseded image removed — and its new output follows in the logs.
// Builds go through the images façade (`up` with `build: {policy: 'always', services}`).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, uniqueProject } from '../helpers/engine.js';
import { fixtureCopy, killRun, serviceContainer, startStack, type WatchRun } from '../helpers/watch-run.js';

async function details(id: string): Promise<{ image: string; startedAt: string }> {
  const c = await docker.getContainer(id).inspect();
  return { image: c.Image, startedAt: c.State.StartedAt };
}

describe('stack watch rebuilds a service when its build context changes', () => {
  const project = uniqueProject('wrebuild');
  const image = `stack-test/worker:${project}`;
  let fixture: { dir: string; dispose: () => Promise<void> };
  let run: WatchRun | undefined;

  before(async () => {
    fixture = await fixtureCopy('watch-rebuild');
    run = startStack(['-p', project, 'watch'], fixture.dir, { WORKER_IMAGE: image });
    await eventually(() => {
      assert.match(run!.err(), /\[watch\] watching worker/);
      assert.match(run!.out(), /^worker-1 +\| worker v1$/m);
    }, 120_000);
  });
  after(async () => {
    killRun(run);
    await cleanupProject(project);
    await docker.getImage(image).remove({ force: true }).catch(() => undefined);
    await fixture.dispose();
  });

  it('builds and recreates only that service, restarts its restart: true dependent, and removes the image it replaced', async () => {
    const worker = await serviceContainer(project, 'worker');
    const api = await serviceContainer(project, 'api');
    const dependent = await serviceContainer(project, 'dependent');
    const oldImage = (await details(worker.id)).image;
    const dependentStart = (await details(dependent.id)).startedAt;

    const job = join(fixture.dir, 'worker', 'job.sh');
    await writeFile(job, (await readFile(job, 'utf8')).replace('worker v1', 'worker v2'));

    await eventually(() => assert.match(run!.out(), /^worker-1 +\| worker v2$/m), 120_000);
    const rebuilt = await serviceContainer(project, 'worker');
    assert.notEqual(rebuilt.id, worker.id, 'recreated');
    assert.notEqual((await details(rebuilt.id)).image, oldImage, 'from a new image');
    assert.equal((await serviceContainer(project, 'api')).id, api.id, 'api untouched');
    const after = await serviceContainer(project, 'dependent');
    assert.equal(after.id, dependent.id, 'the dependent is restarted, not recreated');
    await eventually(async () => assert.notEqual((await details(after.id)).startedAt, dependentStart), 30_000);
    await eventually(async () => {
      const gone = await docker.getImage(oldImage).inspect().then(() => false, (e: { statusCode?: number }) => e.statusCode === 404);
      assert.ok(gone, 'the superseded image was removed');
    }, 30_000);
    assert.match(run!.err(), /\[watch\] worker: rebuild 1 file \(worker\/job\.sh\)/);
  });
});
