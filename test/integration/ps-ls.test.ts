// ps and ls on the real engine: their JSON parses and matches what the engine says.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, fixturesDir, projectContainers, runStack, uniqueProject } from '../helpers/engine.js';

const file = join(fixturesDir, 'ps-ls', 'stack.yaml');

interface PsJson {
  ID: string;
  Name: string;
  Service: string;
  State: string;
  Health: string;
  Publishers: { URL: string; TargetPort: number; PublishedPort: number; Protocol: string }[];
}

describe('ps and ls', () => {
  const project = uniqueProject('psls');
  after(() => cleanupProject(project));
  before(async () => {
    const r = await runStack(['-f', file, '-p', project, 'up', '-d', '--wait']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('ps --format json lists exactly the running containers with their state, health and published ports', async () => {
    const r = await runStack(['-p', project, 'ps', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as PsJson[];
    const engine = await projectContainers(project);
    assert.deepEqual(rows.map((x) => x.ID).sort(), engine.filter((c) => c.State === 'running').map((c) => c.Id).sort());
    const web = rows.find((x) => x.Service === 'web')!;
    const inspected = await docker.getContainer(web.ID).inspect();
    const binding = inspected.NetworkSettings.Ports['80/tcp']![0]!;
    assert.deepEqual(web.Publishers, [{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: Number(binding.HostPort), Protocol: 'tcp' }]);
    assert.equal(web.Health, 'healthy');
    assert.equal((await runStack(['-p', project, 'port', 'web', '80'])).stdout, `127.0.0.1:${binding.HostPort}\n`);
  });

  it('ps -a includes stopped containers, --status filters and --services and -q print names and ids', async () => {
    const stop = await runStack(['-p', project, 'stop', 'worker']);
    assert.equal(stop.code, 0, stop.stderr);
    const all = JSON.parse((await runStack(['-p', project, 'ps', '-a', '--format', 'json'])).stdout) as PsJson[];
    assert.deepEqual(all.map((x) => `${x.Service}:${x.State}`).sort(), ['web:running', 'worker:exited']);
    const exited = JSON.parse((await runStack(['-p', project, 'ps', '--status', 'exited', '--format', 'json'])).stdout) as PsJson[];
    assert.deepEqual(exited.map((x) => x.Service), ['worker']);
    assert.equal((await runStack(['-p', project, 'ps', '--services'])).stdout, 'web\n');
    const ids = (await runStack(['-p', project, 'ps', '-q'])).stdout.trim().split('\n');
    assert.deepEqual(ids, all.filter((x) => x.State === 'running').map((x) => x.ID));
  });

  it('ls --format json shows the project with its state counts and stack file', async () => {
    const r = await runStack(['ls', '-a', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const mine = (JSON.parse(r.stdout) as { Name: string; Status: string; ConfigFiles: string }[]).find((p) => p.Name === project);
    assert.ok(mine, 'the project is listed');
    const engine = await projectContainers(project);
    const running = engine.filter((c) => c.State === 'running').length;
    const exitedCount = engine.filter((c) => c.State === 'exited').length;
    assert.equal(mine.Status, `exited(${exitedCount}), running(${running})`);
    assert.equal(mine.ConfigFiles, file);
  });
});
