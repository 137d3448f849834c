import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('deploy', () => {
  it('resource limits and reservations become numbers and bytes', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    deploy:\n      resources:\n        limits: {cpus: "0.5", memory: 512m, pids: 100}\n        reservations: {cpus: 0.25, memory: 128m}\n');
    assert.deepEqual({ ...model.services['a']!.resources }, { cpus: 0.5, memory: 512 * 1024 ** 2, pids: 100, memoryReservation: 128 * 1024 ** 2, cpuReservation: 0.25 });
  });

  it('service-level mem_limit and cpus are used when deploy does not set them', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    mem_limit: 1gb\n    cpus: 2\n');
    assert.deepEqual({ ...model.services['a']!.resources }, { cpus: 2, memory: 1024 ** 3 });
  });

  it('restart_policy maps to restart when restart is absent', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: 3\n');
    assert.equal(model.services['a']!.restart, 'on-failure:3');
  });

  it('a bad memory size is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    deploy:\n      resources:\n        limits:\n          memory: lots\n', 'services.a.deploy.resources.limits.memory', 'not a size');
  });
});
