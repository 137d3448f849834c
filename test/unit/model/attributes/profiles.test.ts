import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

const yaml = 'services:\n  web:\n    image: x\n  debug:\n    image: x\n    profiles: [dev]\n  tools:\n    image: x\n    profiles: [ops, dev]\n';

describe('profiles', () => {
  it('services with profiles are disabled unless a profile is active', async () => {
    const model = await loadModelText(yaml);
    assert.deepEqual(Object.keys(model.services), ['web']);
    assert.deepEqual([...model.disabledServices], ['debug', 'tools']);
    assert.deepEqual([...model.profiles], ['dev', 'ops']);
  });

  it('an active profile enables its services', async () => {
    const model = await loadModelText(yaml, { profiles: ['ops'] });
    assert.deepEqual(Object.keys(model.services).sort(), ['tools', 'web']);
    assert.deepEqual([...model.activeProfiles], ['ops']);
  });

  it('a service named on the command line is enabled whatever its profiles', async () => {
    const model = await loadModelText(yaml, { services: ['debug'] });
    assert.deepEqual(Object.keys(model.services).sort(), ['debug', 'web']);
  });

  it('* enables every profile', async () => {
    const model = await loadModelText(yaml, { profiles: ['*'] });
    assert.deepEqual(Object.keys(model.services).sort(), ['debug', 'tools', 'web']);
  });

  it('depending on a profile-disabled service is an error', async () => {
    await expectProblem('services:\n  web:\n    image: x\n    depends_on: [debug]\n  debug:\n    image: x\n    profiles: [dev]\n', 'services.web.depends_on[0]', 'disabled by its profiles (dev)');
  });

  it('an optional dependency on a disabled service is dropped', async () => {
    const model = await loadModelText('services:\n  web:\n    image: x\n    depends_on:\n      debug: {condition: service_started, required: false}\n  debug:\n    image: x\n    profiles: [dev]\n');
    assert.deepEqual(Object.keys(model.services['web']!.dependsOn), []);
  });

  it('references inside disabled services are not checked', async () => {
    const model = await loadModelText('services:\n  web:\n    image: x\n  debug:\n    image: x\n    profiles: [dev]\n    networks: [nowhere]\n');
    assert.deepEqual(Object.keys(model.services), ['web']);
  });
});
