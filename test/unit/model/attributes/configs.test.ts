import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('configs', () => {
  it('the short form mounts at /<name>', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    configs: [nginx.conf]\nconfigs:\n  nginx.conf:\n    file: ./nginx.conf\n');
    assert.deepEqual({ ...model.services['a']!.configs[0]! }, { source: 'nginx.conf', target: '/nginx.conf' });
  });

  it('inline content is kept and is sensitive', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    configs:\n      - source: app\n        target: /etc/app.ini\nconfigs:\n  app:\n    content: "key=value"\n');
    assert.equal(model.configs['app']!.content, 'key=value');
    assert.equal(model.services['a']!.configs[0]!.target, '/etc/app.ini');
    assert.ok(model.sensitiveValues.includes('key=value'));
  });

  it('an external config keeps its name', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\nconfigs:\n  shared:\n    external: true\n');
    assert.equal(model.configs['shared']!.name, 'shared');
    assert.equal(model.configs['shared']!.external, true);
  });

  it('two sources are an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\nconfigs:\n  c:\n    file: x\n    content: y\n', 'configs.c', 'more than one source');
  });

  it('an undefined config is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    configs: [missing]\n', 'services.a.configs[0]', "undefined config 'missing'");
  });
});
