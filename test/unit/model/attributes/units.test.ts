import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../../../src/model/durations.js';
import { splitShellWords } from '../../../../src/model/shell-words.js';
import { parseSize } from '../../../../src/model/sizes.js';

describe('durations', () => {
  const cases: [string, number][] = [['1m30s', 90e9], ['500ms', 5e8], ['1h', 3600e9], ['1.5s', 1.5e9], ['10us', 1e4], ['2d', 172800e9], ['0', 0], ['1h2m3s4ms', 3723004e6]];
  for (const [text, ns] of cases) it(`'${text}' is ${ns} ns`, () => assert.equal(parseDuration(text), ns));

  it('a number without a unit, or garbage, is an error', () => {
    assert.ok(parseDuration('10') instanceof Error);
    assert.ok(parseDuration('ten seconds') instanceof Error);
    assert.ok(parseDuration('') instanceof Error);
  });

  it('formats back to the shortest text', () => {
    assert.equal(formatDuration(90e9), '1m30s');
    assert.equal(formatDuration(5e8), '500ms');
    assert.equal(formatDuration(0), '0s');
  });
});

describe('sizes', () => {
  const cases: [string | number, number][] = [['1g', 1024 ** 3], ['512m', 512 * 1024 ** 2], ['1gb', 1024 ** 3], ['1GiB', 1024 ** 3], ['100k', 102400], ['1.5g', 1.5 * 1024 ** 3], ['1024', 1024], [2048, 2048], ['10b', 10]];
  for (const [text, bytes] of cases) it(`'${text}' is ${bytes} bytes`, () => assert.equal(parseSize(text), bytes));

  it('garbage is an error', () => {
    assert.ok(parseSize('lots') instanceof Error);
    assert.ok(parseSize('1x') instanceof Error);
    assert.ok(parseSize(-1) instanceof Error);
  });
});

describe('shell words', () => {
  const cases: [string, string[]][] = [
    ['echo hello', ['echo', 'hello']],
    ['  spaced   out  ', ['spaced', 'out']],
    [`sh -c 'echo $HOME'`, ['sh', '-c', 'echo $HOME']],
    [`echo "a b" c`, ['echo', 'a b', 'c']],
    [`echo a\\ b`, ['echo', 'a b']],
    [`echo "say \\"hi\\""`, ['echo', 'say "hi"']],
    [`echo ''`, ['echo', '']],
    [`a"b"c`, ['abc']],
    ['', []],
  ];
  for (const [line, words] of cases) it(`${JSON.stringify(line)} splits into ${JSON.stringify(words)}`, () => assert.deepEqual(splitShellWords(line), words));

  it('an unterminated quote or trailing backslash is an error', () => {
    assert.ok(splitShellWords(`echo "x`) instanceof Error);
    assert.ok(splitShellWords(`echo 'x`) instanceof Error);
    assert.ok(splitShellWords('echo x\\') instanceof Error);
  });
});
