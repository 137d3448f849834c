// A recreate whose new container cannot be created must leave the old one running (issue 12,
// item 7). The engine refuses a relative working_dir at create: before the fix, the old
// container was stopped and removed first, so the service was left with no container at all.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, projectContainers, runStack, testImage, uniqueProject, type RunResult } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';

const project = uniqueProject('badcreate');
const dir = mkdtempSync(join(tmpdir(), 'stack-badcreate-'));
const file = join(dir, 'stack.yaml');
const args = ['-f', file, '-p', project];

writeFileSync(
  file,
  [
    'services:',
    '  app:',
    `    image: ${testImage}`,
    '    command: ["sleep", "3600"]',
    '    init: true',
    '    working_dir: ${APP_WORKDIR}',
  ].join('\n') + '\n',
);

const up = (workdir: string): Promise<RunResult> => runStack([...args, '--progress', 'plain', 'up', '-d'], { env: { APP_WORKDIR: workdir }, timeoutMs: 240_000 });

describe('a recreate whose create the engine refuses', () => {
  let first: RunResult;
  let oldId: string;
  let broken: RunResult;

  before(async () => {
    await cleanupProject(project);
    first = await up('/srv');
    oldId = (await projectContainers(project))[0]?.Id ?? '';
    broken = await up('relative');
  });
  after(async () => {
    await cleanupProject(project);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the first up succeeds', () => {
    assert.equal(first.code, 0, describeRun(first));
    assert.notEqual(oldId, '');
  });

  it('the up with an invalid working_dir exits 1, naming the service', () => {
    assert.equal(broken.code, 1, describeRun(broken));
    assert.match(broken.stderr, new RegExp(`error: create container ${project}-app-1-probe failed: the working directory .* is invalid`));
  });

  it('the old container is still there and running, and it is the only one', async () => {
    const containers = await projectContainers(project);
    assert.deepEqual(
      containers.map((c) => ({ id: c.Id, state: c.State })),
      [{ id: oldId, state: 'running' }],
    );
  });

  it('the next up with a valid working_dir recreates it and leaves one container', async () => {
    const fixed = await up('/tmp');
    assert.equal(fixed.code, 0, describeRun(fixed));
    const containers = await projectContainers(project);
    assert.equal(containers.length, 1);
    assert.notEqual(containers[0]!.Id, oldId);
    assert.equal(containers[0]!.State, 'running');
  });
});
