import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('ulimits', () => {
  it('a single number sets soft and hard; a mapping sets each', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    ulimits:\n      nproc: 65535\n      nofile:\n        soft: 20000\n        hard: "40000"\n');
    assert.deepEqual({ ...model.services['a']!.ulimits['nproc']! }, { soft: 65535, hard: 65535 });
    assert.deepEqual({ ...model.services['a']!.ulimits['nofile']! }, { soft: 20000, hard: 40000 });
  });

  it('a mapping needs both soft and hard', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    ulimits:\n      nofile:\n        soft: 1\n', 'services.a.ulimits.nofile', "missing required key 'hard'");
  });

  it('soft above hard is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    ulimits:\n      nofile: {soft: 10, hard: 5}\n', 'services.a.ulimits.nofile', 'above the hard limit');
  });
});
