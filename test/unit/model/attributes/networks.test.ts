import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('networks', () => {
  it('a service without networks joins the implicit default network', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n');
    assert.deepEqual(Object.keys(model.services['a']!.networks), ['default']);
    assert.equal(model.networks['default']!.name, 'proj_default');
    assert.equal(model.networks['default']!.external, false);
  });

  it('the list form attaches with defaults', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    networks: [front, back]\nnetworks:\n  front: {}\n  back:\n');
    assert.deepEqual(Object.keys(model.services['a']!.networks), ['front', 'back']);
    assert.deepEqual([...model.services['a']!.networks['front']!.aliases], []);
    assert.equal(model.networks['back']!.name, 'proj_back');
    assert.equal(model.networks['default'], undefined);
  });

  it('the map form keeps aliases, addresses and priority; null entries are defaults', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    networks:\n      front:\n        aliases: [api]\n        ipv4_address: 172.30.0.10\n        priority: 5\n      back:\nnetworks:\n  front:\n  back:\n');
    const n = model.services['a']!.networks;
    assert.deepEqual([...n['front']!.aliases], ['api']);
    assert.equal(n['front']!.ipv4Address, '172.30.0.10');
    assert.equal(n['front']!.priority, 5);
    assert.equal(n['back']!.priority, 0);
  });

  it('network_mode replaces networks and the default network', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    network_mode: host\n');
    assert.deepEqual(Object.keys(model.services['a']!.networks), []);
    assert.equal(model.networks['default'], undefined);
  });

  it('top-level settings, names and external networks', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\nnetworks:\n  n1:\n    driver: bridge\n    internal: true\n    labels: [a=b]\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16\n  n2:\n    name: fixed\n  ext:\n    external: true\n');
    assert.equal(model.networks['n1']!.internal, true);
    assert.equal(model.networks['n1']!.ipam!.config[0]!.subnet, '172.28.0.0/16');
    assert.deepEqual({ ...model.networks['n1']!.labels }, { a: 'b' });
    assert.equal(model.networks['n2']!.name, 'fixed');
    assert.equal(model.networks['ext']!.name, 'ext');
  });

  it('an undefined network is an error with a suggestion', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    networks: [fronte]\nnetworks:\n  front:\n', 'services.a.networks[0]', "undefined network 'fronte' — did you mean 'front'?");
  });

  it('network_mode together with networks is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    network_mode: host\n    networks: [front]\nnetworks:\n  front:\n', 'services.a.network_mode', 'mutually exclusive');
  });

  it('settings on an external network are an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\nnetworks:\n  ext:\n    external: true\n    driver: overlay\n', 'networks.ext.driver', 'external');
  });
});
