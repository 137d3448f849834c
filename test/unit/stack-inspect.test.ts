// The read-only side of the façade on an in-memory engine: events that never carry a label
// value stack wrote (the service and project come as fields), and the rest redacted.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openProject, projectEvents, ps, up, type ProjectEvent } from '../../src/stack/index.js';
import { showableEvent } from '../../src/stack/inspect.js';
import { redactor } from '../../src/stack/redaction.js';
import { IMAGE, memoryGateway, projectRequest, stackProject, upOptions } from '../helpers/facade.js';

const SECRET = 'tok-8d0c2a55e1';
const STACK = `
services:
  web:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    environment:
      TOKEN: \${TOKEN}
    labels:
      note: "token is \${TOKEN}"
`;

describe('project events', () => {
  it('carry no label value stack wrote, give service and project as fields, and redact the rest', async () => {
    const p = stackProject(STACK, { TOKEN: SECRET });
    const g = memoryGateway();
    const project = await openProject(projectRequest(p, g));
    const seen: ProjectEvent[] = [];
    const stop = new AbortController();
    const following = projectEvents(project, { signal: stop.signal }, (e) => {
      seen.push(e);
      if (e.action === 'start') stop.abort();
    });
    await up(upOptions(p, g));
    await following;

    assert.deepEqual(seen.map((e) => e.action), ['create', 'start']);
    for (const e of seen) {
      assert.equal(e.project, 'demo');
      assert.equal(e.service, 'web');
      assert.deepEqual(Object.keys(e.attributes).filter((k) => k.startsWith('dev.stack.') || k.startsWith('com.docker.compose.')), []);
      assert.equal(e.attributes.name, 'demo-web-1');
      assert.equal(e.attributes.note, 'token is (sensitive)');
    }
    assert.ok(!JSON.stringify(seen).includes(SECRET));
  });

  it('drop the spec label even without a model to redact with', () => {
    const spec = JSON.stringify({ environment: { TOKEN: SECRET } });
    const e = showableEvent(
      { type: 'container', action: 'die', id: 'c1', timeNano: 1, attributes: { name: 'demo-web-1', exitCode: '0', 'dev.stack.spec': spec, 'com.docker.compose.service': 'web' } },
      redactor([]),
    );
    assert.deepEqual({ ...e.attributes }, { name: 'demo-web-1', exitCode: '0' });
    assert.equal(e.service, 'web');
  });
});

describe('ps', () => {
  it('lists the running containers of the project, from labels alone', async () => {
    const p = stackProject(STACK, { TOKEN: SECRET });
    const g = memoryGateway();
    await up(upOptions(p, g));
    const rows = await ps(await openProject(projectRequest(p, g, { labelsOnly: true })));
    assert.deepEqual(rows.map((r) => `${r.name} ${r.service} ${r.number} ${r.state}`), ['demo-web-1 web 1 running']);
  });
});
