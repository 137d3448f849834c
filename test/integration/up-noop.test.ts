// A second `up -d` with nothing changed is a no-op: the same containers (ids and start
// times), and not one create/start/stop/destroy event from the engine during the run; `stack
// plan --detailed-exitcode` agrees (exit 0).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, runStack, uniqueProject, type RunResult } from '../helpers/engine.js';
import {
  containerEvents,
  containerFacts,
  describeRun,
  MUTATING_ACTIONS,
  STACK20,
  type ContainerFacts,
  type EngineEventRecord,
} from '../helpers/stack-state.js';

const project = uniqueProject('noop');
const args = ['-f', join(STACK20.dir, 'stack.yaml'), '-p', project];

describe('a second up -d with nothing changed', () => {
  let first: RunResult;
  let second: RunResult;
  let before2: Map<string, ContainerFacts>;
  let after2: Map<string, ContainerFacts>;
  let events: EngineEventRecord[];

  before(async () => {
    first = await runStack([...args, 'up', '-d']);
    assert.equal(first.code, 0, describeRun(first));
    before2 = await containerFacts(project);
    const t0 = Date.now();
    second = await runStack([...args, '--progress', 'plain', 'up', '-d']);
    const t1 = Date.now();
    after2 = await containerFacts(project);
    events = await containerEvents(project, t0, t1);
  });
  after(() => cleanupProject(project));

  it('exits 0', () => {
    assert.equal(second.code, 0, describeRun(second));
  });

  it('keeps every container: same ids, same start times, all running', () => {
    assert.equal(after2.size, STACK20.services.length);
    for (const [name, was] of before2) {
      const now = after2.get(name);
      assert.ok(now, `${name} still exists`);
      assert.equal(now.id, was.id, `${name} kept its id`);
      assert.equal(now.startedAt, was.startedAt, `${name} was not restarted`);
      assert.equal(now.state, 'running');
    }
  });

  it('makes the engine do nothing: no lifecycle event during the run', () => {
    const lifecycle = events.filter((e) => MUTATING_ACTIONS.has(e.action));
    assert.deepEqual(lifecycle, []);
  });

  it('plan --detailed-exitcode exits 0: nothing to do', async () => {
    const r = await runStack([...args, 'plan', '--detailed-exitcode']);
    assert.equal(r.code, 0, describeRun(r));
  });
});
