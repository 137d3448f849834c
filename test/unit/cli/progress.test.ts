// Progress renderers against the façade's events: plain lines, JSON lines, quiet.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { plainRenderer } from '../../../src/cli/progress/plain.js';
import { jsonRenderer, quietRenderer } from '../../../src/cli/progress/json.js';
import { formatDuration } from '../../../src/cli/progress/renderer.js';
import type { StackEvent } from '../../../src/stack/index.js';
import { leftAloneLine } from '../../../src/cli/left-alone.js';

function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

const ref = { opId: 'create container demo-web-1', kind: 'container.create' as const, service: 'web', target: 'demo-web-1' };

describe('plain progress', () => {
  it('prints one line per finished operation with its duration', () => {
    const err = sink();
    const r = plainRenderer({ stdout: sink().stream, stderr: err.stream });
    r.onEvent({ type: 'op-started', at: 0, ...ref });
    r.onEvent({ type: 'op-done', at: 400, durationMs: 400, ...ref });
    assert.equal(err.text(), '[+] create container demo-web-1 ... done 400ms\n');
  });
  it('prints failures with the message and skips with their cause', () => {
    const err = sink();
    const r = plainRenderer({ stdout: sink().stream, stderr: err.stream });
    r.onEvent({ type: 'op-failed', at: 1, durationMs: 1200, ...ref, error: { name: 'ConflictError', message: 'name in use', exitCode: 1 } });
    r.onEvent({ type: 'op-skipped', at: 2, ...ref, opId: 'start container demo-web-1', kind: 'container.start', reason: 'dependency-failed', blockedBy: 'create container demo-web-1' });
    assert.equal(
      err.text(),
      '[x] create container demo-web-1 ... failed 1.2s: name in use\n' +
        '[-] start container demo-web-1 ... skipped (create container demo-web-1 did not complete)\n',
    );
  });
  it('reports a long wait about every five seconds, not every second', () => {
    const err = sink();
    const r = plainRenderer({ stdout: sink().stream, stderr: err.stream });
    for (let s = 1; s <= 11; s++) {
      r.onEvent({ type: 'wait-progress', at: s * 1000, ...ref, opId: 'wait db', kind: 'container.wait', container: 'demo-db-1', condition: 'service_healthy', elapsedMs: s * 1000, message: `waiting for demo-db-1 to be healthy (${s} s)` });
    }
    assert.deepEqual(err.text().trim().split('\n'), [
      '[~] waiting for demo-db-1 to be healthy (1 s)',
      '[~] waiting for demo-db-1 to be healthy (6 s)',
      '[~] waiting for demo-db-1 to be healthy (11 s)',
    ]);
  });
  it('prints plan and executor warnings', () => {
    const err = sink();
    const r = plainRenderer({ stdout: sink().stream, stderr: err.stream });
    r.onEvent({ type: 'plan', at: 0, projectName: 'demo', steps: [], warnings: ['orphan container demo-old-1'] });
    r.onEvent({ type: 'warning', at: 0, message: 'db-1 did not become healthy' });
    assert.equal(err.text(), '[!] warning: orphan container demo-old-1\n[!] warning: db-1 did not become healthy\n');
  });
  it('writes nothing to stdout', () => {
    const out = sink();
    const r = plainRenderer({ stdout: out.stream, stderr: sink().stream });
    r.onEvent({ type: 'op-done', at: 400, durationMs: 400, ...ref });
    assert.equal(out.text(), '');
  });
});

describe('json progress', () => {
  it('writes each event as one JSON line on stdout', () => {
    const out = sink();
    const r = jsonRenderer({ stdout: out.stream, stderr: sink().stream });
    const events: StackEvent[] = [
      { type: 'run-started', at: 0, projectName: 'demo', total: 2, parallel: 4 },
      { type: 'op-done', at: 400, durationMs: 400, ...ref },
    ];
    for (const e of events) r.onEvent(e);
    const lines = out.text().trim().split('\n');
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map((l) => JSON.parse(l)), events);
  });
});

describe('quiet progress', () => {
  it('accepts events and closes without output', async () => {
    const r = quietRenderer();
    r.onEvent({ type: 'op-done', at: 400, durationMs: 400, ...ref });
    await r.close();
  });
});

describe('durations', () => {
  it('reads like a person would write them', () => {
    assert.equal(formatDuration(350), '350ms');
    assert.equal(formatDuration(1234), '1.2s');
    assert.equal(formatDuration(61_000), '1m01s');
  });
});

describe('what a command left alone', () => {
  const event = (containers: string[], networks: string[] = [], volumes: string[] = []): Extract<StackEvent, { type: 'left-alone' }> => ({
    type: 'left-alone',
    at: 0,
    projectName: 'demo',
    containers,
    networks,
    volumes,
  });
  it('is one line counting each kind and naming every object', () => {
    assert.equal(leftAloneLine(event(['demo-x-1'])), 'left 1 container not created by stack: demo-x-1');
    assert.equal(leftAloneLine(event(['a', 'b'], ['n'])), 'left 2 containers and 1 network not created by stack: a, b, n');
    assert.equal(leftAloneLine(event(['a'], ['n', 'm'], ['v'])), 'left 1 container, 2 networks and 1 volume not created by stack: a, n, m, v');
  });
  it('is printed by the plain renderer', () => {
    const err = sink();
    plainRenderer({ stdout: sink().stream, stderr: err.stream }).onEvent(event(['demo-x-1']));
    assert.equal(err.text(), '[!] left 1 container not created by stack: demo-x-1\n');
  });
});
