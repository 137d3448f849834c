import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('labels, annotations and sysctls', () => {
  it('the list form and the map form give the same labels', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    labels: ["com.example.team=core", "flag"]\n  b:\n    image: x\n    labels:\n      com.example.team: core\n      flag:\n');
    assert.deepEqual({ ...model.services['a']!.labels }, { 'com.example.team': 'core', flag: '' });
    assert.deepEqual({ ...model.services['b']!.labels }, { 'com.example.team': 'core', flag: '' });
  });

  it('sysctls and annotations accept both forms', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    sysctls: ["net.core.somaxconn=1024"]\n    annotations: {a: 1}\n');
    assert.deepEqual({ ...model.services['a']!.sysctls }, { 'net.core.somaxconn': '1024' });
    assert.deepEqual({ ...model.services['a']!.annotations }, { a: '1' });
  });

  it('duplicate list entries are a schema error at the second one', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    labels: [a=1, a=1]\n', 'services.a.labels[1]', 'duplicate entry');
  });
});
