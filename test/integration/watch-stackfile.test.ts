// `stack watch` watching the stack file itself, on the real engine (test/fixtures/
// watch-stackfile): an edit is applied as `up` would (only the changed service is recreated);
// an invalid edit is reported with file:line:col, exactly as `stack config` reports it, and
// changes nothing; fixing it applies the fixed file.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupProject, docker, eventually, runStack, uniqueProject } from '../helpers/engine.js';
import { fixtureCopy, killRun, serviceContainer, startStack, type WatchRun } from '../helpers/watch-run.js';

async function envOf(id: string): Promise<string[]> {
  return (await docker.getContainer(id).inspect()).Config.Env ?? [];
}

describe('stack watch applies edits of the stack file', () => {
  const project = uniqueProject('wstack');
  let fixture: { dir: string; dispose: () => Promise<void> };
  let run: WatchRun | undefined;
  let file: string;
  let original: string;

  before(async () => {
    fixture = await fixtureCopy('watch-stackfile');
    file = join(fixture.dir, 'stack.yaml');
    original = await readFile(file, 'utf8');
    run = startStack(['-p', project, 'watch'], fixture.dir);
    await eventually(() => assert.match(run!.err(), /\[watch\] watching a/), 90_000);
  });
  after(async () => {
    killRun(run);
    await cleanupProject(project);
    await fixture.dispose();
  });

  it('recreates only the service whose definition changed, and shows the plan', async () => {
    const a = await serviceContainer(project, 'a');
    const b = await serviceContainer(project, 'b');
    await writeFile(file, original.replace('VERSION: "1"', 'VERSION: "2"'));
    await eventually(async () => {
      const now = await serviceContainer(project, 'b');
      assert.notEqual(now.id, b.id);
      assert.equal(now.state, 'running');
      assert.ok((await envOf(now.id)).includes('VERSION=2'));
    }, 60_000);
    assert.equal((await serviceContainer(project, 'a')).id, a.id, 'a untouched');
    assert.match(run!.err(), /\[watch\] plan: .*b.*environment\.VERSION/);
  });

  it('reports an invalid edit with file:line:col as `stack config` does, and changes nothing', async () => {
    const ids = [(await serviceContainer(project, 'a')).id, (await serviceContainer(project, 'b')).id];
    const invalid = original.replace('VERSION: "1"', 'VERSION: "3"').replace('    command: ["sleep", "3600"]\n    environment:', '    comand: ["sleep", "3600"]\n    environment:');
    await writeFile(file, invalid);
    const asConfig = await runStack(['config', '-q'], { cwd: fixture.dir });
    assert.equal(asConfig.code, 65);
    const problem = asConfig.stderr.split('\n').find((l) => l.includes('stack.yaml:'))!.trim();
    assert.match(problem, /stack\.yaml:\d+:\d+: services\.b/);
    await eventually(() => assert.ok(run!.err().includes(problem), `watch printed ${problem}\n${run!.err()}`), 60_000);
    assert.match(run!.err(), /nothing was changed/);
    assert.deepEqual([(await serviceContainer(project, 'a')).id, (await serviceContainer(project, 'b')).id], ids);
  });

  it('applies the file once it is fixed', async () => {
    const b = await serviceContainer(project, 'b');
    await writeFile(file, original.replace('VERSION: "1"', 'VERSION: "4"'));
    await eventually(async () => {
      const now = await serviceContainer(project, 'b');
      assert.notEqual(now.id, b.id);
      assert.ok((await envOf(now.id)).includes('VERSION=4'));
    }, 60_000);
  });
});
