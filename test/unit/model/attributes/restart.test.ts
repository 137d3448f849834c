import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('restart', () => {
  for (const policy of ['no', 'always', 'unless-stopped', 'on-failure', 'on-failure:5']) {
    it(`'${policy}' is kept`, async () => {
      const model = await loadModelText(`services:\n  a:\n    image: x\n    restart: "${policy}"\n`);
      assert.equal(model.services['a']!.restart, policy);
    });
  }

  it('an unknown policy is an error with a suggestion', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    restart: alway\n', 'services.a.restart', "did you mean 'always'");
  });
});
