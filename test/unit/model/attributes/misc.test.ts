import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('other service attributes', () => {
  it('working_dir and secret targets are cleaned as the engine stores them', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    working_dir: /app/\n    secrets: [{source: s, target: /etc/s/}]\nsecrets:\n  s:\n    file: ./s\n');
    assert.equal(model.services['a']!.workingDir, '/app');
    assert.equal(model.services['a']!.secrets[0]!.target, '/etc/s');
  });

  it('init, stop_grace_period, container_name, user, working_dir and flags', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    init: true\n    stop_grace_period: 1m30s\n    container_name: a-fixed\n    user: "1000:1000"\n    working_dir: /app\n    tty: "true"\n    read_only: yes\n    shm_size: 64m\n    pull_policy: if_not_present\n');
    const s = model.services['a']!;
    assert.equal(s.init, true);
    assert.equal(s.stopGracePeriod, 90e9);
    assert.equal(s.containerName, 'a-fixed');
    assert.equal(s.user, '1000:1000');
    assert.equal(s.workingDir, '/app');
    assert.equal(s.tty, true);
    assert.equal(s.readOnly, true);
    assert.equal(s.shmSize, 64 * 1024 ** 2);
    assert.equal(s.pullPolicy, 'missing');
    assert.equal(s.attach, true);
  });

  it('devices in short and long form', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    devices:\n      - /dev/fuse\n      - /dev/sda:/dev/xvda:r\n      - {source: /dev/net/tun, permissions: rw}\n');
    assert.deepEqual(model.services['a']!.devices.map((d) => ({ ...d })), [
      { source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' },
      { source: '/dev/sda', target: '/dev/xvda', permissions: 'r' },
      { source: '/dev/net/tun', target: '/dev/net/tun', permissions: 'rw' },
    ]);
  });

  it('extension fields are kept on the service and at the top level', async () => {
    const model = await loadModelText('x-common: {a: 1}\nservices:\n  a:\n    image: x\n    x-note: hello\n');
    assert.equal(model.services['a']!.extensions['x-note'], 'hello');
    assert.deepEqual({ ...(model.extensions['x-common'] as object) }, { a: 1 });
  });

  it('the model is frozen', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n');
    assert.ok(Object.isFrozen(model));
    assert.ok(Object.isFrozen(model.services['a']));
    assert.ok(Object.isFrozen(model.services['a']!.networks));
  });

  it('a misspelt service key is an error with a suggestion and a location', async () => {
    const p = await expectProblem('services:\n  a:\n    imgae: x\n', 'services.a.imgae', "unknown key 'imgae' — did you mean 'image'?");
    assert.equal(p.location?.line, 3);
  });
});
