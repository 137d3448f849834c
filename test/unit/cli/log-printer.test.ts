import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogPrinter, colourIndex, prefixLabel } from '../../../src/cli/log-printer.js';
import type { LogLine, LogSource } from '../../../src/engine/logs.js';
import { paint } from '../../../src/cli/style.js';

function sink(isTTY = false) {
  let text = '';
  return { isTTY, write: (s: string) => ((text += s), true), get text() { return text; } } as unknown as NodeJS.WritableStream & { isTTY?: boolean; text: string };
}
const src = (service: string, number: number, extra: Partial<LogSource> = {}): LogSource => ({
  containerId: `${service}${number}`,
  containerName: `demo-${service}-${number}`,
  service,
  number,
  oneoff: false,
  ...extra,
});
const line = (source: LogSource, text: string, timestamp = '2026-11-23T18:22:39.000000001Z'): LogLine => ({ source, stream: 'stdout', text, timestamp });

function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  try { fn(); } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

test('without a TTY, lines are plain, prefixed with service-number and padded to one width', () => {
  const out = sink(false);
  const p = new LogPrinter({ out });
  p.reserve(['worker-1']);
  p.line(line(src('web', 1), 'hello'));
  p.line(line(src('worker', 1), 'working'));
  assert.equal(out.text, 'web-1    | hello\nworker-1 | working\n');
  assert.ok(!out.text.includes('\u001b'));
});

test('on a TTY each service gets a colour that does not change between runs', () => {
  withEnv({ NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm' }, () => {
    const out = sink(true);
    const p = new LogPrinter({ out });
    p.line(line(src('web', 1), 'a'));
    p.line(line(src('web', 2), 'b'));
    const [first, second] = out.text.split('\n');
    const colourOf = (s: string) => /^\u001b\[(\d+)m/.exec(s)?.[1];
    assert.ok(colourOf(first!), 'coloured');
    assert.equal(colourOf(first!), colourOf(second!), 'replicas of one service share a colour');
    assert.equal(colourIndex('web'), colourIndex('web'));
  });
});

test('NO_COLOR keeps a TTY plain', () => {
  withEnv({ NO_COLOR: '1', FORCE_COLOR: undefined }, () => {
    const out = sink(true);
    new LogPrinter({ out }).line(line(src('web', 1), 'x'));
    assert.equal(out.text, 'web-1 | x\n');
  });
});

test('--no-log-prefix prints the bare text and -t adds the engine timestamp', () => {
  const out = sink(false);
  new LogPrinter({ out, prefix: false, timestamps: true, painter: paint({ isTTY: false }) }).line(line(src('web', 1), 'x'));
  assert.equal(out.text, '2026-11-23T18:22:39.000000001Z x\n');
});

test('one-off containers are shown under their own name', () => {
  assert.equal(prefixLabel(src('web', 1, { oneoff: true, containerName: 'demo-web-run-0123456789ab' })), 'demo-web-run-0123456789ab');
});
