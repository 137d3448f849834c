import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DetachKeyWatcher } from '../../../src/engine/detach-keys.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../../../src/cli/detach-keys.js';

describe('detach keys', () => {
  it('ctrl-p,ctrl-q (the default) is the bytes 0x10 0x11', () => {
    assert.deepEqual([...parseDetachKeys(DEFAULT_DETACH_KEYS)], [0x10, 0x11]);
  });

  it('a single character stands for itself, ctrl-[ is escape', () => {
    assert.deepEqual([...parseDetachKeys('a,ctrl-[')], [0x61, 27]);
  });

  it('an unknown key name is refused', () => {
    assert.throws(() => parseDetachKeys('ctrl-p,meta-q'), /unknown detach key "meta-q"/);
  });

  it('input without the sequence passes through unchanged', () => {
    const w = new DetachKeyWatcher(Buffer.from([0x10, 0x11]));
    assert.deepEqual(w.feed(Buffer.from('ls -l\r')), { forward: Buffer.from('ls -l\r'), detach: false });
  });

  it('the sequence split across chunks detaches, and is never forwarded', () => {
    const w = new DetachKeyWatcher(Buffer.from([0x10, 0x11]));
    assert.deepEqual(w.feed(Buffer.from([0x61, 0x10])), { forward: Buffer.from([0x61]), detach: false });
    assert.deepEqual(w.feed(Buffer.from([0x11])), { forward: Buffer.alloc(0), detach: true });
  });

  it('a broken sequence sends the held-back key on, followed by what broke it', () => {
    const w = new DetachKeyWatcher(Buffer.from([0x10, 0x11]));
    assert.deepEqual(w.feed(Buffer.from([0x10])).forward, Buffer.alloc(0));
    assert.deepEqual(w.feed(Buffer.from([0x62])), { forward: Buffer.from([0x10, 0x62]), detach: false });
  });

  it('a repeated first key keeps the match open: ctrl-p ctrl-p ctrl-q detaches after one ctrl-p', () => {
    const w = new DetachKeyWatcher(Buffer.from([0x10, 0x11]));
    assert.deepEqual(w.feed(Buffer.from([0x10, 0x10, 0x11])), { forward: Buffer.from([0x10]), detach: true });
  });
});
