// SIGKILL during `up` (CI sample): a cold 20-service `up` killed at four spread-out mutating
// steps, and a recreate killed at three of its steps; each time a rerun must converge
// with no leftovers, no duplicate networks, volume data intact and an empty plan.
// Every step: test/exhaustive/crash-every-step.test.ts (npm run test:exhaustive).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupProject, uniqueProject } from '../helpers/engine.js';
import { crashColdUpAt, crashRecreateAt, mutatingSteps, prepareRecreateCrash, recreateArgs, spreadSteps } from '../helpers/scenarios.js';
import { join } from 'node:path';
import { STACK20 } from '../helpers/stack-state.js';

describe('SIGKILL during a cold up of twenty services (sample)', () => {
  const project = uniqueProject('crashcold');
  let steps: number[] = [];
  before(async () => {
    await cleanupProject(project);
    const total = await mutatingSteps(['-f', join(STACK20.dir, 'stack.yaml'), '-p', project]);
    assert.ok(total >= 40, `a cold up of 20 services has at least 40 mutating steps (got ${total})`);
    steps = spreadSteps(total - 1, 4);
  });
  after(() => cleanupProject(project));

  it('converges after a kill at each sampled step', async () => {
    for (const step of steps) await crashColdUpAt(project, step);
  });
});

describe('SIGKILL during a recreate (sample)', () => {
  const project = uniqueProject('crashre');
  let total = 0;
  before(async () => {
    await prepareRecreateCrash(project);
    total = await mutatingSteps(recreateArgs(project, true));
    assert.ok(total >= 4, `a recreate has at least stop, remove, create, start (got ${total})`);
  });
  after(() => cleanupProject(project));

  it('converges with volume data intact after a kill at each sampled step', async () => {
    // Alternate the direction so that each step starts from a converged, different state.
    let towardsChange = true;
    for (const step of spreadSteps(total - 1, 3)) {
      await crashRecreateAt(project, step, towardsChange);
      towardsChange = !towardsChange;
    }
  });
});
