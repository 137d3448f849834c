// The façade's one redactor: sensitive values never leave in event texts or error messages.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactor } from '../../src/stack/index.js';
import { redactError, redactEvent } from '../../src/stack/redaction.js';
import { OperationError } from '../../src/errors.js';

describe('redactor', () => {
  it('replaces a sensitive value wherever it appears in a text', () => {
    const r = redactor(['hunter2secret']);
    assert.equal(r('create failed: env PASSWORD=hunter2secret invalid'), 'create failed: env PASSWORD=(sensitive) invalid');
  });
  it('replaces the longest value first when one contains another', () => {
    const r = redactor(['abc', 'abcdef']);
    assert.equal(r('x abcdef y abc'), 'x (sensitive) y (sensitive)');
  });
  it('hides short values only when the whole text is that value', () => {
    const r = redactor(['1', 'on']);
    assert.equal(r('started 1 container'), 'started 1 container');
    assert.equal(r('on'), '(sensitive)');
  });
  it('changes nothing without sensitive values', () => {
    assert.equal(redactor([])('anything'), 'anything');
  });
});

describe('redacting what leaves the façade', () => {
  it('rewrites an error\'s message, hint and stack trace, and those of its causes, keeping its class', () => {
    const cause = new Error('engine said: env TOKEN=hunter2secret');
    const e = new OperationError('create failed: TOKEN=hunter2secret', { hint: 'check hunter2secret', cause });
    const same = redactError(e, redactor(['hunter2secret']));
    assert.equal(same, e);
    assert.ok(same instanceof OperationError);
    assert.equal(same.exitCode, 1);
    assert.equal(same.message, 'create failed: TOKEN=(sensitive)');
    assert.equal(same.hint, 'check (sensitive)');
    assert.ok(!(same.stack ?? '').includes('hunter2secret'), 'the stack trace --debug prints');
    assert.equal(cause.message, 'engine said: env TOKEN=(sensitive)');
    assert.ok(!(cause.stack ?? '').includes('hunter2secret'));
  });

  it('rewrites every free text of an event: failures, waits, warnings, plan causes', () => {
    const r = redactor(['hunter2secret']);
    const failed = redactEvent(
      { type: 'op-failed', at: 0, opId: 'x', kind: 'container.create', target: 't', durationMs: 1, error: { name: 'E', message: 'bad hunter2secret', hint: 'hunter2secret', exitCode: 1 } },
      r,
    );
    assert.ok(!JSON.stringify(failed).includes('hunter2secret'));
    const planned = redactEvent({ type: 'plan', at: 0, projectName: 'p', steps: [{ id: 'a', kind: 'container.create', target: 't', cause: 'x hunter2secret' }], warnings: ['w hunter2secret'] }, r);
    assert.ok(!JSON.stringify(planned).includes('hunter2secret'));
    const warned = redactEvent({ type: 'model-warning', at: 0, message: 'hunter2secret is odd' }, r);
    assert.ok(!JSON.stringify(warned).includes('hunter2secret'));
  });
});
