// Two networks with one name in a project: what a run killed during a network create can
// leave (the engine finishes the create after the client is gone, and does not refuse a
// second network of the same name: TRAPS). The engine then refuses to start a container
// whose network it must look up by that name. A run must start its containers anyway, and
// leave the project with one network of each name.

import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, docker, projectContainers, projectNetworks, runStack, testImage, uniqueProject } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';
import { openGateway } from '../../src/engine/connect.js';
import { up, type StackEvent } from '../../src/stack/index.js';
import type { NetworkCreateBody } from '../../src/engine/gateway.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function stackDir(services: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'stack-dupnet-'));
  dirs.push(dir);
  writeStack(dir, services);
  return dir;
}

function writeStack(dir: string, services: readonly string[]): void {
  const lines = ['services:'];
  for (const s of services) {
    lines.push(`  ${s}:`, `    image: ${testImage}`, '    command: ["sleep", "86400"]', '    init: true', '    networks: [default, back]');
  }
  lines.push('networks:', '  back: {}');
  writeFileSync(join(dir, 'stack.yaml'), lines.join('\n') + '\n');
}

/** Names of the project's networks, sorted, with repeats. */
async function networkNames(project: string): Promise<string[]> {
  return (await projectNetworks(project)).map((n) => n.Name).sort();
}

/** A second network with the name and labels of an existing one, as a late create makes it. */
async function duplicateOf(name: string): Promise<string> {
  const original = await docker.getNetwork(name).inspect();
  const made = await docker.createNetwork({ Name: name, CheckDuplicate: false, Labels: original.Labels });
  return made.id;
}

describe('two networks with one name in the project', () => {
  const projects: string[] = [];
  afterEach(async () => {
    for (const p of projects.splice(0)) await cleanupProject(p);
  });

  it('up starts a new container on the kept network and removes the duplicate', async () => {
    const project = uniqueProject('dupnet');
    projects.push(project);
    const dir = stackDir(['a']);
    const args = ['-f', join(dir, 'stack.yaml'), '-p', project];
    const first = await runStack([...args, 'up', '-d']);
    assert.equal(first.code, 0, describeRun(first));
    await duplicateOf(`${project}_back`);
    await duplicateOf(`${project}_default`);

    writeStack(dir, ['a', 'b']);
    const second = await runStack([...args, 'up', '-d']);
    assert.equal(second.code, 0, describeRun(second));
    assert.deepEqual(await networkNames(project), [`${project}_back`, `${project}_default`]);
    const b = (await projectContainers(project)).find((c) => c.Names.includes(`/${project}-b-1`));
    assert.equal(b?.State, 'running');
    const plan = await runStack([...args, 'plan', '--detailed-exitcode']);
    assert.equal(plan.code, 0, `the plan after it is empty: ${describeRun(plan)}`);
  });

  it('run starts a one-off on the kept network and removes the duplicate', async () => {
    const project = uniqueProject('dupnetrun');
    projects.push(project);
    const dir = stackDir(['a']);
    const args = ['-f', join(dir, 'stack.yaml'), '-p', project];
    const first = await runStack([...args, 'up', '-d']);
    assert.equal(first.code, 0, describeRun(first));
    await duplicateOf(`${project}_back`);
    await duplicateOf(`${project}_default`);

    const run = await runStack([...args, 'run', '--rm', '-T', '--no-deps', 'a', 'echo', 'one-off ran']);
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(run.stdout, 'one-off ran\n');
    assert.deepEqual(await networkNames(project), [`${project}_back`, `${project}_default`]);
    const containers = await projectContainers(project);
    assert.deepEqual(containers.map((c) => `${c.Names[0]} ${c.State}`), [`/${project}-a-1 running`], 'the one-off is gone (--rm), the service untouched');
  });

  it('a same-named network that lands after the run looked is removed when the run ends', async () => {
    const project = uniqueProject('dupnetlate');
    projects.push(project);
    const dir = stackDir(['a', 'b']);
    const env = { ...process.env, XDG_RUNTIME_DIR: dir } as Record<string, string>;
    const gateway = await openGateway({ env });
    // The late create of a killed run: it lands right after this run made the same network.
    const late: string[] = [];
    const real = gateway.createNetwork.bind(gateway);
    const racing = Object.assign(Object.create(gateway) as typeof gateway, {
      createNetwork: async (body: NetworkCreateBody, signal?: AbortSignal) => {
        const id = await real(body, signal);
        late.push((await docker.createNetwork({ ...body, CheckDuplicate: false } as Parameters<typeof docker.createNetwork>[0])).id);
        return id;
      },
    });
    const events: StackEvent[] = [];
    await up({ load: { cwd: dir, env, projectName: project }, connect: { env }, gateway: racing }, { onEvent: (e) => events.push(e) });
    assert.equal(late.length, 2, 'both networks were raced');
    assert.deepEqual(await networkNames(project), [`${project}_back`, `${project}_default`]);
    const left = new Set((await projectNetworks(project)).map((n) => n.Id));
    for (const id of late) assert.ok(!left.has(id), `the late network ${id.slice(0, 12)} is gone`);
    const containers = await projectContainers(project);
    assert.deepEqual(containers.map((c) => c.State), ['running', 'running']);
    const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    assert.equal(warnings.filter((w) => /duplicate left by an interrupted run/.test(w)).length, 2, warnings.join('\n'));
  });
});
