import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadProblems, loadText } from '../../../helpers/load-text.js';
import { printedService, reloadPrinted, withoutOrigins, yaml } from '../compose-output.js';

const rulesOf = async (rules: string[], options: Parameters<typeof loadModelText>[1] = {}) =>
  (await loadModelText(yaml('services:', '  a:', '    build: .', '    develop:', '      watch:', ...rules.map((l) => `        ${l}`)), options)).services['a']!.watch;

describe('develop.watch: rules', () => {
  it('a rule gets an absolute path and its defaults', async () => {
    const { model, dir } = await loadText(yaml('services:', '  a:', '    build: .', '    develop:', '      watch:', '        - path: ./src', '          action: sync', '          target: /app/src'));
    const rule = model.services['a']!.watch[0]!;
    assert.deepEqual([rule.action, rule.path, rule.target, [...rule.ignore], [...rule.include], rule.initialSync, rule.exec], ['sync', `${dir}/src`, '/app/src', [], [], false, undefined]);
  });

  it('paths resolve against the project directory; ~ is the home directory; absolute paths are kept', async () => {
    const { model, dir } = await loadText(
      yaml('services:', '  a:', '    build: .', '    develop:', '      watch:', '        - {path: package.json, action: rebuild}', '        - {path: ~/shared, action: restart}', '        - {path: /etc/app, action: restart}'),
      { env: { HOME: '/home/dev' } },
    );
    assert.deepEqual(model.services['a']!.watch.map((r) => r.path), [`${dir}/package.json`, '/home/dev/shared', '/etc/app']);
  });

  it('every action is read; rebuild and restart need no target', async () => {
    const rules = await rulesOf([
      '- {path: a, action: sync, target: /a}',
      '- {path: b, action: rebuild}',
      '- {path: c, action: restart}',
      '- {path: d, action: sync+restart, target: /d}',
      '- {path: e, action: sync+exec, target: /e, exec: {command: "true"}}',
    ]);
    assert.deepEqual(rules.map((r) => r.action), ['sync', 'rebuild', 'restart', 'sync+restart', 'sync+exec']);
  });

  it('ignore and include take a string or a list', async () => {
    const [one, many] = await rulesOf([
      '- {path: ., action: rebuild, ignore: node_modules/, include: "*.go"}',
      '- {path: ., action: rebuild, ignore: [node_modules/, .git/], include: ["*.go", go.mod]}',
    ]);
    assert.deepEqual([[...one!.ignore], [...one!.include]], [['node_modules/'], ['*.go']]);
    assert.deepEqual([[...many!.ignore], [...many!.include]], [['node_modules/', '.git/'], ['*.go', 'go.mod']]);
  });

  it('initial_sync reads true, interpolated strings, and the deprecated x-initialSync with a warning', async () => {
    const model = await loadModelText(
      yaml('services:', '  a:', '    build: .', '    develop:', '      watch:', '        - {path: a, action: sync, target: /a, initial_sync: true}', '        - {path: b, action: sync, target: /b, initial_sync: "${SYNC}"}', '        - {path: c, action: sync, target: /c, x-initialSync: true}'),
      { env: { SYNC: 'yes' } },
    );
    assert.deepEqual(model.services['a']!.watch.map((r) => r.initialSync), [true, true, true]);
    assert.deepEqual(model.warnings.map((w) => [w.path, w.message]), [['services.a.develop.watch[2].x-initialSync', 'x-initialSync is deprecated: use initial_sync']]);
  });

  it('path and target are interpolated', async () => {
    const { model, dir } = await loadText(yaml('services:', '  a:', '    build: .', '    develop:', '      watch:', '        - {path: "${SRC:-src}", action: sync, target: "${DEST}"}'), { env: { DEST: '/srv' } });
    assert.deepEqual([model.services['a']!.watch[0]!.path, model.services['a']!.watch[0]!.target], [`${dir}/src`, '/srv']);
  });

  it('x-* extensions of a rule are kept for the watch step (stack reads x-stack-*)', async () => {
    const [rule] = await rulesOf(['- {path: ., action: rebuild, x-stack-poll: true}']);
    assert.deepEqual({ ...rule!.extensions }, { 'x-stack-poll': true });
  });

  it('each rule records where it was written, for the watch step to point at', async () => {
    const rules = await rulesOf(['- path: a', '  action: rebuild', '- path: b', '  action: restart']);
    assert.deepEqual(rules.map((r) => ({ ...r.origin })), [
      { path: 'services.a.develop.watch[0]', location: { file: 'stack.yaml', line: 6, col: 11 } },
      { path: 'services.a.develop.watch[1]', location: { file: 'stack.yaml', line: 8, col: 11 } },
    ]);
  });

  it('develop without watch, or null, has no rules', async () => {
    const model = await loadModelText(yaml('services:', '  a:', '    image: x', '    develop:', '  b:', '    image: x', '    develop: {x-note: 1}'));
    assert.deepEqual([model.services['a']!.watch.length, model.services['b']!.watch.length], [0, 0]);
  });

  it("an included file's watch paths resolve against its own directory", async () => {
    const { model, dir } = await loadText(yaml('include: [sub/stack.yaml]'), {
      files: { 'sub/stack.yaml': yaml('services:', '  b:', '    build: .', '    develop:', '      watch: [{path: ./src, action: rebuild}]') },
    });
    assert.equal(model.services['b']!.watch[0]!.path, `${dir}/sub/src`);
  });
});

describe('develop.watch: exec', () => {
  it('a string command is split into words; a list is kept', async () => {
    const rules = await rulesOf([
      '- {path: a, action: sync+exec, target: /a, exec: {command: "kill -HUP 1"}}',
      '- {path: b, action: sync+exec, target: /b, exec: {command: [sh, -c, "echo hi"]}}',
    ]);
    assert.deepEqual(rules.map((r) => [...r.exec!.command]), [['kill', '-HUP', '1'], ['sh', '-c', 'echo hi']]);
  });

  it('user, privileged, working_dir and environment are read; the defaults leave them to the service', async () => {
    const [full, bare] = await rulesOf([
      '- path: a',
      '  action: sync+exec',
      '  target: /a',
      '  exec: {command: reload, user: root, privileged: "true", working_dir: /app, environment: [MODE=dev]}',
      '- {path: b, action: sync+exec, target: /b, exec: {command: reload}}',
    ]);
    assert.deepEqual({ ...full!.exec!, command: [...full!.exec!.command], environment: { ...full!.exec!.environment } }, {
      command: ['reload'],
      user: 'root',
      privileged: true,
      workingDir: '/app',
      environment: { MODE: 'dev' },
    });
    assert.deepEqual({ ...bare!.exec!, command: [...bare!.exec!.command], environment: { ...bare!.exec!.environment } }, { command: ['reload'], privileged: false, environment: {} });
  });

  it('exec environment takes the map form, and a bare key from the variables (sensitive; dropped when unset)', async () => {
    const model = await loadModelText(
      yaml('services:', '  a:', '    build: .', '    develop:', '      watch:', '        - path: a', '          action: sync+exec', '          target: /a', '          exec:', '            command: reload', '            environment: {N: 1, TOKEN: null, UNSET: null}'),
      { env: { TOKEN: 'tok-9' } },
    );
    assert.deepEqual({ ...model.services['a']!.watch[0]!.exec!.environment }, { N: '1', TOKEN: 'tok-9' });
    assert.ok(model.sensitiveValues.includes('tok-9'));
  });

  it('exec on another action is kept but warned about', async () => {
    const model = await loadModelText(yaml('services:', '  a:', '    build: .', '    develop:', '      watch:', '        - {path: a, action: sync, target: /a, exec: {command: reload}}'));
    assert.deepEqual(model.warnings.map((w) => w.path), ['services.a.develop.watch[0].exec']);
    assert.deepEqual([...model.services['a']!.watch[0]!.exec!.command], ['reload']);
  });
});

describe('develop.watch: errors', () => {
  it('each sync action without a target is an error at its rule', async () => {
    const problems = await loadProblems(
      yaml('services:', '  a:', '    build: .', '    develop:', '      watch:', '        - {path: ., action: sync}', '        - {path: ., action: sync+restart}', '        - {path: ., action: sync+exec, exec: {command: x}}'),
    );
    assert.deepEqual(problems.map((p) => [p.path, p.location?.line]), [
      ['services.a.develop.watch[0]', 6],
      ['services.a.develop.watch[1]', 7],
      ['services.a.develop.watch[2]', 8],
    ]);
    assert.match(problems[1]!.message, /a 'sync\+restart' rule needs a 'target'/);
  });

  it('sync+exec without exec is an error', async () => {
    await expectProblem(yaml('services:', '  a:', '    image: x', '    develop:', '      watch:', '        - {path: ., action: sync+exec, target: /app}'), 'services.a.develop.watch[0]', "a 'sync+exec' rule needs 'exec.command'");
  });

  it('exec without command is a schema error', async () => {
    await expectProblem(yaml('services:', '  a:', '    image: x', '    develop:', '      watch:', '        - {path: ., action: sync+exec, target: /app, exec: {user: root}}'), 'services.a.develop.watch[0].exec', "missing required key 'command'");
  });

  it('a misspelt exec key is an error with a suggestion', async () => {
    await expectProblem(yaml('services:', '  a:', '    image: x', '    develop:', '      watch:', '        - {path: ., action: sync+exec, target: /app, exec: {command: x, working-dir: /}}'), 'services.a.develop.watch[0].exec.working-dir', "did you mean 'working_dir'");
  });

  it('an unknown action is an error with a suggestion', async () => {
    await expectProblem(yaml('services:', '  a:', '    image: x', '    develop:', '      watch:', '        - {path: ., action: synk}'), 'services.a.develop.watch[0].action', "did you mean 'sync'");
  });

  it('a rule without path is an error', async () => {
    await expectProblem(yaml('services:', '  a:', '    image: x', '    develop:', '      watch:', '        - {action: rebuild}'), 'services.a.develop.watch[0]', "missing required key 'path'");
  });

  it('a key that is not an attribute nor an x- extension is an error', async () => {
    await expectProblem(yaml('services:', '  a:', '    image: x', '    develop:', '      watch:', '        - {path: ., action: rebuild, poll: true}'), 'services.a.develop.watch[0].poll', "unknown key 'poll'");
  });
});

describe('develop.watch: stack config', () => {
  it('stack config prints the rules in long form', async () => {
    const { model, dir } = await loadText(
      yaml('services:', '  a:', '    build: .', '    develop:', '      watch:', '        - {path: src, action: sync+exec, target: /app, ignore: tmp/, initial_sync: true, exec: {command: "kill -HUP 1", environment: [A=1]}, x-stack-poll: true}'),
    );
    assert.deepEqual(printedService(model, 'a')['develop'], {
      watch: [{ action: 'sync+exec', exec: { command: ['kill', '-HUP', '1'], environment: { A: '1' } }, ignore: ['tmp/'], initial_sync: true, path: `${dir}/src`, target: '/app', 'x-stack-poll': true }],
    });
  });

  it('the printed rules load again to the same rules', async () => {
    const model = await loadModelText(
      yaml(
        'services:',
        '  a:',
        '    build: .',
        '    develop:',
        '      watch:',
        '        - {path: src, action: sync, target: /app, ignore: [a, b], include: "*.js", initial_sync: true}',
        '        - {path: Dockerfile, action: rebuild}',
        '        - {path: conf, action: sync+exec, target: /etc/app, exec: {command: [reload, now], user: app, privileged: true, working_dir: /w, environment: {K: v}}}',
        '        - {path: lib, action: sync+restart, target: /lib, x-stack-note: n}',
      ),
    );
    const again = await reloadPrinted(model);
    assert.deepEqual(withoutOrigins(again.services['a']!), withoutOrigins(model.services['a']!));
  });
});
