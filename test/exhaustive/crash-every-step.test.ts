// SIGKILL at EVERY mutating step of a cold 20-service `up` and of a recreate, each followed by
// a rerun that must converge (see test/helpers/scenarios.ts). Long: npm run test:exhaustive.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, uniqueProject } from '../helpers/engine.js';
import { crashColdUpAt, crashRecreateAt, mutatingSteps, prepareRecreateCrash, recreateArgs } from '../helpers/scenarios.js';
import { STACK20 } from '../helpers/stack-state.js';

describe('SIGKILL at every step of a cold up of twenty services', () => {
  const project = uniqueProject('xcrashcold');
  after(() => cleanupProject(project));

  it('converges after a kill at each step', async () => {
    await cleanupProject(project);
    const total = await mutatingSteps(['-f', join(STACK20.dir, 'stack.yaml'), '-p', project]);
    assert.ok(total >= 40);
    for (let step = 1; step <= total; step++) await crashColdUpAt(project, step);
  });
});

describe('SIGKILL at every step of a recreate', () => {
  const project = uniqueProject('xcrashre');
  after(() => cleanupProject(project));

  it('converges with volume data intact after a kill at each step, in both directions', async () => {
    await prepareRecreateCrash(project);
    const total = await mutatingSteps(recreateArgs(project, true));
    // Every step towards the change and every step back.
    for (let step = 1; step <= total; step++) {
      await crashRecreateAt(project, step, true);
      await crashRecreateAt(project, step, false);
    }
  });
});
