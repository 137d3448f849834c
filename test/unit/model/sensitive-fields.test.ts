// Which fields of a model hold secrets (issue 12, item 10): recorded BY FIELD, as dotted paths
// of the model (`services.web.environment.TOKEN`), not as every value that was interpolated.
//   - an environment entry is sensitive when its value came from outside the stack file (an
//     env_file, a bare `KEY` passed through, an interpolated variable) or its key looks secret;
//   - any field a variable whose name looks secret (TOKEN, PASSWORD, SECRET, KEY...) was
//     interpolated into is sensitive, wherever it is (an image tag too);
//   - a variable with an ordinary name (ROLE, TAG) interpolated elsewhere is not: its value is
//     no secret, and names built from it stay readable.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksSecret } from '../../../src/model/sensitive.js';
import { loadModelText } from '../../helpers/load-text.js';

const IMAGE = 'stack-test/busybox:1';

test('variable names that look secret, and names that do not', () => {
  for (const name of ['TOKEN', 'GITHUB_TOKEN', 'DB_PASSWORD', 'db_pass', 'API_KEY', 'apiKey', 'AWS_SECRET_ACCESS_KEY', 'PRIVATE_KEY', 'SESSION_SECRET', 'DATABASE_DSN', 'REGISTRY_CREDENTIALS']) {
    assert.ok(looksSecret(name), `${name} looks secret`);
  }
  for (const name of ['ROLE', 'TAG', 'PORT', 'LOG_LEVEL', 'MONKEY', 'KEYBOARD_LAYOUT', 'PASSAGE', 'HOME']) {
    assert.ok(!looksSecret(name), `${name} does not look secret`);
  }
});

test('an ordinary variable interpolated into names and tags makes nothing sensitive but its environment entry', async () => {
  const m = await loadModelText(
    [
      'services:',
      '  app:',
      '    image: stack-test/busybox:${TAG}',
      '    container_name: ${ROLE}-main',
      '    command: ["serve", "--role", "${ROLE}"]',
      '    environment:',
      '      ROLE: ${ROLE}',
      '      MODE: production',
      '',
    ].join('\n'),
    { env: { ROLE: 'app', TAG: '1' }, projectName: 'myapp' },
  );
  assert.deepEqual(m.sensitivePaths, ['services.app.environment.ROLE']);
  assert.ok(!m.secretValues.includes('app'), '"app" is no secret to hunt for in names');
  assert.ok(!m.secretValues.includes('1'));
});

test('a secret-named variable makes every field it went into sensitive, the image tag included', async () => {
  const m = await loadModelText(
    [
      'services:',
      '  app:',
      '    image: stack-test/busybox:${DEPLOY_TOKEN}',
      '    command: ["serve", "--token=${DEPLOY_TOKEN}"]',
      '    environment:',
      '      OTHER: plain',
      '',
    ].join('\n'),
    { env: { DEPLOY_TOKEN: 'tok-5a5a5a5a' } },
  );
  assert.deepEqual(m.sensitivePaths, ['services.app.command', 'services.app.image']);
  assert.deepEqual(m.secretValues, ['tok-5a5a5a5a']);
});

test('environment entries from an env_file, passed through, or with a secret-looking key are sensitive by field', async () => {
  const m = await loadModelText(
    [
      'services:',
      '  app:',
      `    image: ${IMAGE}`,
      '    env_file: app.env',
      '    environment:',
      '      - FROM_SHELL',
      '      - DB_PASSWORD=literal-in-file',
      '      - OVERRIDDEN=literal',
      '      - PLAIN=visible',
      '',
    ].join('\n'),
    { env: { FROM_SHELL: 'shell-value' }, files: { 'app.env': 'FROM_FILE=app\nOVERRIDDEN=from-file\n' } },
  );
  assert.deepEqual(m.sensitivePaths, [
    'services.app.environment.DB_PASSWORD',
    'services.app.environment.FROM_FILE',
    'services.app.environment.FROM_SHELL',
  ]);
  // Values from an env file are hidden where they are (by field), not hunted for everywhere.
  assert.ok(!m.secretValues.includes('app'));
  assert.ok(m.secretValues.includes('literal-in-file'), 'a value under a secret-looking key is a secret');
  assert.ok(m.sensitiveValues.includes('app') && m.sensitiveValues.includes('shell-value'), 'error messages still never show them');
});

test('inline secret and config contents are sensitive', async () => {
  const m = await loadModelText(
    [
      'services:',
      '  app:',
      `    image: ${IMAGE}`,
      'secrets:',
      '  api:',
      '    environment: API_VALUE',
      'configs:',
      '  conf:',
      '    content: "inline-config-text"',
      '',
    ].join('\n'),
    { env: { API_VALUE: 'from-the-environment' } },
  );
  assert.ok(m.secretValues.includes('inline-config-text'));
  assert.ok(m.secretValues.includes('from-the-environment'));
  assert.ok(m.sensitivePaths.includes('configs.conf.content'));
});
