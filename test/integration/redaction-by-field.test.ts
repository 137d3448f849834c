// Redaction by field on the real engine and CLI (issue 12, item 10): with ROLE=app, project
// `<unique>app` keeps readable container names and operation ids in `stack plan --json`,
// before and after `up` (no `(sensitive)` cut into a name); the secret API_TOKEN never
// prints; `stack config` hides the environment values that came from the environment unless
// --show-secrets.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, fixturesDir, runStack, uniqueProject } from '../helpers/engine.js';
import { describeRun } from '../helpers/stack-state.js';

const file = join(fixturesDir, 'redaction-by-field', 'stack.yaml');
const TOKEN = 'tok-4e4e4e4e4e';

interface PlanJson {
  summary: string;
  changes: { target: string; cause: string; operations: string[] }[];
  operations: { id: string; body?: { Env?: string[] } }[];
}

describe('redaction by field', () => {
  // The project's name contains ROLE's value, as the issue found it.
  const project = `${uniqueProject('rbf')}app`;
  const args = ['-f', file, '-p', project];
  const env = { ROLE: 'app', API_TOKEN: TOKEN };
  after(() => cleanupProject(project));

  it('plan --json keeps names and ids, hides only the fields that hold environment values', async () => {
    const r = await runStack([...args, 'plan', '--json'], { env });
    assert.equal(r.code, 0, describeRun(r));
    assert.ok(!r.stdout.includes(TOKEN), 'the token never prints');
    const json = JSON.parse(r.stdout) as PlanJson;
    const ids = json.operations.map((o) => o.id);
    assert.ok(ids.includes(`create container ${project}-app-1`), ids.join(', '));
    assert.ok(ids.includes(`start container ${project}-app-1`), ids.join(', '));
    assert.ok(!ids.some((id) => id.includes('(sensitive)')), ids.join(', '));
    const create = json.operations.find((o) => o.id === `create container ${project}-app-1`)!;
    assert.deepEqual(create.body!.Env, ['API_TOKEN=(sensitive)', 'MODE=production', 'ROLE=(sensitive)']);
  });

  it('after up, a changed ROLE is a recreate that names the field, not the values', async () => {
    const up = await runStack([...args, 'up', '-d'], { env });
    assert.equal(up.code, 0, describeRun(up));
    const r = await runStack([...args, 'plan'], { env: { ...env, ROLE: 'worker' } });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, new RegExp(`^~ app \\(recreate ${project}-app-1\\): environment\\.ROLE \\(sensitive\\) → \\(sensitive\\)$`, 'm'), r.stdout);
    const same = await runStack([...args, 'plan', '--detailed-exitcode'], { env });
    assert.equal(same.code, 0, `no change with the same values: ${describeRun(same)}`);
  });

  it('stack config hides environment values that came from the environment, unless --show-secrets', async () => {
    const hidden = await runStack([...args, 'config'], { env });
    assert.equal(hidden.code, 0, describeRun(hidden));
    assert.match(hidden.stdout, /ROLE: \(sensitive\)/);
    assert.match(hidden.stdout, /API_TOKEN: \(sensitive\)/);
    assert.match(hidden.stdout, /MODE: production/);
    assert.ok(!hidden.stdout.includes(TOKEN));
    const shown = await runStack([...args, 'config', '--show-secrets'], { env });
    assert.equal(shown.code, 0, describeRun(shown));
    assert.match(shown.stdout, /ROLE: app/);
    assert.ok(shown.stdout.includes(TOKEN));
  });
});
