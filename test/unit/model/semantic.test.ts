import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadProblems } from '../../helpers/load-text.js';

describe('semantic checks', () => {
  it('every problem of the stack is reported at once, each with a location', async () => {
    const problems = await loadProblems(
      'services:\n  web:\n    image: x\n    networks: [nope]\n    volumes: ["gone:/data"]\n    secrets: [s]\n    configs: [c]\n    depends_on: [ghost]\n  bare:\n    command: ["true"]\n',
    );
    assert.deepEqual(problems.map((p) => p.path).sort(), [
      'services.bare',
      'services.web.configs[0]',
      'services.web.depends_on[0]',
      'services.web.networks[0]',
      'services.web.secrets[0]',
      'services.web.volumes[0]',
    ]);
    for (const p of problems) assert.ok(p.location && p.location.line > 0, `${p.path} has no location`);
  });

  it('the implicit default network needs no declaration', async () => {
    const problems = await loadProblems('services:\n  web:\n    image: x\n    networks: [default, missing]\n');
    assert.deepEqual(problems.map((p) => p.path), ['services.web.networks[1]']);
  });

  it('a dependency implied by volumes_from points at the volumes_from entry', async () => {
    const problems = await loadProblems('services:\n  web:\n    image: x\n    volumes_from: ["container:keep", "store:ro"]\n');
    assert.deepEqual(problems.map((p) => [p.path, p.message]), [['services.web.volumes_from[1]', "depends on undefined service 'store'"]]);
  });
});
