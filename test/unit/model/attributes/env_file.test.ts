import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('env_file', () => {
  it('values from env files come under the explicit environment', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    env_file: app.env\n    environment:\n      B: explicit\n', {
      files: { 'app.env': 'A=from-file\nB=from-file\n' },
    });
    assert.deepEqual({ ...model.services['a']!.environment }, { A: 'from-file', B: 'explicit' });
  });

  it('later files override earlier ones and every value is sensitive', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    env_file: [one.env, two.env]\n', {
      files: { 'one.env': 'K=one\nSECRET=s3cr3t\n', 'two.env': 'K=two\n' },
    });
    assert.equal(model.services['a']!.environment['K'], 'two');
    assert.ok(model.sensitiveValues.includes('s3cr3t'));
    assert.ok(model.sensitiveValues.includes('two'));
  });

  it('the long form records the path, required and format', async () => {
    const { model, dir } = await loadText('services:\n  a:\n    image: x\n    env_file:\n      - path: opt.env\n        required: false\n      - path: raw.env\n        format: raw\n', {
      files: { 'raw.env': 'Q="quoted"\n' },
    });
    assert.deepEqual(model.services['a']!.envFiles.map((f) => ({ ...f })), [
      { path: `${dir}/opt.env`, required: false },
      { path: `${dir}/raw.env`, required: true, format: 'raw' },
    ]);
    assert.equal(model.services['a']!.environment['Q'], '"quoted"');
  });

  it('a missing required env file is an error at its entry', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    env_file:\n      - missing.env\n', 'services.a.env_file[0]', 'missing.env not found');
  });

  it('a missing optional env file is skipped', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    env_file:\n      - path: missing.env\n        required: false\n');
    assert.deepEqual({ ...model.services['a']!.environment }, {});
  });
});
