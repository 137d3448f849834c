// `stack config` prints a stack file that reads back as the same model (issue 12, item 8): a
// literal `$` (written `$$`, or brought in by a variable's value) prints as `$$`, as
// `docker compose config` does, so reading the output does not interpolate it again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelText } from '../../helpers/load-text.js';
import { printedService, reloadPrinted, withoutOrigins, yaml } from './compose-output.js';

const file = yaml(
  'services:',
  '  web:',
  '    image: busybox',
  '    command: ["sh", "-c", "echo $$HOME $${PATH}"]',
  '    environment:',
  '      PRICE: "5$$"',
  '      FROM_VAR: ${WITH_DOLLAR}',
  '    labels:',
  '      com.example.cost: "$$1"',
);
const env = { WITH_DOLLAR: 'a$b' };
// As `stack config --show-secrets` prints it: without the flag, FROM_VAR (from a variable) is `(sensitive)`.
const whole = { showSecrets: true };

test('a literal $ prints as $$', async () => {
  const model = await loadModelText(file, { env });
  const printed = printedService(model, 'web', whole);
  assert.deepEqual(printed['command'], ['sh', '-c', 'echo $$HOME $${PATH}']);
  assert.deepEqual(printed['environment'], { FROM_VAR: 'a$$b', PRICE: '5$$' });
  assert.deepEqual(printed['labels'], { 'com.example.cost': '$$1' });
});

test('the printed stack file reads back as the same service', async () => {
  const model = await loadModelText(file, { env });
  // Read back without the variable: the printed file must not depend on it any more.
  const again = await reloadPrinted(model, {}, whole);
  assert.deepEqual(withoutOrigins(again.services['web']!), withoutOrigins(model.services['web']!));
});
