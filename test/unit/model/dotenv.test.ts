// .env table: each case is the result compose-go's dotenv gives (godotenv_test.go,
// parser_test.go, godotenv_var_expansion_test.go), plus the two documented differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDotenv } from '../../../src/model/dotenv.js';
import { StackFileError } from '../../../src/errors.js';

function parse(text: string, env: Record<string, string> = {}): Record<string, string> {
  return parseDotenv(text, '.env', (n) => (Object.prototype.hasOwnProperty.call(env, n) ? env[n] : undefined));
}

// [input, key, expected value]
const values: ReadonlyArray<readonly [string, string, string]> = [
  ['FOO=bar', 'FOO', 'bar'],
  ['FOO =bar', 'FOO', 'bar'],
  ['FOO= bar', 'FOO', 'bar'],
  ['FOO="bar"', 'FOO', 'bar'],
  ["FOO='bar'", 'FOO', 'bar'],
  ['FOO="escaped\\"bar"', 'FOO', 'escaped"bar'],
  ['FOO="\\"quoted\\""', 'FOO', '"quoted"'],
  [`FOO="'d'"`, 'FOO', "'d'"],
  ['OPTION_A: 1', 'OPTION_A', '1'],
  ['OPTION_A: Foo=bar', 'OPTION_A', 'Foo=bar'],
  ['OPTION_A=1:B', 'OPTION_A', '1:B'],
  ['export OPTION_A=2', 'OPTION_A', '2'],
  ["export OPTION_B='\\n'", 'OPTION_B', '\\n'],
  ['export exportFoo=2', 'exportFoo', '2'],
  ['exportFOO=2', 'exportFOO', '2'],
  ['export_FOO =2', 'export_FOO', '2'],
  ['export.FOO= 2', 'export.FOO', '2'],
  ['export\tOPTION_A=2', 'OPTION_A', '2'],
  ['  export OPTION_A=2', 'OPTION_A', '2'],
  ['\texport OPTION_A=2', 'OPTION_A', '2'],
  ['export OPTION_A="export A"', 'OPTION_A', 'export A'],
  ['FOO="bar\\nbaz"', 'FOO', 'bar\nbaz'],
  ['FOO=a\\tb', 'FOO', 'a\\tb'],
  ['FOO="a\\tb"', 'FOO', 'a\tb'],
  ['KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"', 'KEY', 'Z\u0007Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ'],
  ['FOO.BAR=foobar', 'FOO.BAR', 'foobar'],
  ['FOO=foobar=', 'FOO', 'foobar='],
  ['FOO=bar ', 'FOO', 'bar'],
  ['FOO=bar # this is foo', 'FOO', 'bar'],
  ['FOO=bar #this is foo', 'FOO', 'bar'],
  ['FOO=bar #', 'FOO', 'bar'],
  ['FOO=123#not-an-inline-comment', 'FOO', '123#not-an-inline-comment'],
  ['FOO="bar#baz"', 'FOO', 'bar#baz'],
  ['FOO="bar#baz"#', 'FOO', 'bar#baz'],
  ['FOO="bar#baz" # comment', 'FOO', 'bar#baz'],
  ["FOO='bar#baz' # comment", 'FOO', 'bar#baz'],
  ['FOO="bar#baz#bang" # comment', 'FOO', 'bar#baz#bang'],
  ['FOO="ba#r"', 'FOO', 'ba#r'],
  ["FOO='ba#r'", 'FOO', 'ba#r'],
  ['FOO="bar\\n\\ b\\az"', 'FOO', 'bar\n\\ b\u0007z'],
  ['FOO="bar\\\\\\n\\ b\\az"', 'FOO', 'bar\\\n\\ b\u0007z'],
  ['FOO="bar\\\\r\\ b\\az"', 'FOO', 'bar\\r\\ b\u0007z'],
  ['FOO="bar\\nbaz\\\\"', 'FOO', 'bar\nbaz\\'],
  [' KEY =value', 'KEY', 'value'],
  ['   KEY=value', 'KEY', 'value'],
  ['\tKEY=value', 'KEY', 'value'],
  ['KEY="\\0123"', 'KEY', 'S'],
  ['KEY="\\x07"', 'KEY', '\\x07'],
  ['KEY="\\u12e4"', 'KEY', '\\u12e4'],
  ['KEY="\\U00101234"', 'KEY', '\\U00101234'],
  ['a[1]=c', 'a[1]', 'c'],
  ['a.propertyKey=d', 'a.propertyKey', 'd'],
  ['árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép', 'árvíztűrő-TÜKÖRFÚRÓGÉP', 'ÁRVÍZTŰRŐ-tükörfúrógép'],
  ['VAR-WITH-DASHES=dashes', 'VAR-WITH-DASHES', 'dashes'],
  ['FOO=', 'FOO', ''],
  ['FOO=\nBAR=x', 'FOO', ''],
  ['FOO=#bar', 'FOO', '#bar'],
  ['FOO=a\tb # c', 'FOO', 'a\tb'],
  ['FOO=value\r\nBAR=other\r\n', 'FOO', 'value'],
  ['\uFEFFFOO=bom', 'FOO', 'bom'],
  ['# comment\n\t # indented comment\n\nFOO=after', 'FOO', 'after'],
  ['TEST_URLS="stratum+tcp://a:3333\nstratum+tcp://b:443"', 'TEST_URLS', 'stratum+tcp://a:3333\nstratum+tcp://b:443'],
  ["FOO='line one\nline two'", 'FOO', 'line one\nline two'],
  ["FOO='it\\'s'", 'FOO', "it's"],
  // interpolation
  ['FOO=test\nBAR=$FOO', 'BAR', 'test'],
  ['FOO=test\nBAR=${FOO}bar', 'BAR', 'testbar'],
  ['BAR=$FOO', 'BAR', ''],
  ['FOO=test\nBAR="quote $FOO"', 'BAR', 'quote test'],
  ["BAR='quote $FOO'", 'BAR', 'quote $FOO'],
  ['FOO="foo\\$BAR"', 'FOO', 'foo$BAR'],
  ['FOO="foo\\${BAR}"', 'FOO', 'foo${BAR}'],
  ['FOO=test\nBAR="foo\\${FOO} ${FOO}"', 'BAR', 'foo${FOO} test'],
  ['FOO=$$literal', 'FOO', '$literal'],
  ['RESULT=${UNSET_VAR:-Default Value}', 'RESULT', 'Default Value'],
  ['EMPTY_VAR=\nRESULT=${EMPTY_VAR:-Default Value}', 'RESULT', 'Default Value'],
  ['EMPTY_VAR=\nRESULT=${EMPTY_VAR-Default Value}', 'RESULT', ''],
  ['RESULT=${UNSET_VAR-Default Value}', 'RESULT', 'Default Value'],
  ['EMPTY_VAR=\nRESULT=${EMPTY_VAR?Test error}', 'RESULT', ''],
];

for (const [input, key, expected] of values) {
  test(`${JSON.stringify(input)} gives ${key}=${JSON.stringify(expected)}`, () => {
    const env = parse(input);
    assert.ok(Object.prototype.hasOwnProperty.call(env, key), `key ${key} missing in ${JSON.stringify(env)}`);
    assert.equal(env[key], expected);
  });
}

test('the environment wins over keys defined earlier in the file when interpolating', () => {
  const env = parse('OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_D=${OPTION_A}_${OPTION_B}', { OPTION_A: '5' });
  assert.equal(env.OPTION_A, '1');
  assert.equal(env.OPTION_B, '5');
  assert.equal(env.OPTION_D, '5_5');
});

test('a key alone on its line takes its value from the environment', () => {
  const env = parse('INHERITED\nfoo=bar', { INHERITED: 'from-shell' });
  assert.deepEqual({ ...env }, { INHERITED: 'from-shell', foo: 'bar' });
});

test('a key alone is left out when the environment does not set it', () => {
  const env = parse('NOT_FOUND\nfoo=bar');
  assert.equal(Object.prototype.hasOwnProperty.call(env, 'NOT_FOUND'), false);
});

test('a key alone on the last line without a newline is inherited too (compose-go differs)', () => {
  assert.equal(parse('A=1\nLAST', { LAST: 'x' }).LAST, 'x');
});

test('the result is a null-prototype record where __proto__ is an ordinary key', () => {
  const env = parse('__proto__=polluted\nconstructor=c\nprototype=p');
  assert.equal(Object.getPrototypeOf(env), null);
  assert.equal(env.__proto__, 'polluted');
  assert.equal(env.constructor, 'c');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

function assertError(text: string, message: RegExp, line?: number): void {
  assert.throws(
    () => parse(text),
    (e: unknown) => {
      assert.ok(e instanceof StackFileError, `expected a StackFileError, got ${String(e)}`);
      const p = e.problems[0]!;
      assert.match(p.message, message);
      assert.equal(p.location?.file, '.env');
      if (line !== undefined) assert.equal(p.location?.line, line);
      return true;
    },
  );
}

for (const text of ['KEY="', 'KEY="value', 'KEY="value\\"', `KEY="value'`, "KEY='", "KEY='value", "KEY='value\\'", `KEY='value"`]) {
  test(`${JSON.stringify(text)} is an unterminated quoted value`, () => assertError(text, /unterminated quoted value/, 1));
}

test('a character that cannot be in a name is an error with its line', () => {
  assertError('A=1\n\nlol$wut', /unexpected character "\$" in variable name "lol\$wut"/, 3);
});

test('a name like "%!(EXTRA string)" is refused', () => assertError('%!(EXTRA string)=foo', /unexpected character "%"/, 1));

test('a space inside a name is an error', () => assertError('A=1\nFOO BAR=1', /cannot contain a space/, 2));

test('an empty name is an error (compose-go accepts it; the engine would not)', () => assertError('="value"', /empty variable name/, 1));

test('a required variable without a value stops with its message and line', () => {
  assertError('A=1\nRESULT=${UNSET_VAR:?Test error}', /required variable UNSET_VAR is missing a value: Test error/, 2);
});

test('unset variables referenced in values are reported once each', () => {
  const missing: string[] = [];
  parseDotenv('A=$X\nB="${Y}"\nC=${Z:-z}', '.env', () => undefined, { onMissing: (n) => missing.push(n) });
  assert.deepEqual(missing, ['X', 'Y']);
});
