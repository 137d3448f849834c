// Scaling keeps the lowest-numbered replicas and removes the highest; a service that leaves
// the file becomes an orphan that is warned about and kept, and removed only with
// --remove-orphans. Each step checks the engine's containers by name and id.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupProject, runStack, uniqueProject } from '../helpers/engine.js';
import { containerFacts, copyFixture, describeRun, type ContainerFacts } from '../helpers/stack-state.js';

const project = uniqueProject('scale');

describe('scale up, scale down, orphans', () => {
  let dir: string;
  let args: string[];
  const ids = (facts: Map<string, ContainerFacts>) => new Map([...facts].map(([n, f]) => [n, f.id]));
  const names = (facts: Map<string, ContainerFacts>) => [...facts.keys()].sort();
  const up = async (...extra: string[]) => {
    const r = await runStack([...args, '--progress', 'plain', 'up', '-d', ...extra]);
    assert.equal(r.code, 0, describeRun(r));
    return r;
  };
  let initial: Map<string, string>;

  before(async () => {
    dir = copyFixture('scale');
    args = ['-f', join(dir, 'stack.yaml'), '-p', project];
    await up();
    initial = ids(await containerFacts(project));
  });
  after(() => cleanupProject(project));

  it('starts the replicas the file asks for', () => {
    assert.deepEqual([...initial.keys()].sort(), [`${project}-app-1`, `${project}-app-2`, `${project}-extra-1`]);
  });

  it('scales up with --scale, keeping the existing replicas', async () => {
    // With --progress json, stdout is one JSON event per line and nothing else.
    const r = await runStack([...args, '--progress', 'json', 'up', '-d', '--scale', 'app=4']);
    assert.equal(r.code, 0, describeRun(r));
    const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; kind?: string });
    assert.equal(events.filter((e) => e.type === 'op-done' && e.kind === 'container.create').length, 2, 'two containers created');
    assert.equal(events.at(-1)?.type, 'run-finished');
    const facts = await containerFacts(project);
    assert.deepEqual(names(facts), [1, 2, 3, 4].map((n) => `${project}-app-${n}`).concat(`${project}-extra-1`));
    for (const n of ['app-1', 'app-2', 'extra-1']) assert.equal(facts.get(`${project}-${n}`)!.id, initial.get(`${project}-${n}`), `${n} kept`);
    for (const f of facts.values()) assert.equal(f.state, 'running');
  });

  it('scales down by removing the highest numbers', async () => {
    await up('--scale', 'app=1');
    const facts = await containerFacts(project);
    assert.deepEqual(names(facts), [`${project}-app-1`, `${project}-extra-1`]);
    assert.equal(facts.get(`${project}-app-1`)!.id, initial.get(`${project}-app-1`));
  });

  it('warns about an orphan and keeps it', async () => {
    copyFileSync(join(dir, 'stack-without-extra.yaml'), join(dir, 'stack.yaml'));
    const r = await up();
    assert.match(r.stderr + r.stdout, /orphan[^\n]*extra|extra[^\n]*orphan/i, 'the orphan is named in a warning');
    const facts = await containerFacts(project);
    assert.deepEqual(names(facts), [`${project}-app-1`, `${project}-app-2`, `${project}-extra-1`]);
    assert.equal(facts.get(`${project}-extra-1`)!.id, initial.get(`${project}-extra-1`), 'the orphan is untouched');
    assert.equal(facts.get(`${project}-extra-1`)!.state, 'running');
    assert.equal(facts.get(`${project}-app-1`)!.id, initial.get(`${project}-app-1`));
  });

  it('removes the orphan with --remove-orphans and nothing else', async () => {
    const before = ids(await containerFacts(project));
    await up('--remove-orphans');
    const facts = await containerFacts(project);
    assert.deepEqual(names(facts), [`${project}-app-1`, `${project}-app-2`]);
    for (const n of names(facts)) assert.equal(facts.get(n)!.id, before.get(n), `${n} kept`);
  });
});
