import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('develop.watch', () => {
  it('rules get absolute paths and their defaults', async () => {
    const { model, dir } = await loadText('services:\n  a:\n    build: .\n    develop:\n      watch:\n        - path: ./src\n          action: sync\n          target: /app/src\n          ignore: node_modules/\n        - path: package.json\n          action: rebuild\n');
    const [sync, rebuild] = model.services['a']!.watch;
    assert.deepEqual({ ...sync!, ignore: [...sync!.ignore], include: [...sync!.include] }, { action: 'sync', path: `${dir}/src`, target: '/app/src', ignore: ['node_modules/'], include: [], initialSync: false });
    assert.equal(rebuild!.path, `${dir}/package.json`);
  });

  it('sync+exec keeps its command', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    develop:\n      watch:\n        - {path: ., action: sync+exec, target: /app, exec: {command: kill -HUP 1}}\n');
    assert.deepEqual([...model.services['a']!.watch[0]!.exec!.command], ['kill', '-HUP', '1']);
  });

  it('a sync rule without target is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    develop:\n      watch:\n        - {path: ., action: sync}\n', 'services.a.develop.watch[0]', "needs a 'target'");
  });

  it('an unknown action is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    develop:\n      watch:\n        - {path: ., action: synk}\n', 'services.a.develop.watch[0].action', "did you mean 'sync'");
  });
});
