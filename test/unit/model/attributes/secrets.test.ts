import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';
import { printedService, reloadPrinted } from '../compose-output.js';

describe('secrets', () => {
  it('the short form mounts at /run/secrets/<name>', async () => {
    const { model, dir } = await loadText('services:\n  a:\n    image: x\n    secrets: [token]\nsecrets:\n  token:\n    file: ./token.txt\n');
    assert.deepEqual({ ...model.services['a']!.secrets[0]! }, { source: 'token', target: '/run/secrets/token' });
    assert.equal(model.secrets['token']!.file, `${dir}/token.txt`);
    assert.equal(model.secrets['token']!.name, 'proj_token');
  });

  it('the long form keeps a relative target under /run/secrets and reads an octal mode (0440 = 288)', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    secrets:\n      - source: token\n        target: api\n        uid: "100"\n        mode: 0440\nsecrets:\n  token:\n    environment: TOKEN\n', { env: { TOKEN: 'tok-value' } });
    assert.deepEqual({ ...model.services['a']!.secrets[0]! }, { source: 'token', target: '/run/secrets/api', uid: '100', mode: 0o440 });
    assert.ok(model.sensitiveValues.includes('tok-value'));
  });

  it('an undefined secret is an error with a suggestion', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    secrets: [tokn]\nsecrets:\n  token:\n    file: t\n', 'services.a.secrets[0]', "undefined secret 'tokn' — did you mean 'token'?");
  });

  it('a secret without a source is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\nsecrets:\n  token:\n    labels: [a=b]\n', 'secrets.token', 'needs a source');
  });

  it('a mode written as a string, or through a variable, is octal (as compose-go reads it)', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    secrets: [{source: token, mode: "0440"}, {source: token, target: b, mode: "${MODE}"}]\nsecrets:\n  token:\n    file: ./t\n', { env: { MODE: '0400' } });
    assert.deepEqual(model.services['a']!.secrets.map((s) => s.mode), [0o440, 0o400]);
  });

  it('stack config prints a mode in octal, as Compose does, and it loads again to the same mode', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    secrets: [{source: token, mode: 0440}]\nsecrets:\n  token:\n    file: ./t\n');
    assert.deepEqual(printedService(model, 'a')['secrets'], [{ mode: '0440', source: 'token', target: '/run/secrets/token' }]);
    assert.equal((await reloadPrinted(model)).services['a']!.secrets[0]!.mode, 0o440);
  });
});
