import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('extra_hosts', () => {
  it('list entries with : or = become host:ip', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    extra_hosts: ["db:10.0.0.2", "cache=10.0.0.3"]\n');
    assert.deepEqual([...model.services['a']!.extraHosts], ['db:10.0.0.2', 'cache:10.0.0.3']);
  });

  it('the map form allows several addresses per host', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    extra_hosts:\n      db: 10.0.0.2\n      multi: ["10.0.0.4", "::1"]\n');
    assert.deepEqual([...model.services['a']!.extraHosts], ['db:10.0.0.2', 'multi:10.0.0.4', 'multi:::1']);
  });
});
