import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { followTerminalSize } from '../../../src/engine/terminal-size.js';

class FakeTerminal extends EventEmitter {
  constructor(
    public rows: number,
    public columns: number,
  ) {
    super();
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('the process terminal follows ours', () => {
  it('is sized at once, then again on each resize, until stopped', async () => {
    const term = new FakeTerminal(24, 80);
    const calls: string[] = [];
    const stop = followTerminalSize(term, async (rows, cols) => void calls.push(`${rows}x${cols}`));
    await settle();
    term.rows = 40;
    term.columns = 120;
    term.emit('resize');
    await settle();
    stop();
    term.emit('resize');
    await settle();
    assert.deepEqual(calls, ['24x80', '40x120']);
    assert.equal(term.listenerCount('resize'), 0);
  });

  it('retries the first resize the engine refused (the process had not started yet)', async () => {
    const term = new FakeTerminal(30, 100);
    let attempts = 0;
    const done = new Promise<void>((resolve) => {
      followTerminalSize(term, async () => {
        attempts++;
        if (attempts < 3) throw new Error('exec is not running');
        resolve();
      });
    });
    await done;
    assert.equal(attempts, 3);
  });

  it('a terminal of unknown size (0 rows) is never sent', async () => {
    const term = new FakeTerminal(0, 0);
    const calls: number[] = [];
    followTerminalSize(term, async (rows) => void calls.push(rows))();
    await settle();
    assert.deepEqual(calls, []);
  });
});
