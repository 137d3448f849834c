// The image flags of up/plan and `stack build`, and the build/pull/push commands as the CLI
// registers them (flags and help), without an engine.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addImageFlags, buildArgsFrom, collectBuildArg, imageOptionsFrom, type ImageFlags } from '../../../src/cli/image-flags.js';
import { buildProgram } from '../../../src/cli/program.js';
import { UsageError } from '../../../src/errors.js';

function parseImageFlags(argv: readonly string[]): ImageFlags {
  const cmd = addImageFlags(new Command('up').exitOverride().configureOutput({ writeErr: () => undefined }));
  cmd.parse([...argv], { from: 'user' });
  return cmd.opts<ImageFlags>();
}

function subcommand(name: string): Command {
  const cmd = buildProgram().commands.find((c) => c.name() === name);
  assert.ok(cmd, `stack ${name} is registered`);
  return cmd;
}

describe('up and plan image flags', () => {
  it('--build asks for every build, --no-build for none, and neither leaves the choice to the plan', () => {
    assert.deepEqual(imageOptionsFrom(parseImageFlags(['--build'])), { build: { policy: 'always' } });
    assert.deepEqual(imageOptionsFrom(parseImageFlags(['--no-build'])), { build: { policy: 'never' } });
    assert.deepEqual(imageOptionsFrom(parseImageFlags([])), {});
  });

  it('--pull takes always, missing or never, and refuses anything else', () => {
    assert.deepEqual(imageOptionsFrom(parseImageFlags(['--pull', 'missing'])), { pull: 'missing' });
    assert.throws(() => parseImageFlags(['--pull', 'sometimes']), /invalid|Allowed choices/i);
  });
});

describe('--build-arg', () => {
  it('collects NAME=VALUE in order, the value may hold = signs', () => {
    const values = ['A=1', 'B=x=y'].reduce<string[] | undefined>((acc, v) => collectBuildArg(v, acc), undefined);
    assert.deepEqual({ ...buildArgsFrom(values, {}) }, { A: '1', B: 'x=y' });
  });

  it('NAME alone takes the value from the environment, and is left out when unset', () => {
    assert.deepEqual({ ...buildArgsFrom(['TOKEN', 'UNSET'], { TOKEN: 's3cret' }) }, { TOKEN: 's3cret' });
  });

  it('a missing name is a usage error', () => {
    assert.throws(() => collectBuildArg('=1', undefined), /expected NAME=VALUE or NAME/);
    assert.throws(() => buildArgsFrom(['=1'], {}), (e: unknown) => e instanceof UsageError);
  });

  it('__proto__ as an arg name is an ordinary key', () => {
    const args = buildArgsFrom(['__proto__=1'], {})!;
    assert.equal(Object.getPrototypeOf(args), null);
    assert.equal(args['__proto__'], '1');
  });
});

describe('build, pull and push commands', () => {
  const flags = (name: string) => subcommand(name).options.map((o) => o.long);

  it('stack build takes --no-cache, --pull, --build-arg, -q and --with-dependencies', () => {
    assert.deepEqual(flags('build').sort(), ['--build-arg', '--no-cache', '--pull', '--quiet', '--with-dependencies'].sort());
  });

  it('stack pull takes --ignore-pull-failures, -q and --include-deps', () => {
    for (const f of ['--ignore-pull-failures', '--quiet', '--include-deps']) assert.ok(flags('pull').includes(f), f);
  });

  it('up and plan both take --build, --no-build and --pull', () => {
    for (const name of ['up', 'plan']) for (const f of ['--build', '--no-build', '--pull']) assert.ok(flags(name).includes(f), `${name} ${f}`);
  });

  it('each of build, pull and push has help with examples', () => {
    for (const name of ['build', 'pull', 'push']) {
      let help = '';
      subcommand(name).configureOutput({ writeOut: (s) => (help += s) }).outputHelp();
      assert.match(help, new RegExp(`Examples:\\n[\\s\\S]*stack ${name}`), name);
    }
  });
});
