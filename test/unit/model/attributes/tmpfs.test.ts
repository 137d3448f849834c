import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('tmpfs', () => {
  it('a string and a list are both kept as entries', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    tmpfs: /run\n  b:\n    image: x\n    tmpfs: ["/run:size=10m", /tmp]\n');
    assert.deepEqual([...model.services['a']!.tmpfs], ['/run']);
    assert.deepEqual([...model.services['b']!.tmpfs], ['/run:size=10m', '/tmp']);
  });

  it('the path of an entry is cleaned as the engine stores it, its options kept', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    tmpfs: ["/run/x/:size=10m", /tmp//y/]\n');
    assert.deepEqual([...model.services['a']!.tmpfs], ['/run/x:size=10m', '/tmp/y']);
  });

  it('a mapping is a schema error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    tmpfs: {run: x}\n', 'services.a.tmpfs', 'must be a string or a list');
  });
});
