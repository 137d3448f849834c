import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('logging', () => {
  it('driver and options are kept, option values as strings', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    logging:\n      driver: json-file\n      options:\n        max-size: 10m\n        max-file: 3\n');
    assert.equal(model.services['a']!.logging!.driver, 'json-file');
    assert.deepEqual({ ...model.services['a']!.logging!.options }, { 'max-size': '10m', 'max-file': '3' });
  });

  it('an unknown key is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    logging:\n      drivr: json-file\n', 'services.a.logging.drivr', "did you mean 'driver'");
  });
});
