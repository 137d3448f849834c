// Plans redact BY FIELD (issue 12, item 10): a value that is no secret never hides names. With
// ROLE=app, the project `myapp` keeps its container names and operation ids in plan text and
// JSON; only the environment entry that holds ROLE's value prints as (sensitive). A secret-named
// variable in an image tag hides the tag in operation ids and targets, nothing else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlan, planToJson, reconcile } from '../../../src/planner/index.js';
import { emptyObserved } from '../../helpers/planner-fixtures.js';
import { loadModelText } from '../../helpers/load-text.js';

interface PlanJson {
  changes: { target: string; operations: string[] }[];
  operations: { id: string; body?: { Env?: string[]; Image?: string } }[];
}

test('ROLE=app leaves every name and operation id readable; only environment.ROLE is hidden', async () => {
  const m = await loadModelText(
    ['services:', '  app:', '    image: stack-test/busybox:1', '    environment:', '      ROLE: ${ROLE}', '      MODE: production', ''].join('\n'),
    { env: { ROLE: 'app' }, projectName: 'myapp' },
  );
  const plan = reconcile(m, emptyObserved('myapp'));
  const json = planToJson(plan) as PlanJson;
  assert.deepEqual(
    json.operations.map((o) => o.id),
    ['create network myapp_default', 'create container myapp-app-1', 'start container myapp-app-1'],
  );
  assert.ok(json.changes.some((c) => c.target === 'myapp-app-1'));
  const create = json.operations.find((o) => o.id === 'create container myapp-app-1')!;
  assert.deepEqual(create.body!.Env, ['MODE=production', 'ROLE=(sensitive)']);
  assert.ok(!JSON.stringify(json).includes('(sensitive)-'), 'no name is cut by a redaction');
  assert.match(formatPlan(plan), /^\+ app \(create myapp-app-1\): no container$/m);
});

test('a secret-named variable in an image tag is hidden in operation ids and targets', async () => {
  const m = await loadModelText(['services:', '  app:', '    image: registry.local/app:${DEPLOY_TOKEN}', '    pull_policy: missing', ''].join('\n'), {
    env: { DEPLOY_TOKEN: 'tok-9c9c9c9c' },
    projectName: 'demo',
  });
  const plan = reconcile(m, emptyObserved('demo', []));
  const text = formatPlan(plan) + JSON.stringify(planToJson(plan));
  assert.ok(!text.includes('tok-9c9c9c9c'), text);
  assert.match(text, /pull image registry\.local\/app:\(sensitive\)/);
  assert.match(text, /demo-app-1/);
});
