// Health ordering on the real engine: a service_healthy dependent starts only after its
// dependency became healthy (engine timestamps: the dependency's healthy event and the
// dependent's StartedAt); an unhealthy dependency fails `up` with exit 1 naming it, and the
// dependent is never started.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, fixturesDir, runStack, uniqueProject, type RunResult } from '../helpers/engine.js';
import { containerFacts, describeRun } from '../helpers/stack-state.js';

/** The first `health_status: healthy` event of a container, in ms since the epoch. */
async function healthyAt(containerName: string, project: string, fromMs: number, toMs: number): Promise<number | undefined> {
  const stream = await docker.getEvents({
    since: Math.floor(fromMs / 1000),
    until: Math.ceil(toMs / 1000),
    filters: { type: ['container'], label: [`com.docker.compose.project=${project}`] },
  } as never);
  let text = '';
  for await (const chunk of stream as unknown as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as { Action: string; timeNano: number; Actor?: { Attributes?: Record<string, string> } };
    if (e.Action === 'health_status: healthy' && e.Actor?.Attributes?.name === containerName) return e.timeNano / 1e6;
  }
  return undefined;
}

describe('service_healthy ordering', () => {
  const project = uniqueProject('health');
  let run: RunResult;
  let t0: number;
  let t1: number;
  before(async () => {
    t0 = Date.now();
    run = await runStack(['-f', join(fixturesDir, 'health', 'stack.yaml'), '-p', project, '--progress', 'plain', 'up', '-d']);
    t1 = Date.now();
  });
  after(() => cleanupProject(project));

  it('brings both services up', async () => {
    assert.equal(run.code, 0, describeRun(run));
    const facts = await containerFacts(project);
    assert.equal(facts.get(`${project}-dep-1`)?.state, 'running');
    assert.equal(facts.get(`${project}-app-1`)?.state, 'running');
  });

  it('starts the dependent after the dependency became healthy', async () => {
    const facts = await containerFacts(project);
    const depStarted = Date.parse(facts.get(`${project}-dep-1`)!.startedAt);
    const appStarted = Date.parse(facts.get(`${project}-app-1`)!.startedAt);
    const healthy = await healthyAt(`${project}-dep-1`, project, t0, t1);
    assert.ok(healthy !== undefined, 'the engine reported dep healthy during the run');
    // dep needs two seconds before its check can pass: app cannot have started earlier.
    assert.ok(appStarted - depStarted >= 2000, `app started ${appStarted - depStarted} ms after dep`);
    assert.ok(appStarted >= healthy, `app started ${appStarted - healthy} ms after dep became healthy`);
  });
});

describe('an unhealthy dependency', () => {
  const project = uniqueProject('sick');
  let run: RunResult;
  before(async () => {
    run = await runStack(['-f', join(fixturesDir, 'health', 'unhealthy.yaml'), '-p', project, '--progress', 'plain', 'up', '-d'], {
      timeoutMs: 120_000,
    });
  });
  after(() => cleanupProject(project));

  it('fails the run with exit 1 naming the unhealthy service', () => {
    assert.equal(run.code, 1, describeRun(run));
    assert.match(run.stderr, /sick/);
  });

  it('never starts the dependent', async () => {
    const facts = await containerFacts(project);
    const app = facts.get(`${project}-app-1`);
    // Either never created or created and never started.
    if (app) {
      assert.notEqual(app.state, 'running');
      assert.ok(app.startedAt.startsWith('0001-01-01'), `app was started at ${app.startedAt}`);
    }
    assert.equal(facts.get(`${project}-sick-1`)?.state, 'running', 'the unhealthy service itself was started');
  });
});
