// Secrets and configs that are not files on the host (issue 12, item 9): a secret from
// `environment:` and a config from `content:` are delivered into the container before it
// starts (one archive upload between create and start), at their targets, with the mode,
// uid and gid the file asks for (numeric owners in the archive: the engine's copyUIDGID would
// look names up in the HOST's passwd). Their contents never appear in the plan, its JSON or
// any event; a changed content recreates the container.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan, plan, planToJson, up, type StackEvent } from '../../src/stack/index.js';
import { IMAGE, memoryGateway, stackProject, upOptions } from '../helpers/facade.js';

const SECRET = 'from-env-2f1e0d9c';
const CONTENT = 'inline-config-7a6b5c';
const STACK = `
services:
  app:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    secrets:
      - source: api
        mode: 0440
        uid: "1000"
        gid: "1001"
    configs:
      - source: settings
        target: /etc/app/settings.txt
secrets:
  api:
    environment: API_SECRET
configs:
  settings:
    content: "${CONTENT}"
`;

describe('secrets and configs that are not files', () => {
  it('are delivered between create and start, with mode, uid and gid, and never printed', async () => {
    const p = stackProject(STACK, { API_SECRET: SECRET });
    const g = memoryGateway();
    const events: StackEvent[] = [];
    const result = await up(upOptions(p, g), { onEvent: (e) => events.push(e) });

    const secret = g.filesOf('demo-app-1').get('/run/secrets/api');
    assert.ok(secret, 'the secret is in the container');
    assert.equal(secret.content.toString('utf8'), SECRET);
    assert.deepEqual([secret.mode, secret.uid, secret.gid], [0o440, 1000, 1001]);
    const config = g.filesOf('demo-app-1').get('/etc/app/settings.txt');
    assert.equal(config?.content.toString('utf8'), CONTENT);
    assert.deepEqual([config!.mode, config!.uid, config!.gid], [0o444, 0, 0]);

    const order = g.calls.filter((c) => c.target === 'demo-app-1' && ['createContainer', 'putArchive', 'startContainer'].includes(c.call)).map((c) => c.call);
    assert.deepEqual(order, ['createContainer', 'putArchive', 'startContainer']);

    const printed = formatPlan(result.plan) + JSON.stringify(planToJson(result.plan)) + JSON.stringify(result.plan) + JSON.stringify(events);
    for (const value of [SECRET, CONTENT]) assert.ok(!printed.includes(value), `${value} is printed`);
    assert.ok(!/not supported/.test(printed), 'no "not supported" warning');
  });

  it('a changed content recreates the container, naming the field but not the values', async () => {
    const p = stackProject(STACK, { API_SECRET: SECRET });
    const g = memoryGateway();
    await up(upOptions(p, g));
    // The same folder, another value: a project from another folder would be refused instead.
    const next = await plan(upOptions({ ...p, env: { ...p.env, API_SECRET: 'rotated-5e5e5e5e' } }, g));
    const text = formatPlan(next.plan);
    assert.match(text, /^~ app \(recreate demo-app-1\): secrets\[0\]\.content \(sensitive\) → \(sensitive\)$/m);
    assert.ok(!text.includes('rotated-5e5e5e5e') && !text.includes(SECRET));
  });
});
