import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('environment', () => {
  it('the list form splits at the first =', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    environment:\n      - A=1\n      - B=x=y\n      - C=\n');
    assert.deepEqual({ ...model.services['a']!.environment }, { A: '1', B: 'x=y', C: '' });
  });

  it('a bare KEY takes the variable from the environment, and is omitted when unset', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    environment:\n      - FROM_SHELL\n      - NOT_SET\n', { env: { FROM_SHELL: 'hello' } });
    assert.deepEqual({ ...model.services['a']!.environment }, { FROM_SHELL: 'hello' });
  });

  it('the map form turns numbers and booleans into strings and null into a lookup', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    environment:\n      N: 3\n      B: true\n      V:\n', { env: { V: 'v' } });
    assert.deepEqual({ ...model.services['a']!.environment }, { N: '3', B: 'true', V: 'v' });
  });

  it('variables named like Object.prototype members are plain data', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    environment:\n      __proto__: p\n      constructor: c\n');
    const envv = model.services['a']!.environment;
    assert.equal(envv['__proto__'], 'p');
    assert.equal(envv['constructor'], 'c');
    assert.equal(Object.getPrototypeOf(envv), null);
  });

  it('a list item that is not a string is a schema error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    environment:\n      - 5\n', 'services.a.environment[0]', 'must be a string');
  });
});
