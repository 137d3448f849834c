// A field written in a form the engine stores differently must not read as a change (issue 12,
// item 6): after `up -d` of a stack holding every tricky spelling (one service each: trailing
// slashes in container paths, image references the engine completes, port ranges, durations,
// sizes, environment and label forms, sysctls...), the next plan has nothing to do, and each
// service's test names the field when it does not. Checked twice: with the model cache `up`
// wrote, and with a model loaded afresh.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cleanupProject, docker, fixturesDir, runStack, testImage, uniqueProject, type RunResult } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';

const file = join(fixturesDir, 'noop-spellings', 'stack.yaml');
const project = uniqueProject('spell');
const args = ['-f', file, '-p', project];
const services = Object.keys((parse(readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, unknown> }).services);

/** The image references of the fixture that need the test image tagged under them. */
const IMAGE_TAGS = [
  { repo: 'stack-test-spell-implicit', tag: 'latest' },
  { repo: 'stack-test-spell-library', tag: 'latest' },
  { repo: 'stack-test-spell-library-tag', tag: 'latest' },
  { repo: 'stack-test-spell/hub', tag: '1' },
  { repo: 'stack-test-spell/index', tag: '1' },
];

interface PlanJson {
  readonly operations: readonly { readonly id: string; readonly service?: string; readonly cause?: { readonly text: string } }[];
}

function planOf(r: RunResult): PlanJson {
  assert.equal(r.code, 0, describeRun(r));
  return JSON.parse(r.stdout) as PlanJson;
}

/** What the plan would do to one service, with its causes: empty when the service is left alone. */
function workFor(plan: PlanJson, service: string): string[] {
  return plan.operations.filter((o) => o.service === service).map((o) => `${o.id}: ${o.cause?.text ?? ''}`);
}

describe('a stack of tricky spellings, after up -d', () => {
  let up: RunResult;
  let cached: PlanJson;
  let fresh: PlanJson;

  before(async () => {
    await cleanupProject(project);
    for (const { repo, tag } of IMAGE_TAGS) await docker.getImage(testImage).tag({ repo, tag });
    up = await runStack([...args, '--progress', 'plain', 'up', '-d'], { timeoutMs: 300_000 });
    cached = planOf(await runStack([...args, 'plan', '--json']));
    fresh = planOf(await runStack([...args, 'plan', '--json'], { env: { STACK_CACHE: '0' } }));
  });
  after(async () => {
    await cleanupProject(project);
    for (const { repo, tag } of IMAGE_TAGS) await docker.getImage(`${repo}:${tag}`).remove({ noprune: true }).catch(() => undefined);
  });

  it('up -d succeeds', () => {
    assert.equal(up.code, 0, describeRun(up));
  });

  it('plan --detailed-exitcode exits 0: nothing to do', async () => {
    const r = await runStack([...args, 'plan', '--detailed-exitcode']);
    assert.equal(r.code, 0, describeRun(r));
  });

  for (const service of services) {
    it(`${service}: the next plan leaves it alone`, () => {
      assert.deepEqual(workFor(cached, service), []);
    });
  }

  it('a model loaded afresh (no cache) plans nothing either', () => {
    assert.deepEqual(fresh.operations.map((o) => `${o.id}: ${o.cause?.text ?? ''}`), []);
  });
});
