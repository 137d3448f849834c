// Two `up -d` at once on one project (CI sample: 3 rounds; 20 rounds in
// test/exhaustive/concurrency-rounds.test.ts): both succeed, one waits for the other's lock,
// and nothing exists twice (the engine alone would create two networks with one name).

import { after, describe, it } from 'node:test';
import { cleanupProject, uniqueProject } from '../helpers/engine.js';
import { concurrentUpRound } from '../helpers/scenarios.js';

describe('two concurrent up -d on one project', () => {
  const project = uniqueProject('conc');
  after(() => cleanupProject(project));

  it('makes no duplicate containers or networks, three rounds', async () => {
    for (let round = 0; round < 3; round++) await concurrentUpRound(project);
  });
});
