// exec and run on the real engine: exit codes pass through (0, 3, 137), stdin and stdout work
// without a TTY, `run` starts the dependencies first and labels its container as a one-off,
// and `run --rm` leaves nothing behind (no container, no anonymous volume).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, fixturesDir, projectContainers, projectVolumes, runStack, uniqueProject } from '../helpers/engine.js';

const file = join(fixturesDir, 'exec-run', 'stack.yaml');

describe('exec and run', () => {
  const project = uniqueProject('execrun');
  const stack = (args: string[], input?: string) => runStack(['-f', file, '-p', project, ...args], input !== undefined ? { input } : {});
  after(() => cleanupProject(project));

  before(async () => {
    // `run tool` brings up `app` (its dependency) first: the project starts from nothing.
    const r = await stack(['run', '--rm', '-T', 'tool', 'sh', '-c', 'cat; echo to-stderr >&2; exit 3'], 'piped through run\n');
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'piped through run\n');
    assert.match(r.stderr, /to-stderr/);
  });

  it('run started the dependency first and --rm left no container and no anonymous volume', async () => {
    const containers = await projectContainers(project);
    assert.deepEqual(containers.map((c) => `${c.Labels['com.docker.compose.service']}:${c.State}`), ['app:running']);
    const volumes = (await projectVolumes(project)).map((v) => v.Name);
    assert.deepEqual(volumes, [`${project}_scratch`], 'only the named volume');
  });

  it('exec passes exit codes 0, 3 and 137 through', async () => {
    assert.equal((await stack(['exec', '-T', 'app', 'true'])).code, 0);
    assert.equal((await stack(['exec', '-T', 'app', 'sh', '-c', 'exit 3'])).code, 3);
    assert.equal((await stack(['exec', '-T', 'app', 'sh', '-c', 'kill -9 $$'])).code, 137);
  });

  it('exec pipes stdin to the command and its stdout and stderr back, without a TTY', async () => {
    const r = await stack(['exec', '-T', '-e', 'WHO=world', 'app', 'sh', '-c', 'read line; echo "$line $WHO"; echo oops >&2'], 'hello\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello world\n');
    assert.match(r.stderr, /oops/);
  });

  it('run passes exit codes 0 and 137 through', async () => {
    assert.equal((await stack(['run', '--rm', '-T', '--no-deps', 'tool'])).code, 0);
    assert.equal((await stack(['run', '--rm', '-T', '--no-deps', 'tool', 'sh', '-c', 'kill -9 $$'])).code, 137);
  });

  it('run without --rm leaves a one-off container named <project>-<service>-run-<id>, which ps -a lists', async () => {
    const r = await stack(['run', '-T', '--no-deps', '-e', 'EXTRA=1', 'tool', 'sh', '-c', 'echo $EXTRA $FROM_FILE']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1 yes\n');
    const oneoffs = (await projectContainers(project)).filter((c) => c.Labels['com.docker.compose.oneoff'] === 'True');
    assert.equal(oneoffs.length, 1);
    assert.match(oneoffs[0]!.Names[0]!, new RegExp(`^/${project}-tool-run-[0-9a-f]{12}$`));
    const details = await docker.getContainer(oneoffs[0]!.Id).inspect();
    assert.equal(details.State.ExitCode, 0);
    const ps = await stack(['ps', '-a', '--format', 'json']);
    const names = (JSON.parse(ps.stdout) as { Name: string }[]).map((x) => x.Name);
    assert.ok(names.includes(oneoffs[0]!.Names[0]!.slice(1)));
  });
});
