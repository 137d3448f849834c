// Cold `up -d` of the 20-service fixture on the real engine: everything the file declares
// exists once, runs, carries our labels, answers on its published port and reaches its
// neighbours by name. State is read from the engine, never from the CLI's output.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, execIn, runStack, uniqueProject, type RunResult } from '../helpers/engine.js';
import { assertConverged, containerFacts, describeRun, publishedPort, STACK20, stack20Expectation } from '../helpers/stack-state.js';

const project = uniqueProject('cold');
const file = join(STACK20.dir, 'stack.yaml');

describe('cold up -d of twenty services', () => {
  let run: RunResult;
  before(async () => {
    run = await runStack(['-f', file, '-p', project, '--progress', 'plain', 'up', '-d']);
  });
  after(() => cleanupProject(project));

  it('exits 0', () => {
    assert.equal(run.code, 0, describeRun(run));
  });

  it('creates exactly the declared containers, networks and volumes, once each, running and ours', async () => {
    await assertConverged(project, stack20Expectation(project));
  });

  it('labels containers so Compose tools see the stack', async () => {
    const facts = await containerFacts(project);
    const web = facts.get(`${project}-web-1`);
    assert.ok(web);
    assert.equal(web.labels['com.docker.compose.project'], project);
    assert.equal(web.labels['com.docker.compose.service'], 'web');
    assert.equal(web.labels['com.docker.compose.container-number'], '1');
    assert.equal(web.labels['com.docker.compose.oneoff'], 'False');
    assert.ok(web.labels['dev.stack.config-hash'], 'our config hash label is set');
  });

  it('answers on the port published on 127.0.0.1 with the bind-mounted page', async () => {
    const facts = await containerFacts(project);
    const port = await publishedPort(facts.get(`${project}-web-1`)!.id, 8080);
    const body = await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/index.html`);
      assert.equal(res.status, 200);
      return res.text();
    }, 15_000);
    assert.equal(body.trim(), 'hello from web');
  });

  it('lets services reach each other by service name over their shared networks', async () => {
    const facts = await containerFacts(project);
    // web shares `front` with api; cache shares `back` with api.
    for (const from of ['web', 'cache']) {
      const id = facts.get(`${project}-${from}-1`)!.id;
      const r = await eventually(async () => {
        const out = await execIn(id, ['wget', '-qO-', 'http://api:8081/index.html']);
        assert.equal(out.exitCode, 0, out.output);
        return out;
      }, 15_000);
      assert.equal(r.output.trim(), 'api-ok', `${from} reaches api by name`);
    }
    // web is not on `back`: db's name does not resolve there (api's does: the check works).
    const webId = facts.get(`${project}-web-1`)!.id;
    assert.equal((await execIn(webId, ['nslookup', 'api'])).exitCode, 0, 'api resolves from web');
    assert.notEqual((await execIn(webId, ['nslookup', 'db'])).exitCode, 0, 'db does not resolve from the front network');
  });

  it('mounts the named volume, the anonymous volume, the bind mount and the tmpfs as declared', async () => {
    const facts = await containerFacts(project);
    const db = await docker.getContainer(facts.get(`${project}-db-1`)!.id).inspect();
    const dataMount = db.Mounts.find((m) => m.Destination === '/data');
    assert.equal(dataMount?.Type, 'volume');
    assert.equal(dataMount?.Name, `${project}_dbdata`);
    const anon = db.Mounts.find((m) => m.Destination === '/anon');
    assert.equal(anon?.Type, 'volume', 'the anonymous volume is a volume');
    assert.ok(anon?.Name && anon.Name !== `${project}_dbdata`);

    const web = await docker.getContainer(facts.get(`${project}-web-1`)!.id).inspect();
    const site = web.Mounts.find((m) => m.Destination === '/www');
    assert.equal(site?.Type, 'bind');
    assert.equal(site?.Source, join(STACK20.dir, 'site'));
    assert.equal(site?.RW, false, 'the bind mount is read-only');

    const cache = await docker.getContainer(facts.get(`${project}-cache-1`)!.id).inspect();
    const tmpfs = { ...(cache.HostConfig.Tmpfs ?? {}) } as Record<string, string>;
    const tmpfsMounts = (cache.HostConfig.Mounts ?? []).filter((m) => m.Type === 'tmpfs').map((m) => m.Target);
    assert.ok('/run/scratch' in tmpfs || tmpfsMounts.includes('/run/scratch'), 'tmpfs at /run/scratch');
    const mounted = await execIn(cache.Id, ['sh', '-c', 'grep " /run/scratch " /proc/mounts']);
    assert.match(mounted.output, /tmpfs/);
  });
});
