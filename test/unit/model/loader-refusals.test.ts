// What the loader refuses, or now reads, that it silently got wrong before (issue 12, item 8).
// Each case is one stack file and the problem it must produce (or the model it must give).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadModelText, loadProblems } from '../../helpers/load-text.js';
import { printedService, yaml } from './compose-output.js';

describe('container_name', () => {
  it('two services with one container_name is an error that names both places', async () => {
    const problems = await loadProblems(
      yaml('services:', '  a:', '    image: x', '    container_name: same', '  b:', '    image: x', '    container_name: same'),
    );
    assert.equal(problems.length, 1);
    const [p] = problems;
    assert.equal(p!.path, 'services.b.container_name');
    assert.equal(p!.location?.line, 7);
    assert.match(p!.message, /container name 'same' is also set by service 'a' \(stack\.yaml:4:5\)/);
  });

  it('an empty container_name (a variable that is not set) is an error', async () => {
    const problems = await loadProblems(yaml('services:', '  a:', '    image: x', '    container_name: ${UNSET_NAME}'));
    assert.deepEqual(problems.map((p) => p.path), ['services.a.container_name']);
    assert.match(problems[0]!.message, /container_name is empty/);
  });
});

describe('image', () => {
  it('an empty image (a variable that is not set) is an error', async () => {
    const problems = await loadProblems(yaml('services:', '  a:', '    image: ${UNSET_IMAGE}'));
    assert.deepEqual(problems.map((p) => p.path), ['services.a.image']);
    assert.match(problems[0]!.message, /image is empty/);
  });

  it('an empty image beside a build section is an error too', async () => {
    const problems = await loadProblems(yaml('services:', '  a:', '    image: ""', '    build: .'));
    assert.deepEqual(problems.map((p) => p.path), ['services.a.image']);
  });
});

describe('an empty stack file', () => {
  it('is refused, as Compose refuses it', async () => {
    for (const text of ['', '# only a comment\n', '---\n']) {
      const problems = await loadProblems(text);
      assert.equal(problems.length, 1, JSON.stringify(text));
      assert.match(problems[0]!.message, /empty stack file/);
    }
  });

  it('is accepted under another file that has content (the merged stack is not empty)', async () => {
    const model = await loadModelText(yaml('services:', '  a:', '    image: x'), { files: { 'empty.yaml': '' } });
    assert.deepEqual(Object.keys(model.services), ['a']);
  });
});

describe('service names', () => {
  it('every invalid name is reported, not only the first', async () => {
    const problems = await loadProblems(
      yaml('services:', '  "bad name":', '    image: x', '  "also bad!":', '    image: x', '  good:', '    image: x', '  "Third*":', '    image: x'),
    );
    assert.deepEqual(problems.map((p) => p.path).sort(), ['services["Third*"]', 'services["also bad!"]', 'services["bad name"]']);
    for (const p of problems) assert.match(p.message, /^invalid name/);
  });

  it('invalid names are reported in other sections too, and the number is bounded', async () => {
    const lines = ['services:', '  a:', '    image: x', 'volumes:'];
    for (let i = 0; i < 30; i++) lines.push(`  "v ${i}": {}`);
    const problems = await loadProblems(yaml(...lines));
    assert.equal(problems.length, 10);
    assert.ok(problems.every((p) => p.path?.startsWith('volumes[')));
  });
});

describe('provider services', () => {
  const file = yaml(
    'services:',
    '  db:',
    '    provider:',
    '      type: awesomecloud',
    '      options:',
    '        type: mysql',
    '        size: 256',
    '  web:',
    '    image: x',
    '    depends_on: [db]',
  );

  it('are read into the model: no image or build is needed', async () => {
    const model = await loadModelText(file);
    assert.deepEqual(JSON.parse(JSON.stringify(model.services['db']!.provider)), { type: 'awesomecloud', options: { type: 'mysql', size: '256' } });
  });

  it('print in stack config', async () => {
    const model = await loadModelText(file);
    assert.deepEqual(printedService(model, 'db')['provider'], { type: 'awesomecloud', options: { size: '256', type: 'mysql' } });
  });
});

describe('lifecycle hooks', () => {
  const file = yaml(
    'services:',
    '  a:',
    '    image: x',
    '    pre_start:',
    '      - command: ["sh", "-c", "echo init"]',
    '        image: other',
    '        per_replica: true',
    '    post_start:',
    '      - command: echo started',
    '        user: root',
    '        privileged: "true"',
    '        working_dir: /w/',
    '        environment: [A=1]',
    '    pre_stop:',
    '      - command: ["echo", "bye"]',
  );

  it('pre_start, post_start and pre_stop are read into the model', async () => {
    const s = (await loadModelText(file)).services['a']!;
    assert.deepEqual(JSON.parse(JSON.stringify(s.hooks)), {
      preStart: [{ command: ['sh', '-c', 'echo init'], image: 'other', perReplica: true, environment: {}, privileged: false }],
      postStart: [{ command: ['echo', 'started'], user: 'root', privileged: true, workingDir: '/w', environment: { A: '1' } }],
      preStop: [{ command: ['echo', 'bye'], environment: {}, privileged: false }],
    });
  });

  it('print in stack config', async () => {
    const printed = printedService(await loadModelText(file), 'a');
    assert.deepEqual(printed['post_start'], [{ command: ['echo', 'started'], environment: { A: '1' }, privileged: true, user: 'root', working_dir: '/w' }]);
    assert.deepEqual(printed['pre_stop'], [{ command: ['echo', 'bye'] }]);
    assert.deepEqual(printed['pre_start'], [{ command: ['sh', '-c', 'echo init'], image: 'other', per_replica: true }]);
  });

  it('a hook without a command is a schema error (pre_start may leave it to the image)', async () => {
    const problems = await loadProblems(yaml('services:', '  a:', '    image: x', '    post_start:', '      - user: root'));
    assert.deepEqual(problems.map((p) => p.path), ['services.a.post_start[0]']);
    const model = await loadModelText(yaml('services:', '  a:', '    image: x', '    pre_start:', '      - image: migrate'));
    assert.equal(model.services['a']!.hooks?.preStart[0]!.image, 'migrate');
  });
});
