// The global and up/plan options turned into load, connect and reconcile options.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commandContext, parseScale, reconcileOptionsFrom, resolveProgressMode } from '../../../src/cli/context.js';
import { UsageError } from '../../../src/errors.js';

const environment = (env: Record<string, string | undefined> = {}, isTTY = false) => ({ cwd: '/work/p', env, stdout: { isTTY } });

describe('progress mode', () => {
  it('is the live view in an interactive terminal', () => {
    assert.equal(resolveProgressMode('auto', { isTTY: true }, {}), 'tty');
  });
  it('is plain lines when stdout is not a terminal', () => {
    assert.equal(resolveProgressMode('auto', { isTTY: false }, {}), 'plain');
  });
  it('is plain lines in CI even in a terminal', () => {
    assert.equal(resolveProgressMode('auto', { isTTY: true }, { CI: 'true' }), 'plain');
    assert.equal(resolveProgressMode('auto', { isTTY: true }, { GITHUB_ACTIONS: 'true' }), 'plain');
  });
  it('treats CI=false as not CI', () => {
    assert.equal(resolveProgressMode('auto', { isTTY: true }, { CI: 'false' }), 'tty');
  });
  it('keeps an explicit choice', () => {
    assert.equal(resolveProgressMode('json', { isTTY: true }, {}), 'json');
    assert.equal(resolveProgressMode('tty', { isTTY: false }, { CI: '1' }), 'tty');
  });
});

describe('command context', () => {
  it('passes files, project, profiles, env files and selected services to the loader', () => {
    const ctx = commandContext(
      { file: ['a.yaml', 'b.yaml'], projectName: 'demo', profile: ['dev'], envFile: ['x.env'], color: true, progress: 'auto' },
      ['web'],
      environment(),
    );
    assert.deepEqual(ctx.load.files, ['a.yaml', 'b.yaml']);
    assert.equal(ctx.load.projectName, 'demo');
    assert.deepEqual(ctx.load.profiles, ['dev']);
    assert.deepEqual(ctx.load.envFiles, ['x.env']);
    assert.deepEqual(ctx.load.services, ['web']);
    assert.equal(ctx.load.cwd, '/work/p');
    assert.equal(ctx.filesGiven, true);
  });
  it('takes the project name from COMPOSE_PROJECT_NAME for commands that work without a file', () => {
    const ctx = commandContext({ color: true }, [], environment({ COMPOSE_PROJECT_NAME: 'fromenv' }));
    assert.equal(ctx.projectName, 'fromenv');
    assert.equal(ctx.filesGiven, false);
    assert.equal(ctx.load.files, undefined);
  });
  it('prefers -p over the environment', () => {
    const ctx = commandContext({ color: true, projectName: 'flag' }, [], environment({ STACK_PROJECT_NAME: 'env' }));
    assert.equal(ctx.projectName, 'flag');
  });
  it('passes --host and --context to the connection, and a debug sink only with --debug', () => {
    const plain = commandContext({ color: true, host: 'tcp://127.0.0.1:2375', context: 'x' }, [], environment());
    assert.equal(plain.connect.host, 'tcp://127.0.0.1:2375');
    assert.equal(plain.connect.context, 'x');
    assert.equal(plain.connect.debug, undefined);
    const debug = commandContext({ color: true, debug: true }, [], environment());
    assert.equal(typeof debug.connect.debug, 'function');
  });
});

describe('--scale', () => {
  it('reads service=n pairs, later ones winning', () => {
    assert.deepEqual({ ...parseScale(['web=3', 'worker=0', 'web=2']) }, { web: 2, worker: 0 });
  });
  it('keeps a service named __proto__ as plain data', () => {
    const scale = parseScale(['__proto__=2'])!;
    assert.equal(scale['__proto__'], 2);
    assert.equal(Object.getPrototypeOf(scale), null);
  });
  it('refuses anything else with a usage error', () => {
    assert.throws(() => parseScale(['web']), UsageError);
    assert.throws(() => parseScale(['web=-1']), UsageError);
    assert.throws(() => parseScale(['web=x']), UsageError);
  });
});

describe('reconcile options', () => {
  it('maps every up flag', () => {
    const o = reconcileOptionsFrom(
      {
        forceRecreate: true,
        alwaysRecreateDeps: true,
        deps: false,
        start: false,
        removeOrphans: true,
        scale: ['web=2'],
        renewAnonVolumes: true,
        yes: true,
        wait: true,
        waitTimeout: 1.5,
        timeout: 3,
      },
      ['web'],
    );
    assert.deepEqual({ ...o, scale: { ...o.scale } }, {
      services: ['web'],
      forceRecreate: true,
      alwaysRecreateDeps: true,
      noDeps: true,
      noStart: true,
      removeOrphans: true,
      scale: { web: 2 },
      renewAnonVolumes: true,
      assumeYes: true,
      wait: true,
      waitTimeoutMs: 1500,
      stopTimeoutSeconds: 3,
    });
  });
  it('sets nothing for the defaults', () => {
    assert.deepEqual(reconcileOptionsFrom({ recreate: true, deps: true, start: true }, []), {});
  });
  it('maps --no-recreate', () => {
    assert.deepEqual(reconcileOptionsFrom({ recreate: false }, []), { noRecreate: true });
  });
  it('refuses --force-recreate with --no-recreate', () => {
    assert.throws(() => reconcileOptionsFrom({ forceRecreate: true, recreate: false }, []), UsageError);
  });
});
