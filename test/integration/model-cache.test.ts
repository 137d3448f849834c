// The model cache through the real CLI (bundled, so it has a build id): a second `up -d` with
// nothing changed reuses the cached model (--debug says hit; its entry is used, not written
// again) and does nothing; after one environment value is edited in the stack file, `up -d`
// sees the change and recreates exactly that service.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, docker, runStack, testImage, type RunResult } from '../helpers/engine.js';
import { containerFacts, copyFixture, describeRun, type ContainerFacts } from '../helpers/stack-state.js';

const project = `mc-${randomBytes(3).toString('hex')}`;

describe('the model cache across runs of up -d', () => {
  const dir = copyFixture('model-cache');
  const stackFile = join(dir, 'stack.yaml');
  const cacheRoot = mkdtempSync(join(tmpdir(), 'stack-mc-cache-'));
  const modelDir = join(cacheRoot, 'model');
  const env = { STACK_CACHE: cacheRoot };
  const args = ['-f', stackFile, '-p', project, '--progress', 'plain', '--debug', 'up', '-d'];
  const cacheLine = (r: RunResult): string[] => r.stderr.split('\n').filter((l) => l.startsWith('debug: model cache:'));
  const app = `${project}-app-1`;
  const side = `${project}-side-1`;

  let first: RunResult;
  let second: RunResult;
  let third: RunResult;
  let entryAfterFirst: Stats;
  let entryAfterSecond: Stats;
  let entryAfterThird: Stats;
  let factsAfterFirst: Map<string, ContainerFacts>;
  let factsAfterSecond: Map<string, ContainerFacts>;
  let factsAfterThird: Map<string, ContainerFacts>;

  const theEntry = (): Stats => {
    const names = readdirSync(modelDir).filter((n) => n.endsWith('.json'));
    assert.equal(names.length, 1, `one entry: ${names.join(', ')}`);
    return statSync(join(modelDir, names[0]!));
  };

  before(async () => {
    // The fixture names the default test image; use the one this run was given.
    writeFileSync(stackFile, readFileSync(stackFile, 'utf8').replaceAll('stack-test/busybox:1', testImage));
    first = await runStack(args, { env });
    assert.equal(first.code, 0, describeRun(first));
    entryAfterFirst = theEntry();
    factsAfterFirst = await containerFacts(project);

    second = await runStack(args, { env });
    entryAfterSecond = theEntry();
    factsAfterSecond = await containerFacts(project);

    writeFileSync(stackFile, readFileSync(stackFile, 'utf8').replace('LOG_LEVEL: info', 'LOG_LEVEL: debug'));
    third = await runStack(args, { env });
    entryAfterThird = theEntry();
    factsAfterThird = await containerFacts(project);
  });
  after(async () => {
    await cleanupProject(project);
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheRoot, { recursive: true, force: true });
  });

  it('the first up misses and writes one private entry', () => {
    assert.deepEqual(cacheLine(first), ['debug: model cache: miss (no entry)']);
    assert.equal(entryAfterFirst.mode & 0o777, 0o600);
    assert.equal(statSync(modelDir).mode & 0o777, 0o700);
  });

  it('the second up is a hit (--debug says so): the same entry, marked as used, not written again', () => {
    assert.equal(second.code, 0, describeRun(second));
    assert.deepEqual(cacheLine(second), ['debug: model cache: hit']);
    assert.equal(entryAfterSecond.ino, entryAfterFirst.ino, 'not replaced (a miss writes a new file and renames it)');
    assert.ok(entryAfterSecond.mtimeMs > entryAfterFirst.mtimeMs, 'its use time moved forward (only a hit does that)');
  });

  it('the second up is a no-op: same containers, not restarted', () => {
    assert.equal(factsAfterSecond.size, 2);
    for (const [name, was] of factsAfterFirst) {
      const now = factsAfterSecond.get(name);
      assert.ok(now, `${name} still exists`);
      assert.equal(now.id, was.id, `${name} kept its id`);
      assert.equal(now.startedAt, was.startedAt, `${name} was not restarted`);
    }
  });

  it('after an edit of the stack file, up sees the change (the entry is written again)', () => {
    assert.equal(third.code, 0, describeRun(third));
    assert.deepEqual(cacheLine(third), [`debug: model cache: miss (changed: ${stackFile})`]);
    assert.notEqual(entryAfterThird.ino, entryAfterSecond.ino);
  });

  it('after the edit, the edited service is recreated with the new value and the other is untouched', async () => {
    const now = factsAfterThird.get(app)!;
    assert.notEqual(now.id, factsAfterSecond.get(app)!.id, 'app is a new container');
    const envOfApp = (await docker.getContainer(now.id).inspect()).Config.Env;
    assert.ok(envOfApp.includes('LOG_LEVEL=debug'), envOfApp.join(' '));
    assert.equal(factsAfterThird.get(side)!.id, factsAfterSecond.get(side)!.id, 'side kept its id');
    assert.equal(factsAfterThird.get(side)!.startedAt, factsAfterSecond.get(side)!.startedAt, 'side was not restarted');
  });
});
