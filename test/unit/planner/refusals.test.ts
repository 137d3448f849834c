// What a plan refuses instead of silently doing something else (issue 12, item 8): a --scale
// for a service the stack does not have.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { reconcile } from '../../../src/planner/index.js';
import { emptyObserved, model, service } from '../../helpers/planner-fixtures.js';

test('--scale for a service the stack does not have is a usage error (exit 64)', () => {
  const m = model({ services: [service('web')] });
  assert.throws(
    () => reconcile(m, emptyObserved(), { scale: { web: 2, nosuch: 2 } }),
    (e: unknown) => e instanceof UsageError && e.exitCode === 64 && /--scale nosuch=2: no such service: nosuch/.test(e.message),
  );
});

test('--scale for a service disabled by its profiles is accepted (it has no containers to scale)', () => {
  const m = model({ services: [service('web')], disabledServices: ['debug'] });
  assert.doesNotThrow(() => reconcile(m, emptyObserved(), { scale: { debug: 0 } }));
});
