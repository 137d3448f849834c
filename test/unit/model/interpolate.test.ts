// Interpolation table: each case is Compose's own result (compose-go template_test.go and
// the Compose Specification), with FOO="first", BAR="" (set but empty), everything else unset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { substitute, TemplateError } from '../../../src/model/interpolate.js';

const vars: Record<string, string> = { FOO: 'first', BAR: '', lower: 'low', A_1: 'a1' };
const lookup = (name: string): string | undefined => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined);

const results: ReadonlyArray<readonly [string, string]> = [
  // literal text and escapes
  ['foo', 'foo'],
  ['$${foo}', '${foo}'],
  ['$$FOO', '$FOO'],
  ['$$$FOO', '$first'],
  ['a $ string', 'a $ string'],
  ['^REGEX$', '^REGEX$'],
  ['$}', '$}'],
  ['$', '$'],
  ['$1', '$1'],
  ['price: 5$', 'price: 5$'],
  ['$-x', '$-x'],
  // plain references
  ['$FOO', 'first'],
  ['${FOO}', 'first'],
  ['$FOO-bar', 'first-bar'],
  ['$FOO.bar', 'first.bar'],
  ['${FOO}${FOO}', 'firstfirst'],
  ['$lower', 'low'],
  ['${A_1}x', 'a1x'],
  ['$A_1x', ''],
  ['This ${missing} var', 'This  var'],
  ['This ${BAR} var', 'This  var'],
  ['This $FOO var', 'This first var'],
  ['This ${FOO} var', 'This first var'],
  // defaults
  ['ok ${missing:-def}', 'ok def'],
  ['ok ${missing-def}', 'ok def'],
  ['ok ${BAR:-def}', 'ok def'],
  ['ok ${FOO:-def}', 'ok first'],
  ['ok ${BAR-def}', 'ok '],
  ['ok ${FOO-def}', 'ok first'],
  ['ok ${BAR:-/non:-alphanumeric}', 'ok /non:-alphanumeric'],
  ['${missing:-}', ''],
  ['${missing:-a b c}', 'a b c'],
  ['${FOO:-a}}', 'first}'],
  // alternatives
  ['ok ${UNSET_VAR:+presence_value}', 'ok '],
  ['ok ${UNSET_VAR+presence_value}', 'ok '],
  ['ok ${FOO:+presence_value}', 'ok presence_value'],
  ['ok ${FOO+presence_value}', 'ok presence_value'],
  ['ok ${BAR+presence_value}', 'ok presence_value'],
  ['ok ${BAR:+presence_value}', 'ok '],
  // operators in surrounding text do not interfere
  ['-ok ${BAR:-defaultValue}', '-ok defaultValue'],
  ['+ok ${UNSET:-${BAR-defaultValue}}', '+ok '],
  ['-ok ${FOO:-defaultValue}', '-ok first'],
  [':-ok ${UNSET-defaultValue}', ':-ok defaultValue'],
  [':-ok ${BAR-defaultValue}', ':-ok '],
  [':?ok ${BAR-defaultValue}', ':?ok '],
  [':?ok ${BAR:-defaultValue}', ':?ok defaultValue'],
  [':+ok ${BAR:-defaultValue}', ':+ok defaultValue'],
  ['+ok ${BAR-defaultValue}', '+ok '],
  ['?ok ${BAR:-defaultValue}', '?ok defaultValue'],
  // nested references in defaults
  ['ok ${UNSET_VAR-$FOO}', 'ok first'],
  ['ok ${UNSET_VAR-${FOO}}', 'ok first'],
  ['ok ${UNSET_VAR-${FOO} ${FOO}}', 'ok first first'],
  ['ok ${BAR:-$FOO}', 'ok first'],
  ['ok ${BAR:-${FOO}}', 'ok first'],
  ['ok ${BAR:-${FOO} ${FOO}}', 'ok first first'],
  ['ok ${BAR+$FOO}', 'ok first'],
  ['ok ${BAR+$FOO ${FOO:+second}}', 'ok first second'],
  ['${A:-${B:-x}}', 'x'],
  ['${A:-${B:-${FOO}}}', 'first'],
  ['${A:-${B:-x}} and ${FOO}', 'x and first'],
  // required values that are present
  ['ok ${FOO:?err}', 'ok first'],
  ['ok ${FOO?err}', 'ok first'],
  ['ok ${BAR?err}', 'ok '],
  // precedence: the operator right after the name decides
  ['${UNSET_VAR-myerror?msg}', 'myerror?msg'],
  ['${FOO?bar-baz}', 'first'],
  ['${BAR:-default_value_for_empty_var}', 'default_value_for_empty_var'],
  ['${UNSET_VAR-default_value_for_unset_var}', 'default_value_for_unset_var'],
  // an unused default is never evaluated, so its errors do not count
  ['${FOO:-${UNSET:?never}}', 'first'],
];

for (const [template, expected] of results) {
  test(`"${template}" interpolates to "${expected}"`, () => {
    assert.equal(substitute(template, lookup), expected);
  });
}

const invalid = ['${', '${}', '${ }', '${ foo}', '${foo }', '${foo!}', 'x ${1abc}', '${FOO:-no closing brace'];
for (const template of invalid) {
  test(`"${template}" is an invalid interpolation`, () => {
    assert.throws(
      () => substitute(template, lookup),
      (e: unknown) => e instanceof TemplateError && e.kind === 'invalid' && /invalid interpolation format/.test(e.message),
    );
  });
}

const required: ReadonlyArray<readonly [string, string]> = [
  ['not ok ${UNSET_VAR:?Mandatory Variable Unset}', 'required variable UNSET_VAR is missing a value: Mandatory Variable Unset'],
  ['not ok ${BAR:?Mandatory Variable Empty}', 'required variable BAR is missing a value: Mandatory Variable Empty'],
  ['not ok ${UNSET_VAR:?}', 'required variable UNSET_VAR is missing a value'],
  ['not ok ${UNSET_VAR?Mandatory Variable Unset}', 'required variable UNSET_VAR is missing a value: Mandatory Variable Unset'],
  ['not ok ${UNSET_VAR?}', 'required variable UNSET_VAR is missing a value'],
  ['not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}', 'required variable UNSET_VAR is missing a value: Mandatory Variable first'],
  ['not ok ${UNSET_VAR?Mandatory Variable ${FOO}}', 'required variable UNSET_VAR is missing a value: Mandatory Variable first'],
  ['${UNSET_VAR?bar-baz}', 'required variable UNSET_VAR is missing a value: bar-baz'],
];
for (const [template, message] of required) {
  test(`"${template}" stops with "${message}"`, () => {
    assert.throws(
      () => substitute(template, lookup),
      (e: unknown) => e instanceof TemplateError && e.kind === 'required' && e.message === message,
    );
  });
}

test('an unset variable without a default is reported to onMissing, once per reference', () => {
  const missing: string[] = [];
  assert.equal(substitute('$NOPE-${NOPE}-${NOPE:-d}', lookup, { onMissing: (n) => missing.push(n) }), '--d');
  assert.deepEqual(missing, ['NOPE', 'NOPE']);
});

test('every substituted non-empty value is reported to onValue, defaults are not', () => {
  const seen: string[] = [];
  substitute('${FOO} ${BAR} ${X:-literal}', lookup, { onValue: (_n, v) => seen.push(v) });
  assert.deepEqual(seen, ['first']);
});

test('a variable named __proto__ is looked up like any other name', () => {
  const table: Record<string, string> = Object.create(null);
  table.__proto__ = 'p';
  const l = (n: string) => (Object.prototype.hasOwnProperty.call(table, n) ? table[n] : undefined);
  assert.equal(substitute('${__proto__}/${constructor:-c}/$prototype', l), 'p/c/');
  assert.equal(({} as Record<string, unknown>).p, undefined);
});
