import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('scale and deploy.replicas', () => {
  it('the default is one container', async () => {
    assert.equal((await loadModelText('services:\n  a:\n    image: x\n')).services['a']!.scale, 1);
  });

  it('scale sets the number of containers, also from an interpolated string', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    scale: ${N}\n', { env: { N: '3' } });
    assert.equal(model.services['a']!.scale, 3);
  });

  it('deploy.replicas sets it too', async () => {
    assert.equal((await loadModelText('services:\n  a:\n    image: x\n    deploy:\n      replicas: 2\n')).services['a']!.scale, 2);
  });

  it('scale and deploy.replicas that disagree are an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    scale: 2\n    deploy:\n      replicas: 3\n', 'services.a.scale', 'disagree');
  });

  it('a container_name cannot be scaled', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    container_name: fixed\n    scale: 2\n', 'services.a.container_name', 'cannot run 2 containers');
  });

  it('a non-numeric scale is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    scale: many\n', 'services.a.scale', /whole number/);
  });
});
