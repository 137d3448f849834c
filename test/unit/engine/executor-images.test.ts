// The executor's image operations against the in-memory gateway: one gateway call each, the
// context and credentials from the injected ports (here the real ones over a temporary
// context, with a Docker config of the test's own), progress events, and retries of transient
// pull failures only.

import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execute } from '../../../src/engine/executor.js';
import type { ImagePorts } from '../../../src/engine/image-ports.js';
import type { ProgressEvent } from '../../../src/engine/progress.js';
import { localImagePorts } from '../../../src/image/image-ports.js';
import type { ImageBuildOp, Operation, Plan } from '../../../src/planner/types.js';
import { SensitiveValues } from '../../../src/planner/redact.js';
import { BuildError, EngineApiError, InternalError, NotFoundError } from '../../../src/errors.js';
import { MemoryGateway } from '../../helpers/memory-gateway.js';

const work = mkdtempSync(join(tmpdir(), 'stack-exec-images-'));
after(() => rmSync(work, { recursive: true, force: true }));
let gateways: MemoryGateway[] = [];
afterEach(() => {
  for (const g of gateways) g.dispose();
  gateways = [];
});

function gateway(): MemoryGateway {
  const g = new MemoryGateway({ ncpu: 2 }).addImage('stack-test/busybox:1');
  gateways.push(g);
  return g;
}

/** A context folder: a Dockerfile, an app file and an ignored secret. */
function context(): string {
  const dir = mkdtempSync(join(work, 'ctx-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM stack-test/busybox:1\nCOPY . /app\nRUN true\n');
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app', 'index.html'), '<h1>hi</h1>\n');
  writeFileSync(join(dir, 'secret.txt'), 'hunter2\n');
  writeFileSync(join(dir, '.dockerignore'), 'secret.txt\n');
  return dir;
}

/** Ports over this machine, with a Docker config of the test's own (no credentials at all). */
function ports(extra: Partial<ImagePorts> = {}): ImagePorts {
  const dockerConfig = mkdtempSync(join(work, 'docker-'));
  writeFileSync(join(dockerConfig, 'config.json'), '{}');
  return { ...localImagePorts({ env: { DOCKER_CONFIG: dockerConfig, PATH: '' } }), ...extra };
}

const cause = { kind: 'missing', text: 'no image' } as const;

function buildOp(contextDir: string, extra: Partial<ImageBuildOp> = {}): ImageBuildOp {
  return {
    id: 'build image demo-web',
    kind: 'image.build',
    image: 'demo-web',
    context: { kind: 'local', contextDir },
    options: { tags: ['demo-web'], buildArgs: { VERSION: '1' }, labels: { 'dev.stack.build-hash': 'h1' } },
    buildHash: 'h1',
    after: [],
    cause,
    service: 'web',
    ...extra,
  };
}

function plan(operations: Operation[]): Plan {
  return { projectName: 'demo', operations, warnings: [], sensitive: SensitiveValues.none };
}

describe('executor: image operations', () => {
  it('a build sends the filtered context with the options of the operation, and says the image id and bytes sent', async () => {
    const g = gateway();
    const events: ProgressEvent[] = [];
    const result = await execute(plan([buildOp(context())]), g, { parallel: 2, images: ports(), onEvent: (e) => events.push(e) });
    assert.equal(result.ok, true);
    assert.equal(g.builds.length, 1);
    const record = g.builds[0]!;
    assert.deepEqual(record.files, ['.dockerignore', 'Dockerfile', 'app', 'app/index.html']);
    assert.equal(record.options.dockerfile, 'Dockerfile');
    assert.deepEqual(record.options.tags, ['demo-web']);
    assert.deepEqual({ ...record.options.buildArgs }, { VERSION: '1' });
    const done = events.find((e) => e.type === 'op-done');
    assert.ok(done && done.type === 'op-done');
    assert.equal(done.imageId, record.imageId);
    assert.ok((done.contextBytes ?? 0) > 0);
    assert.equal((await g.inspectImage('demo-web')).labels['dev.stack.build-hash'], 'h1');
  });

  it('a build reports each step it starts', async () => {
    const events: ProgressEvent[] = [];
    await execute(plan([buildOp(context())]), gateway(), { images: ports(), onEvent: (e) => events.push(e) });
    const steps = events.filter((e) => e.type === 'image-progress').map((e) => (e.type === 'image-progress' ? e.message : ''));
    assert.deepEqual(steps, ['step 1/3: FROM stack-test/busybox:1', 'step 2/3: COPY . /app', 'step 3/3: RUN true']);
  });

  it('a failing step fails the build with the step and its last lines, naming the service, and its dependents are skipped', async () => {
    const g = gateway().failBuild('demo-web', { step: 3, output: ['make: *** [all] Error 2'], commandExitCode: 2 });
    const tag: Operation = { id: 'tag image demo-worker', kind: 'image.tag', source: 'demo-web', image: 'demo-worker', after: ['build image demo-web'], cause, service: 'worker' };
    const result = await execute(plan([buildOp(context()), tag]), g, { images: ports() });
    assert.equal(result.ok, false);
    assert.ok(result.error instanceof BuildError);
    assert.match(result.error.message, /^build image demo-web \(service web\) failed at Step 3\/3 : RUN true: .*\nlast output:\n {2}make: \*\*\* \[all\] Error 2$/s);
    assert.equal(result.outcomes.find((o) => o.opId === 'tag image demo-worker')?.status, 'skipped');
  });

  it('a build without image ports is a bug, said as one', async () => {
    const result = await execute(plan([buildOp(context())]), gateway(), {});
    assert.ok(result.error instanceof InternalError);
  });

  it('a tag gives the image its other reference', async () => {
    const g = gateway();
    const tag: Operation = { id: 'tag image demo-worker', kind: 'image.tag', source: 'stack-test/busybox:1', image: 'demo-worker:2', after: [], cause, service: 'worker' };
    await execute(plan([tag]), g, {});
    assert.equal((await g.inspectImage('demo-worker:2')).id, (await g.inspectImage('stack-test/busybox:1')).id);
  });

  it('a pull sends the credentials the ports give, and records the pull', async () => {
    const g = gateway().requireRegistryAuth('registry.example', 'the-header');
    g.addRegistryImage('registry.example/app:1');
    const recorded: string[] = [];
    const images = ports({ registryAuth: async () => ({ header: 'the-header', warnings: [] }), pulled: async (image) => void recorded.push(image) });
    const pull: Operation = { id: 'pull image registry.example/app:1', kind: 'image.pull', image: 'registry.example/app:1', after: [], cause, service: 'app' };
    const result = await execute(plan([pull]), g, { images });
    assert.equal(result.ok, true);
    assert.equal((await g.inspectImage('registry.example/app:1')).id, g.registryImage('registry.example/app:1'));
    assert.deepEqual(recorded, ['registry.example/app:1']);
  });

  it('a transient pull failure is tried again, and the pull succeeds', async () => {
    const g = gateway();
    g.failOn('pullImage', 'redis:7', () => new EngineApiError('pull', 'connection reset by peer', { kind: 'image', name: 'redis:7' }, 500, { transient: true }), 2);
    const pull: Operation = { id: 'pull image redis:7', kind: 'image.pull', image: 'redis:7', after: [], cause, service: 'cache' };
    const events: ProgressEvent[] = [];
    const result = await execute(plan([pull]), g, { images: ports(), pullRetryDelayMs: () => 0, onEvent: (e) => events.push(e) });
    assert.equal(result.ok, true);
    assert.equal(g.calls.filter((c) => c.call === 'pullImage').length, 3);
    assert.equal(events.filter((e) => e.type === 'image-progress' && /attempt \d of 3 failed/.test(e.message)).length, 2);
  });

  it('a transient failure that lasts fails after three attempts', async () => {
    const g = gateway();
    g.failOn('pullImage', 'redis:7', () => new EngineApiError('pull', 'registry answered 503', { kind: 'image', name: 'redis:7' }, 500, { transient: true }));
    const pull: Operation = { id: 'pull image redis:7', kind: 'image.pull', image: 'redis:7', after: [], cause, service: 'cache' };
    const result = await execute(plan([pull]), g, { images: ports(), pullRetryDelayMs: () => 0 });
    assert.equal(result.ok, false);
    assert.equal(g.calls.filter((c) => c.call === 'pullImage').length, 3);
  });

  it('a missing image is not tried again', async () => {
    const g = new MemoryGateway({ ncpu: 2, strictRegistry: true });
    gateways.push(g);
    const pull: Operation = { id: 'pull image nothing:1', kind: 'image.pull', image: 'nothing:1', after: [], cause, service: 'x' };
    const result = await execute(plan([pull]), g, { images: ports(), pullRetryDelayMs: () => 0 });
    assert.ok(result.error instanceof NotFoundError);
    assert.equal(g.calls.filter((c) => c.call === 'pullImage').length, 1);
  });

  it('a push sends the credentials the ports give; a remove removes the reference', async () => {
    const g = gateway().requireRegistryAuth('registry.example', 'push-header');
    await g.tagImage('stack-test/busybox:1', 'registry.example/app', '1');
    const images = ports({ registryAuth: async () => ({ header: 'push-header', warnings: ['a warning from the credentials'] }) });
    const push: Operation = { id: 'push image registry.example/app:1', kind: 'image.push', image: 'registry.example/app:1', after: [], cause, service: 'app' };
    const remove: Operation = { id: 'remove image registry.example/app:1', kind: 'image.remove', image: 'registry.example/app:1', after: [push.id], cause, service: 'app' };
    const result = await execute(plan([push, remove]), g, { images });
    assert.equal(result.ok, true);
    assert.equal(g.registryImage('registry.example/app:1'), (await g.inspectImage('stack-test/busybox:1')).id);
    await assert.rejects(g.inspectImage('registry.example/app:1'), NotFoundError);
    assert.deepEqual(result.warnings, ['a warning from the credentials']);
  });
});
