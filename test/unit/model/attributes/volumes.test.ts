import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

const svc = (lines: string) => `services:\n  app:\n    image: busybox\n${lines}volumes:\n  data: {}\n`;

describe('volumes', () => {
  it('a relative bind source resolves against the project directory and is created when missing', async () => {
    const { model, dir } = await loadText(svc('    volumes:\n      - ./src:/app:ro\n'));
    const m = model.services['app']!.mounts[0]!;
    assert.equal(m.type, 'bind');
    assert.equal(m.source, `${dir}/src`);
    assert.equal(m.target, '/app');
    assert.equal(m.readOnly, true);
    assert.equal(m.bind?.createHostPath, true);
  });

  it('a named volume keeps the top-level key as its source', async () => {
    const model = await loadModelText(svc('    volumes:\n      - data:/var/lib/data\n'));
    const m = model.services['app']!.mounts[0]!;
    assert.deepEqual({ type: m.type, source: m.source, target: m.target, readOnly: m.readOnly }, { type: 'volume', source: 'data', target: '/var/lib/data', readOnly: false });
    assert.equal(model.volumes['data']!.name, 'proj_data');
  });

  it('a bare container path is an anonymous volume', async () => {
    const model = await loadModelText(svc('    volumes:\n      - /scratch\n'));
    const m = model.services['app']!.mounts[0]!;
    assert.equal(m.type, 'volume');
    assert.equal(m.source, undefined);
    assert.equal(m.target, '/scratch');
  });

  it('container paths are cleaned as the engine stores them: no trailing slash, no // or /./', async () => {
    const model = await loadModelText(svc(
      '    volumes:\n' +
      '      - data:/data/\n' +
      '      - /cache/\n' +
      '      - ./site/:/www/:ro\n' +
      '      - {type: volume, source: data, target: /long//x/./y/}\n' +
      '      - {type: tmpfs, target: /scratch/}\n' +
      '      - /\n'));
    assert.deepEqual(model.services['app']!.mounts.map((m) => m.target), ['/data', '/cache', '/www', '/long/x/y', '/scratch', '/']);
  });

  it('~ expands to the home directory', async () => {
    const model = await loadModelText(svc('    volumes:\n      - ~/cache:/cache\n'), { env: { HOME: '/home/someone' } });
    assert.equal(model.services['app']!.mounts[0]!.source, '/home/someone/cache');
  });

  it('the long syntax keeps bind, volume and tmpfs options', async () => {
    const model = await loadModelText(svc(
      '    volumes:\n' +
      '      - {type: bind, source: ./conf, target: /etc/conf, read_only: true, bind: {propagation: rshared, create_host_path: true}}\n' +
      '      - {type: volume, source: data, target: /data, volume: {nocopy: true, subpath: sub}}\n' +
      '      - {type: tmpfs, target: /tmp, tmpfs: {size: 64m, mode: "1777"}}\n'));
    const [bind, vol, tmp] = model.services['app']!.mounts;
    assert.equal(bind!.readOnly, true);
    assert.deepEqual({ ...bind!.bind }, { createHostPath: true, propagation: 'rshared' });
    assert.deepEqual({ ...vol!.volume }, { nocopy: true, subpath: 'sub' });
    assert.deepEqual({ ...tmp!.tmpfs }, { size: 64 * 1024 * 1024, mode: 0o1777 });
  });

  it('a long-syntax bind mount does not create its host path unless asked', async () => {
    const model = await loadModelText(svc('    volumes:\n      - {type: bind, source: /srv, target: /srv}\n'));
    assert.equal(model.services['app']!.mounts[0]!.bind?.createHostPath, false);
  });

  it('a volume not declared at the top level is an error at the entry', async () => {
    const p = await expectProblem(svc('    volumes:\n      - dta:/data\n'), 'services.app.volumes[0]', "undefined volume 'dta' — did you mean 'data'?");
    assert.equal(p.location?.line, 5);
  });

  it('an unknown mode option is an error', async () => {
    await expectProblem(svc('    volumes:\n      - ./x:/x:rox\n'), 'services.app.volumes[0]', "unknown option 'rox'");
  });

  it('a relative container path is an error', async () => {
    await expectProblem(svc('    volumes:\n      - data:var/lib\n'), 'services.app.volumes[0]', 'must be absolute');
  });

  it('a long-syntax mount without type is a schema error', async () => {
    await expectProblem(svc('    volumes:\n      - {source: data, target: /data}\n'), 'services.app.volumes[0]', "missing required key 'type'");
  });

  it('external volumes keep their own name', async () => {
    const model = await loadModelText('services:\n  app:\n    image: busybox\nvolumes:\n  shared:\n    external: true\n  named:\n    name: exact-name\n');
    assert.equal(model.volumes['shared']!.name, 'shared');
    assert.equal(model.volumes['shared']!.external, true);
    assert.equal(model.volumes['named']!.name, 'exact-name');
  });
});
