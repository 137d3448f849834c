// The façade's redactor: sensitive values never leave in event texts or error messages.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactor } from '../../src/stack/index.js';

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
