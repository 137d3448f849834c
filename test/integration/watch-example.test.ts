// examples/hot-reload comes up with `stack watch` (as its run.sh runs it) on a copy of the
// example, serves its page on the published port, and serves a save a moment later.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, projectContainers, repoRoot, uniqueProject } from '../helpers/engine.js';
import { killRun, startStack, type WatchRun } from '../helpers/watch-run.js';

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function page(port: number, path = '/'): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}${path}`)).text();
}

describe('examples/hot-reload', () => {
  const project = uniqueProject('hotreload');
  const workerImage = `hot-reload/worker:${project}`;
  let dir: string;
  let port: number;
  let run: WatchRun | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stack-hot-reload-'));
    await cp(join(repoRoot, 'examples', 'hot-reload'), dir, { recursive: true });
    port = await freePort();
    run = startStack(['-p', project, 'watch'], dir, { HOT_RELOAD_PORT: String(port), HOT_RELOAD_WORKER_IMAGE: workerImage });
  });
  after(async () => {
    killRun(run);
    await cleanupProject(project);
    await docker.getImage(workerImage).remove({ force: true }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('comes up with every service running and serves its page', async () => {
    await eventually(async () => assert.match(await page(port), /Hello from stack watch/), 180_000);
    // web serves as soon as it starts; worker starts after api (depends_on), possibly later.
    await eventually(async () => {
      const services = (await projectContainers(project)).map((c) => `${c.Labels['com.docker.compose.service']}:${c.State}`).sort();
      assert.deepEqual(services, ['api:running', 'web:running', 'worker:running']);
    }, 120_000);
    assert.equal((await fetch(`http://127.0.0.1:${port}/notes.draft.html`)).status, 404, 'the ignored draft was never copied');
  });

  it('serves a save a moment later', async () => {
    await writeFile(join(dir, 'site', 'index.html'), '<h1>saved just now</h1>\n');
    await eventually(async () => assert.equal(await page(port), '<h1>saved just now</h1>\n'), 30_000);
    // The batch's line is written once the copy is done, so it may reach us just after the page.
    await eventually(() => assert.match(run!.err(), /\[watch\] web: sync 1 file \(site\/index\.html\)/), 10_000);
  });
});
