// A secret interpolated into `environment` (`TOKEN: ${TOKEN}`, TOKEN set in the CLI's
// environment) reaches the container's environment and nothing else: no label of the
// container (the spec label records a digest), not `plan --json`, not the plan text, not
// `stack events --json` while the container is recreated. Rotating it still recreates the
// container, and the plan names the field.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, execIn, fixturesDir, projectContainers, runStack, stackBin, testImage, uniqueProject, type RunResult } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';

const project = uniqueProject('secrets');
const args = ['-f', join(fixturesDir, 'secrets-in-labels', 'stack.yaml'), '-p', project];
const first = `first-${randomBytes(8).toString('hex')}`;
const rotated = `rotated-${randomBytes(8).toString('hex')}`;

const withToken = (token: string) => ({ env: { TOKEN: token } });

interface Inspected {
  readonly id: string;
  readonly labels: Record<string, string>;
  readonly env: readonly string[];
}

async function theContainer(): Promise<Inspected> {
  const list = await projectContainers(project);
  assert.equal(list.length, 1, `one container expected, found ${list.map((c) => c.Names.join(',')).join(' ')}`);
  const d = await docker.getContainer(list[0]!.Id).inspect();
  return { id: d.Id, labels: d.Config.Labels ?? {}, env: d.Config.Env ?? [] };
}

function labelsHolding(labels: Record<string, string>, value: string): string[] {
  return Object.entries(labels)
    .filter(([, v]) => v.includes(value))
    .map(([k]) => k);
}

/** `stack events --json`, running until stopped; its output so far. */
class EventsWatch {
  readonly #child: ChildProcessWithoutNullStreams;
  #stdout = '';
  #closed: Promise<void>;
  constructor(token: string) {
    this.#child = spawn(stackBin, [...args, 'events', '--json'], {
      env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage, TOKEN: token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stdout.on('data', (c) => (this.#stdout += c));
    this.#closed = new Promise((resolve) => this.#child.on('close', () => resolve()));
  }
  get output(): string {
    return this.#stdout;
  }
  /** Stops the watch (the process this test started, by its handle) and waits for it to end. */
  async stop(): Promise<void> {
    this.#child.kill('SIGINT');
    await this.#closed;
  }
}

describe('a secret in environment stays out of labels, plans and events', () => {
  let up: RunResult;
  let planSame: RunResult;
  let planJsonRotated: RunResult;
  let planTextRotated: RunResult;
  let upRotated: RunResult;
  let eventsOutput = '';
  let before1: Inspected;
  let after1: Inspected;

  before(async () => {
    up = await runStack([...args, 'up', '-d'], withToken(first));
    assert.equal(up.code, 0, describeRun(up));
    before1 = await theContainer();
    planSame = await runStack([...args, 'plan', '--detailed-exitcode'], withToken(first));
    planJsonRotated = await runStack([...args, 'plan', '--json'], withToken(rotated));
    planTextRotated = await runStack([...args, 'plan', '--detailed-exitcode'], withToken(rotated));

    const events = new EventsWatch(rotated);
    try {
      // The watch is live once it reports an event we cause: an exec in the container.
      await eventually(async () => {
        await execIn(before1.id, ['true']);
        assert.match(events.output, /"action":"exec_/);
      }, 30_000, 500);
      upRotated = await runStack([...args, 'up', '-d'], withToken(rotated));
      after1 = await theContainer();
      await eventually(() => assert.ok(events.output.includes(`"id":"${after1.id}"`) && events.output.includes('"action":"start"'), 'the new container\'s start was seen'));
    } finally {
      await events.stop();
      eventsOutput = events.output;
    }
  });
  after(() => cleanupProject(project));

  it('gives the container the value in its environment and in none of its labels', () => {
    assert.ok(before1.env.includes(`TOKEN=${first}`), 'TOKEN is in the container\'s environment');
    assert.deepEqual(labelsHolding(before1.labels, first), []);
    assert.match(before1.labels['dev.stack.spec'] ?? '', /"TOKEN":"\(sensitive\) sha256:[0-9a-f]{64}"/);
  });

  it('plans no change while the secret is the same', () => {
    assert.equal(planSame.code, 0, describeRun(planSame));
    assert.match(planSame.stdout, /No changes\./);
  });

  it('names the rotated field in plan --json without either value', () => {
    assert.equal(planJsonRotated.code, 0, describeRun(planJsonRotated));
    assert.ok(!planJsonRotated.stdout.includes(first) && !planJsonRotated.stdout.includes(rotated), 'plan --json holds a secret');
    const plan = JSON.parse(planJsonRotated.stdout) as { changes: { action: string; target: string; cause: string }[] };
    const change = plan.changes.find((c) => c.target === `${project}-app-1`);
    assert.ok(change, planJsonRotated.stdout);
    assert.equal(change.action, 'recreate');
    assert.equal(change.cause, 'environment.TOKEN (sensitive) → (sensitive)');
  });

  it('names the rotated field in the plan text, exit 2, without either value', () => {
    assert.equal(planTextRotated.code, 2, describeRun(planTextRotated));
    assert.ok(planTextRotated.stdout.includes(`~ app (recreate ${project}-app-1): environment.TOKEN (sensitive) → (sensitive)`), planTextRotated.stdout);
    for (const r of [planTextRotated]) assert.ok(!(r.stdout + r.stderr).includes(first) && !(r.stdout + r.stderr).includes(rotated));
  });

  it('recreates the container with the rotated value, again in no label', () => {
    assert.equal(upRotated.code, 0, describeRun(upRotated));
    assert.notEqual(after1.id, before1.id, 'a new container');
    assert.ok(after1.env.includes(`TOKEN=${rotated}`));
    assert.deepEqual(labelsHolding(after1.labels, rotated), []);
    assert.notEqual(after1.labels['dev.stack.config-hash'], before1.labels['dev.stack.config-hash'], 'the config hash follows the secret');
    assert.ok(!(upRotated.stdout + upRotated.stderr).includes(first) && !(upRotated.stdout + upRotated.stderr).includes(rotated));
  });

  it('prints neither value in stack events --json while the container is recreated', () => {
    assert.match(eventsOutput, new RegExp(`"action":"destroy","id":"${before1.id}"`), 'the old container\'s removal was seen');
    assert.ok(!eventsOutput.includes(first), 'the first value was printed by stack events');
    assert.ok(!eventsOutput.includes(rotated), 'the rotated value was printed by stack events');
  });
});
