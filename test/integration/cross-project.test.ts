// Names held by another project (issue 12, item 2). One project (the owner) is brought up once
// with a volume, a network and a container of fixed names, and a service `b-c`. Other projects
// then declare the same names. The plan must see what holds them, whoever made it: a network or
// a container is refused before anything is touched, naming the project that owns it; a volume
// with a fixed `name:` is shared (used as it is, said so, never removed by the other project),
// as Compose shares it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, docker, execIn, fixturesDir, projectContainers, projectNetworks, projectVolumes, runStack, uniqueProject } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';

/** The fixtures, copied with this run's prefix in place of `stack-xp-` in the fixed names. */
function fixturesFor(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'stack-xp-'));
  const from = join(fixturesDir, 'cross-project');
  for (const f of readdirSync(from)) writeFileSync(join(dir, f), readFileSync(join(from, f), 'utf8').replaceAll('stack-xp-', `${prefix}-`));
  return dir;
}

describe('names another project holds', () => {
  const owner = uniqueProject('xp');
  const dir = fixturesFor(owner);
  const names = { SHARED_VOLUME: `${owner}-shared`, FIXED_NETWORK: `${owner}-net`, FIXED_CONTAINER: `${owner}-solo` };
  const others = { volume: `${owner}v`, network: `${owner}n`, container: `${owner}k`, prefix: `${owner}-b` };
  const stack = (file: string, project: string, ...args: string[]) => runStack(['-f', join(dir, file), '-p', project, ...args]);
  let ownerContainers: Map<string, string>;

  /** The owner's containers, by name → id, all running. */
  async function ownerState(): Promise<Map<string, string>> {
    const list = await projectContainers(owner);
    for (const c of list) assert.equal(c.State, 'running', `${c.Names[0]} is running`);
    return new Map(list.map((c) => [c.Names[0]!.replace(/^\//, ''), c.Id]));
  }

  /** Nothing of the project exists on the engine: no container, network or volume carries its label. */
  async function assertUntouched(project: string): Promise<void> {
    assert.deepEqual((await projectContainers(project)).map((c) => c.Names[0]), [], `no container of ${project}`);
    assert.deepEqual((await projectNetworks(project)).map((n) => n.Name), [], `no network of ${project}`);
    assert.deepEqual((await projectVolumes(project)).map((v) => v.Name), [], `no volume of ${project}`);
    assert.deepEqual(await ownerState(), ownerContainers, "the owner's containers are the same ones, running");
  }

  before(async () => {
    const up = await stack('owner.yaml', owner, 'up', '-d');
    assert.equal(up.code, 0, describeRun(up));
    ownerContainers = await ownerState();
    assert.equal(ownerContainers.size, 3);
  });
  after(async () => {
    for (const p of [others.volume, others.network, others.container, others.prefix, owner]) await cleanupProject(p);
    await docker.getNetwork(names.FIXED_NETWORK).remove().catch(() => undefined);
    await docker.getVolume(names.SHARED_VOLUME).remove().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a network of fixed name that stack created for another project is refused, naming that project, before anything is touched', async () => {
    const plan = await stack('fixed-network.yaml', others.network, 'plan');
    assert.equal(plan.code, 1, describeRun(plan));
    const up = await stack('fixed-network.yaml', others.network, 'up', '-d');
    assert.equal(up.code, 1, describeRun(up));
    for (const r of [plan, up]) assert.match(r.stderr, new RegExp(`network ${names.FIXED_NETWORK} .*created by stack for project ${owner}\\b`));
    assert.match(up.stderr, /external: true/);
    await assertUntouched(others.network);
  });

  it('a container_name that another project holds is refused, naming that project, before anything is touched', async () => {
    const plan = await stack('container-name.yaml', others.container, 'plan');
    assert.equal(plan.code, 1, describeRun(plan));
    const up = await stack('container-name.yaml', others.container, 'up', '-d');
    assert.equal(up.code, 1, describeRun(up));
    for (const r of [plan, up]) assert.match(r.stderr, new RegExp(`container ${names.FIXED_CONTAINER} .*created by stack for project ${owner}\\b`));
    assert.doesNotMatch(up.stderr, /observing again/, 'refused at once, not after retries');
    await assertUntouched(others.container);
  });

  it('project a-b service c and project a service b-c collide on a-b-c-1: refused, naming the owner', async () => {
    const plan = await stack('service-c.yaml', others.prefix, 'plan');
    assert.equal(plan.code, 1, describeRun(plan));
    const up = await stack('service-c.yaml', others.prefix, 'up', '-d');
    assert.equal(up.code, 1, describeRun(up));
    for (const r of [plan, up]) assert.match(r.stderr, new RegExp(`container ${owner}-b-c-1 .*created by stack for project ${owner}\\b`));
    assert.doesNotMatch(up.stderr, /observing again/, 'refused at once, not after retries');
    await assertUntouched(others.prefix);
  });

  it('a volume of fixed name that another project created is shared: used as it is, said so, and left by down -v', async () => {
    const volumeBefore = await docker.getVolume(names.SHARED_VOLUME).inspect();
    const up = await stack('shares-volume.yaml', others.volume, 'up', '-d');
    assert.equal(up.code, 0, describeRun(up));
    assert.match(up.stderr, new RegExp(`volume ${names.SHARED_VOLUME} is shared.*project ${owner}\\b`));
    const [reader] = await projectContainers(others.volume);
    assert.ok(reader, 'the other project has its container');
    const note = await execIn(reader.Id, ['cat', '/shared/note']);
    assert.equal(note.output.trim(), 'written-by-the-owner', "the other project sees the owner's data");
    assert.deepEqual((await docker.getVolume(names.SHARED_VOLUME).inspect()).Labels, volumeBefore.Labels, 'the volume still belongs to its owner');

    const down = await stack('shares-volume.yaml', others.volume, 'down', '-v');
    assert.equal(down.code, 0, describeRun(down));
    assert.equal((await docker.getVolume(names.SHARED_VOLUME).inspect()).Name, names.SHARED_VOLUME, 'down -v of the other project leaves it');
    assert.deepEqual(await ownerState(), ownerContainers);
  });
});
