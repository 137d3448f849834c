// Twenty rounds of two concurrent `up -d` on one project: no duplicate containers or networks.

import { after, describe, it } from 'node:test';
import { cleanupProject, uniqueProject } from '../helpers/engine.js';
import { concurrentUpRound } from '../helpers/scenarios.js';

describe('two concurrent up -d on one project, twenty rounds', () => {
  const project = uniqueProject('xconc');
  after(() => cleanupProject(project));

  it('makes no duplicate containers or networks in any round', async () => {
    for (let round = 0; round < 20; round++) await concurrentUpRound(project);
  });
});
