// Two folders, one project name (issue 12, item 3). Folders named like `RBnorm` and `rb norm`
// normalise to one project name; without a guard, `up` in one recreates the other's containers
// and removes its services as orphans. A run whose folder differs from the project's
// `com.docker.compose.project.working_dir` warns, naming both folders, and refuses every
// destructive step (recreate, orphan removal, down) unless `--take-over` says it is deliberate.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, fixturesDir, projectContainers, runStack, uniqueProject } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';

const WORKING_DIR = 'com.docker.compose.project.working_dir';

describe('two folders whose names normalise to one project', () => {
  const project = uniqueProject('rbnorm');
  const parent = mkdtempSync(join(tmpdir(), 'stack-dirs-'));
  // `TRBNORM…` and `trbn orm…` both normalise to the project name.
  const first = join(parent, project.toUpperCase());
  const second = join(parent, `${project.slice(0, 4)} ${project.slice(4)}`);
  // No -p: the project name comes from each folder's name, as a user's would.
  const stackIn = (cwd: string, ...args: string[]) => runStack(args, { cwd });
  let firstIds: Map<string, string>;

  /** Container name → id, every one running. */
  async function containers(): Promise<Map<string, string>> {
    const list = await projectContainers(project);
    for (const c of list) assert.equal(c.State, 'running', `${c.Names[0]} is running`);
    return new Map(list.map((c) => [c.Names[0]!.replace(/^\//, ''), c.Id]));
  }

  function namesBothFolders(stderr: string): void {
    assert.ok(stderr.includes(first), `names the first folder: ${stderr}`);
    assert.ok(stderr.includes(second), `names the second folder: ${stderr}`);
  }

  before(async () => {
    cpSync(join(fixturesDir, 'project-dirs', 'first'), first, { recursive: true });
    cpSync(join(fixturesDir, 'project-dirs', 'second'), second, { recursive: true });
    const up = await stackIn(first, 'up', '-d');
    assert.equal(up.code, 0, describeRun(up));
    firstIds = await containers();
    assert.deepEqual([...firstIds.keys()].sort(), [`${project}-app-1`, `${project}-only-first-1`]);
  });
  after(async () => {
    await cleanupProject(project);
    rmSync(parent, { recursive: true, force: true });
  });

  it('up from the other folder refuses to recreate, names both folders and says how to proceed, before touching anything', async () => {
    const r = await stackIn(second, 'up', '-d');
    assert.equal(r.code, 1, describeRun(r));
    namesBothFolders(r.stderr);
    assert.match(r.stderr, /-p /);
    assert.match(r.stderr, /--take-over/);
    assert.deepEqual(await containers(), firstIds, 'nothing was created, recreated or removed');
  });

  it('down from the other folder is refused', async () => {
    const r = await stackIn(second, 'down');
    assert.equal(r.code, 1, describeRun(r));
    namesBothFolders(r.stderr);
    assert.deepEqual(await containers(), firstIds);
  });

  it('up from the other folder that only adds a service runs, warning and naming both folders, and removes nothing', async () => {
    const r = await stackIn(second, '-f', 'adds.yaml', 'up', '-d');
    assert.equal(r.code, 0, describeRun(r));
    namesBothFolders(r.stderr);
    const now = await containers();
    assert.deepEqual([...now.keys()].sort(), [`${project}-app-1`, `${project}-only-first-1`, `${project}-only-second-1`]);
    for (const [name, id] of firstIds) assert.equal(now.get(name), id, `${name} is the same container`);
  });

  it('up --take-over from the other folder makes that folder the project\'s: recreated, orphans removed as asked', async () => {
    const r = await stackIn(second, 'up', '-d', '--take-over', '--remove-orphans');
    assert.equal(r.code, 0, describeRun(r));
    const list = await projectContainers(project);
    assert.deepEqual(list.map((c) => c.Names[0]!.replace(/^\//, '')).sort(), [`${project}-app-1`, `${project}-only-second-1`]);
    for (const c of list) assert.equal(c.Labels[WORKING_DIR], second, `${c.Names[0]} now belongs to the second folder`);
    assert.notEqual(list.find((c) => c.Names[0] === `/${project}-app-1`)!.Id, firstIds.get(`${project}-app-1`), 'app was recreated');
  });

  it('then the first folder is the other one: down is refused, and runs with --take-over (orphans with --remove-orphans, as always)', async () => {
    const refused = await stackIn(first, 'down');
    assert.equal(refused.code, 1, describeRun(refused));
    namesBothFolders(refused.stderr);
    assert.equal((await projectContainers(project)).length, 2);
    const down = await stackIn(first, 'down', '--take-over', '--remove-orphans');
    assert.equal(down.code, 0, describeRun(down));
    assert.deepEqual(await projectContainers(project), []);
  });
});
