// The model cache (src/model/model-cache.ts): a load with the same options and the same files
// on disk gives back the model of an earlier load, indistinguishable from a fresh one; any
// change to an input is a miss; nothing sensitive is ever written; a bad entry is never used.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, type LoadOptions } from '../../../src/model/load.js';
import { encodeModel, keepUndefined, reviveModel } from '../../../src/model/model-cache.js';
import type { StackModel } from '../../../src/model/types.js';
import { commandContext } from '../../../src/cli/context.js';
import { setBuildId } from '../../../src/build-info.js';
import { StackFileError } from '../../../src/errors.js';
import { projectDir } from './project-files.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh cache directory (not created yet: the first write creates it, 0700). */
function newCacheDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'stack-mc-'));
  made.push(root);
  return join(root, 'model');
}

function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
}

interface Cached {
  readonly model: StackModel;
  /** What --debug would print. */
  readonly outcome: string;
}

async function load(cacheDir: string, options: Omit<LoadOptions, 'env'> & { env?: LoadOptions['env'] }, codeId = 'code-1'): Promise<Cached> {
  const lines: string[] = [];
  const model = await loadModel({ env: {}, ...options, cache: { dir: cacheDir, codeId }, debug: (l) => lines.push(l) });
  assert.equal(lines.length, 1, `one debug line, got ${JSON.stringify(lines)}`);
  return { model, outcome: lines[0]!.replace(/^model cache: /, '') };
}

/** Compares frozenness node by node (deepStrictEqual checks prototypes and values, not this). */
function assertFrozenAlike(actual: unknown, expected: unknown, path = 'model'): void {
  if (expected === null || typeof expected !== 'object') return;
  assert.equal(Object.isFrozen(actual), Object.isFrozen(expected), `${path} frozen`);
  for (const key of Object.keys(expected)) {
    assertFrozenAlike((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
  }
}

function assertSameModel(actual: StackModel, expected: StackModel): void {
  assert.deepStrictEqual(actual, expected);
  assertFrozenAlike(actual, expected);
}

const simpleStack = [
  'version: "3.8"',
  'services:',
  '  web:',
  '    image: busybox',
  '    environment:',
  '      __proto__: polluted',
  '      LEVEL: info',
  '    labels: {constructor: x}',
  '    ports: ["127.0.0.1:8080:80"]',
  '    volumes: ["data:/data", "./site:/site"]',
  '  worker:',
  '    image: busybox',
  '    depends_on: [web]',
  '    profiles: [jobs]',
  'volumes:',
  '  data: {}',
  '',
].join('\n');

describe('model cache: hits', () => {
  it('a second load with nothing changed is a hit, indistinguishable from a fresh load', async () => {
    const dir = projectDir({ 'stack.yaml': simpleStack });
    const cache = newCacheDir();
    const first = await load(cache, { cwd: dir });
    assert.equal(first.outcome, 'miss (no entry)');
    const second = await load(cache, { cwd: dir });
    assert.equal(second.outcome, 'hit');
    const fresh = await loadModel({ cwd: dir, env: {} });
    assertSameModel(second.model, fresh);
    assert.equal(Object.getPrototypeOf(second.model.services), null);
    assert.equal(second.model.services.web!.environment['__proto__'], 'polluted');
    assert.ok(second.model.warnings.some((w) => /version/.test(w.message)), 'the warning about `version` survives');
  });

  it('a hit marks the entry as used (its time moves forward), so that pruning keeps it', async () => {
    const dir = projectDir({ 'stack.yaml': simpleStack });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    const [name] = entries(cache);
    const old = new Date(Date.now() - 3 * 24 * 3600 * 1000);
    utimesSync(join(cache, name!), old, old);
    assert.equal((await load(cache, { cwd: dir })).outcome, 'hit');
    assert.ok(statSync(join(cache, name!)).mtimeMs > old.getTime() + 24 * 3600 * 1000);
  });
});

describe('model cache: each changed input is a miss, and the result shows the change', () => {
  it('editing the stack file', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: "busybox:1"}\n' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    writeFileSync(join(dir, 'stack.yaml'), 'services:\n  web: {image: "busybox:2"}\n');
    const r = await load(cache, { cwd: dir });
    assert.match(r.outcome, /^miss \(changed: .*stack\.yaml\)$/);
    assert.equal(r.model.services.web!.image, 'busybox:2');
  });

  it('editing .env', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: busybox}\n', '.env': 'COMPOSE_PROJECT_NAME=one\n' });
    const cache = newCacheDir();
    assert.equal((await load(cache, { cwd: dir })).model.projectName, 'one');
    writeFileSync(join(dir, '.env'), 'COMPOSE_PROJECT_NAME=two\n');
    const r = await load(cache, { cwd: dir });
    assert.match(r.outcome, /^miss/);
    assert.equal(r.model.projectName, 'two');
  });

  it('creating .env where there was none', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: busybox}\n' });
    const cache = newCacheDir();
    assert.equal((await load(cache, { cwd: dir })).model.projectName, 'proj');
    writeFileSync(join(dir, '.env'), 'COMPOSE_PROJECT_NAME=fromdotenv\n');
    const r = await load(cache, { cwd: dir });
    assert.match(r.outcome, /^miss/);
    assert.equal(r.model.projectName, 'fromdotenv');
  });

  it('editing an included file', async () => {
    const dir = projectDir({ 'stack.yaml': 'include: [db/stack.yaml]\nservices:\n  web: {image: busybox}\n', 'db/stack.yaml': 'services:\n  db: {image: "pg:15"}\n' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    writeFileSync(join(dir, 'db/stack.yaml'), 'services:\n  db: {image: "pg:16"}\n');
    const r = await load(cache, { cwd: dir });
    assert.match(r.outcome, /^miss \(changed: .*db\/stack\.yaml\)$/);
    assert.equal(r.model.services.db!.image, 'pg:16');
  });

  it('editing an extended file', async () => {
    const dir = projectDir({
      'stack.yaml': 'services:\n  web:\n    extends: {file: common.yaml, service: base}\n',
      'common.yaml': 'services:\n  base: {image: busybox, command: [one]}\n',
    });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    writeFileSync(join(dir, 'common.yaml'), 'services:\n  base: {image: busybox, command: [two]}\n');
    const r = await load(cache, { cwd: dir });
    assert.match(r.outcome, /^miss \(changed: .*common\.yaml\)$/);
    assert.deepEqual(r.model.services.web!.command, ['two']);
  });

  it('creating an optional env_file that did not exist', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web:\n    image: busybox\n    env_file: [{path: app.env, required: false}]\n' });
    const cache = newCacheDir();
    assert.equal((await load(cache, { cwd: dir })).outcome, 'miss (no entry)');
    writeFileSync(join(dir, 'app.env'), 'MODE=debug\n');
    const r = await load(cache, { cwd: dir });
    // Its values are sensitive, so the new model is not stored; what matters is no stale hit.
    assert.equal(r.outcome, 'skipped (the model holds sensitive values)');
    assert.equal(r.model.services.web!.environment['MODE'], 'debug');
  });

  it('creating an override file that did not exist', async () => {
    const dir = projectDir({ 'compose.yaml': 'services:\n  web: {image: busybox}\n' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    writeFileSync(join(dir, 'compose.override.yaml'), 'services:\n  web: {image: "busybox:override"}\n');
    const r = await load(cache, { cwd: dir });
    assert.match(r.outcome, /^miss \(changed: .*compose\.override\.yaml\)$/);
    assert.equal(r.model.services.web!.image, 'busybox:override');
  });

  it('creating a stack file nearer to the working directory than the one found', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: far}\n', 'sub/readme': '' });
    const cache = newCacheDir();
    await load(cache, { cwd: join(dir, 'sub') });
    writeFileSync(join(dir, 'sub', 'stack.yaml'), 'services:\n  web: {image: near}\n');
    const r = await load(cache, { cwd: join(dir, 'sub') });
    assert.match(r.outcome, /^miss/);
    assert.equal(r.model.services.web!.image, 'near');
  });

  it('changing an environment variable', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: busybox}\n' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir, env: { COMPOSE_PROJECT_NAME: 'one' } });
    const r = await load(cache, { cwd: dir, env: { COMPOSE_PROJECT_NAME: 'two' } });
    assert.equal(r.outcome, 'miss (no entry)');
    assert.equal(r.model.projectName, 'two');
  });

  it('changing the profiles', async () => {
    const dir = projectDir({ 'stack.yaml': simpleStack });
    const cache = newCacheDir();
    assert.deepEqual(Object.keys((await load(cache, { cwd: dir })).model.services), ['web']);
    const r = await load(cache, { cwd: dir, profiles: ['jobs'] });
    assert.equal(r.outcome, 'miss (no entry)');
    assert.deepEqual(Object.keys(r.model.services), ['web', 'worker']);
  });

  it('changing the project name', async () => {
    const dir = projectDir({ 'stack.yaml': simpleStack });
    const cache = newCacheDir();
    await load(cache, { cwd: dir, projectName: 'one' });
    const r = await load(cache, { cwd: dir, projectName: 'two' });
    assert.equal(r.outcome, 'miss (no entry)');
    assert.equal(r.model.projectName, 'two');
    assert.equal(r.model.volumes.data!.name, 'two_data');
  });

  it('changing the -f list', async () => {
    const dir = projectDir({ 'a.yaml': 'services:\n  web: {image: a}\n', 'b.yaml': 'services:\n  web: {image: b}\n' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir, files: ['a.yaml'] });
    const r = await load(cache, { cwd: dir, files: ['a.yaml', 'b.yaml'] });
    assert.equal(r.outcome, 'miss (no entry)');
    assert.equal(r.model.services.web!.image, 'b');
  });

  it('changing the working directory', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: busybox, volumes: ["./site:/site"]}\n', 'sub/x': '' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir, files: ['stack.yaml'] });
    const r = await load(cache, { cwd: join(dir, 'sub'), files: ['../stack.yaml'] });
    assert.equal(r.outcome, 'miss (no entry)');
    assert.deepEqual(r.model.configFiles, [join(dir, 'stack.yaml')]);
  });

  it('a different code id (a rebuilt CLI)', async () => {
    const dir = projectDir({ 'stack.yaml': simpleStack });
    const cache = newCacheDir();
    await load(cache, { cwd: dir }, 'build-a');
    assert.equal((await load(cache, { cwd: dir }, 'build-b')).outcome, 'miss (no entry)');
  });
});

describe('model cache: what is never written', () => {
  it('a model with values from interpolated variables', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: "busybox:${TAG}"}\n' });
    const cache = newCacheDir();
    const r = await load(cache, { cwd: dir, env: { TAG: 's3cr3t' } });
    assert.equal(r.outcome, 'skipped (the model holds sensitive values)');
    assert.deepEqual(entries(cache), []);
  });

  it('a model with values from an env_file (editing it can therefore never be a stale hit)', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: busybox, env_file: app.env}\n', 'app.env': 'TOKEN=abc\n' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    writeFileSync(join(dir, 'app.env'), 'TOKEN=def\n');
    const r = await load(cache, { cwd: dir });
    assert.equal(r.outcome, 'skipped (the model holds sensitive values)');
    assert.equal(r.model.services.web!.environment['TOKEN'], 'def');
    assert.deepEqual(entries(cache), []);
  });

  it('a model with values passed through from the environment (`environment: [FOO]`)', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: busybox, environment: [API_KEY]}\n' });
    const cache = newCacheDir();
    const r = await load(cache, { cwd: dir, env: { API_KEY: 'k3y' } });
    assert.equal(r.model.services.web!.environment['API_KEY'], 'k3y');
    // A passed-through value is sensitive (normalise/environment.ts), which is checked first.
    assert.equal(r.outcome, 'skipped (the model holds sensitive values)');
    assert.deepEqual(entries(cache), []);
  });

  it('a model with an inline config content', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: busybox, configs: [c]}\nconfigs:\n  c: {content: "password=1"}\n' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    assert.deepEqual(entries(cache), []);
  });

  it('a load that failed', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: busybox, ports: "nope"}\n' });
    const cache = newCacheDir();
    const lines: string[] = [];
    await assert.rejects(loadModel({ cwd: dir, env: {}, cache: { dir: cache, codeId: 'c' }, debug: (l) => lines.push(l) }), StackFileError);
    assert.deepEqual(lines, ['model cache: skipped (the load failed)']);
    assert.deepEqual(entries(cache), []);
  });

  it('a load from stdin, which is never looked up either', async () => {
    const dir = projectDir({});
    const cache = newCacheDir();
    const options = { cwd: dir, env: {}, files: ['-'], projectName: 'p', readStdin: async () => 'services:\n  web: {image: busybox}\n' };
    const r = await load(cache, options);
    assert.equal(r.outcome, 'skipped (stdin)');
    assert.equal((await load(cache, options)).outcome, 'skipped (stdin)');
    assert.deepEqual(entries(cache), []);
  });

  it('entries hold no value of the environment', async () => {
    const dir = projectDir({ 'stack.yaml': simpleStack });
    const cache = newCacheDir();
    await load(cache, { cwd: dir, env: { UNRELATED_SECRET: 'zz-top-secret-zz' } });
    const [name] = entries(cache);
    assert.ok(name);
    assert.doesNotMatch(readFileSync(join(cache, name), 'utf8'), /zz-top-secret-zz/);
  });
});

describe('model cache: bad entries', () => {
  it('a corrupt entry is ignored and replaced', async () => {
    const dir = projectDir({ 'stack.yaml': simpleStack });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    const [name] = entries(cache);
    writeFileSync(join(cache, name!), '{"key": "tru');
    const r = await load(cache, { cwd: dir });
    assert.equal(r.outcome, 'miss (unreadable entry)');
    assertSameModel(r.model, await loadModel({ cwd: dir, env: {} }));
    assert.equal((await load(cache, { cwd: dir })).outcome, 'hit');
  });

  it('an entry whose shape does not fit its model is ignored', async () => {
    const dir = projectDir({ 'stack.yaml': simpleStack });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    const [name] = entries(cache);
    const entry = JSON.parse(readFileSync(join(cache, name!), 'utf8'));
    entry.shape = entry.shape.slice(1);
    writeFileSync(join(cache, name!), JSON.stringify(entry));
    assert.equal((await load(cache, { cwd: dir })).outcome, 'miss (unreadable entry)');
  });

  it('an entry in a directory writable by others is not read', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: genuine}\n' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    const [name] = entries(cache);
    const path = join(cache, name!);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"genuine"', '"planted"'));
    chmodSync(cache, 0o777);
    const r = await load(cache, { cwd: dir });
    assert.equal(r.outcome, 'skipped (the cache directory is not private)');
    assert.equal(r.model.services.web!.image, 'genuine');
  });

  it('an entry writable by others is not read', async () => {
    const dir = projectDir({ 'stack.yaml': 'services:\n  web: {image: genuine}\n' });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    const [name] = entries(cache);
    const path = join(cache, name!);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"genuine"', '"planted"'));
    chmodSync(path, 0o666);
    const r = await load(cache, { cwd: dir });
    assert.equal(r.model.services.web!.image, 'genuine');
    assert.equal(statSync(path).mode & 0o777, 0o600, 'replaced by a private entry');
  });

  it('entries are written private (0600) in a private directory (0700)', async () => {
    const dir = projectDir({ 'stack.yaml': simpleStack });
    const cache = newCacheDir();
    await load(cache, { cwd: dir });
    assert.equal(statSync(cache).mode & 0o777, 0o700);
    assert.equal(statSync(join(cache, entries(cache)[0]!)).mode & 0o777, 0o600);
  });

  it('writing an entry removes entries unused for more than 7 days', async () => {
    const cache = newCacheDir();
    const a = projectDir({ 'stack.yaml': simpleStack });
    await load(cache, { cwd: a });
    const [old] = entries(cache);
    const longAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    utimesSync(join(cache, old!), longAgo, longAgo);
    const b = projectDir({ 'stack.yaml': simpleStack });
    await load(cache, { cwd: b });
    assert.equal(entries(cache).length, 1);
    assert.ok(!entries(cache).includes(old!));
  });
});

// --- revival over every valid stack file of the repository ---------------------------------

function stackFiles(): { file: string; cwd: string }[] {
  const out: { file: string; cwd: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'malformed' && name !== 'node_modules') walk(p);
      } else if (/\.ya?ml$/.test(name)) out.push({ file: p, cwd: dirname(p) });
    }
  };
  walk(join(repoRoot, 'examples'));
  walk(join(repoRoot, 'test', 'fixtures'));
  return out;
}

describe('model cache: revival round trip', () => {
  it('for every valid stack file under examples/ and test/fixtures, the revived model deep-equals a fresh load', async () => {
    const tried: string[] = [];
    const env = { HOME: '/home/someone' };
    const loads: LoadOptions[] = [
      ...stackFiles().map(({ file, cwd }) => ({ cwd, env, files: [file], projectName: 'rt' })),
      // Discovery too (compose.yaml + compose.override.yaml, .env).
      ...readdirSync(join(repoRoot, 'test', 'fixtures', 'projects')).map((name) => ({ cwd: join(repoRoot, 'test', 'fixtures', 'projects', name), env })),
    ];
    for (const options of loads) {
      let fresh: StackModel;
      try {
        fresh = await loadModel(options);
      } catch (e) {
        if (e instanceof StackFileError) continue; // not a stack file (prometheus.yml) or not valid alone
        throw e;
      }
      const label = relative(repoRoot, options.files?.[0] ?? options.cwd);
      tried.push(label);
      const encoded = encodeModel(fresh);
      assert.ok(encoded, `${label}: encodable`);
      const revived = reviveModel(JSON.parse(JSON.stringify(fresh, keepUndefined)), encoded.shape);
      assert.ok(revived, `${label}: revivable`);
      assert.deepStrictEqual(revived, fresh, label);
      assertFrozenAlike(revived, fresh, label);
    }
    assert.ok(tried.length >= 15, `only ${tried.length} stack files loaded: ${tried.join(', ')}`);
    assert.ok(tried.some((t) => basename(t) === 'base-override'), 'discovery with an override file was tried');
  });

  it('for every cacheable one, a second load through the cache is a hit that deep-equals a fresh load', async () => {
    const cache = newCacheDir();
    let hits = 0;
    for (const { file, cwd } of stackFiles()) {
      const options = { cwd, env: {}, files: [file], projectName: 'rt' };
      let first: Cached;
      try {
        first = await load(cache, options);
      } catch (e) {
        if (e instanceof StackFileError) continue;
        throw e;
      }
      if (first.outcome.startsWith('skipped')) continue;
      const second = await load(cache, options);
      assert.equal(second.outcome, 'hit', file);
      assertSameModel(second.model, await loadModel(options));
      hits++;
    }
    assert.ok(hits >= 10, `only ${hits} hits`);
  });
});

// --- the CLI turns it on ---------------------------------------------------------------------

describe('model cache: the command line', () => {
  const environment = (env: Record<string, string>) => ({ cwd: '/work/p', env, stdout: {} });
  after(() => setBuildId(undefined));

  it('is on for the bundled CLI, keyed by its build id, in STACK_CACHE/model', () => {
    setBuildId('b123');
    const ctx = commandContext({ color: true }, [], environment({ STACK_CACHE: '/tmp/somewhere' }));
    assert.deepEqual(ctx.load.cache, { dir: join('/tmp/somewhere', 'model'), codeId: 'b123' });
  });

  it('is off with STACK_CACHE=0', () => {
    setBuildId('b123');
    const ctx = commandContext({ color: true }, [], environment({ STACK_CACHE: '0' }));
    assert.ok(ctx.load.cache && 'off' in ctx.load.cache);
  });

  it('is off without a build id (unbundled code)', () => {
    setBuildId(undefined);
    const ctx = commandContext({ color: true }, [], environment({ STACK_CACHE: '/tmp/somewhere' }));
    assert.ok(ctx.load.cache && 'off' in ctx.load.cache);
  });

  it('reports what it did only with --debug', () => {
    assert.equal(commandContext({ color: true }, [], environment({})).load.debug, undefined);
    assert.equal(typeof commandContext({ color: true, debug: true }, [], environment({})).load.debug, 'function');
  });
});
