import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

describe('depends_on', () => {
  it('the list form means started, required, no restart', async () => {
    const model = await loadModelText('services:\n  web:\n    image: x\n    depends_on: [db]\n  db:\n    image: y\n');
    assert.deepEqual({ ...model.services['web']!.dependsOn['db']! }, { condition: 'service_started', restart: false, required: true, implicit: false });
  });

  it('the map form keeps condition, restart and required', async () => {
    const model = await loadModelText('services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_healthy\n        restart: true\n  db:\n    image: y\n');
    assert.deepEqual({ ...model.services['web']!.dependsOn['db']! }, { condition: 'service_healthy', restart: true, required: true, implicit: false });
  });

  it('links, volumes_from and network_mode: service:x are implicit dependencies', async () => {
    const model = await loadModelText(
      'services:\n  web:\n    image: x\n    links: ["db:database"]\n    volumes_from: ["service:data:ro"]\n  side:\n    image: x\n    network_mode: "service:web"\n  db:\n    image: y\n  data:\n    image: y\n');
    assert.deepEqual(Object.keys(model.services['web']!.dependsOn).sort(), ['data', 'db']);
    assert.equal(model.services['web']!.dependsOn['db']!.implicit, true);
    assert.equal(model.services['side']!.dependsOn['web']!.implicit, true);
  });

  it('an unknown dependency is an error with a suggestion', async () => {
    const p = await expectProblem('services:\n  web:\n    image: x\n    depends_on: [dbb]\n  db:\n    image: y\n', 'services.web.depends_on[0]', "undefined service 'dbb' — did you mean 'db'?");
    assert.equal(p.location?.line, 4);
  });

  it('an optional dependency that does not exist is dropped with a warning', async () => {
    const model = await loadModelText('services:\n  web:\n    image: x\n    depends_on:\n      cache:\n        condition: service_started\n        required: false\n');
    assert.deepEqual(Object.keys(model.services['web']!.dependsOn), []);
    assert.ok(model.warnings.some((w) => w.message.includes("optional dependency 'cache'")));
  });

  it('a condition outside the enum is a schema error with a suggestion', async () => {
    await expectProblem('services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_healty\n  db:\n    image: y\n', 'services.web.depends_on.db.condition', "did you mean 'service_healthy'");
  });

  it('a cycle is an error naming the whole cycle', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    depends_on: [a]\n', 'services.a.depends_on', 'dependency cycle a → b → c → a');
  });
});
