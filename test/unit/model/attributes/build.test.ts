import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('build', () => {
  it('a string is the context, resolved against the project directory', async () => {
    const { model, dir } = await loadText('services:\n  a:\n    build: ./app\n');
    assert.equal(model.services['a']!.build!.context, `${dir}/app`);
    assert.equal(model.services['a']!.image, undefined);
  });

  it('the long form keeps dockerfile relative and reads args, labels, target', async () => {
    const { model, dir } = await loadText('services:\n  a:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile.dev\n      args: [VERSION=1, FROM_ENV]\n      labels: {team: core}\n      target: dev\n      shm_size: 1g\n      no_cache: true\n', { env: { FROM_ENV: 'e' } });
    const b = model.services['a']!.build!;
    assert.equal(b.context, dir);
    assert.equal(b.dockerfile, 'docker/Dockerfile.dev');
    assert.deepEqual({ ...b.args }, { VERSION: '1', FROM_ENV: 'e' });
    assert.deepEqual({ ...b.labels }, { team: 'core' });
    assert.equal(b.target, 'dev');
    assert.equal(b.shmSize, 1024 ** 3);
    assert.equal(b.noCache, true);
  });

  it('a URL context is kept as written', async () => {
    const model = await loadModelText('services:\n  a:\n    build: https://github.com/example/repo.git#main\n');
    assert.equal(model.services['a']!.build!.context, 'https://github.com/example/repo.git#main');
  });

  it('dockerfile and dockerfile_inline together are an error', async () => {
    await expectProblem('services:\n  a:\n    build:\n      dockerfile: Dockerfile\n      dockerfile_inline: FROM scratch\n', 'services.a.build', 'mutually exclusive');
  });

  it('a service with neither image nor build is an error', async () => {
    await expectProblem('services:\n  a:\n    command: ["true"]\n', 'services.a', 'neither an image nor a build');
  });
});
