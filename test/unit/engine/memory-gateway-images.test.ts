// The in-memory gateway's image and archive fakes behave as memory-gateway.ts documents them,
// so that build, push and watch tests can rely on them.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { MemoryGateway } from '../../helpers/memory-gateway.js';
import { BuildError, ConflictError, EngineApiError, NotFoundError, RegistryAuthError } from '../../../src/errors.js';
import type { BuildProgressEvent, ContainerCreateBody } from '../../../src/api/engine-types.js';

type TarFile = string | { content: string; uid?: number; gid?: number; type?: 'file' | 'directory' };

function tarOf(files: Record<string, TarFile>): Readable {
  const p = pack();
  for (const [name, file] of Object.entries(files)) {
    const f = typeof file === 'string' ? { content: file } : file;
    if (f.type === 'directory') p.entry({ name, type: 'directory', mode: 0o755, uid: f.uid ?? 0, gid: f.gid ?? 0 });
    else p.entry({ name, mode: 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0 }, f.content);
  }
  p.finalize();
  return Readable.from(p);
}

const DOCKERFILE = `# a comment
FROM base:1 AS deps
RUN apk add \\
    make
FROM deps AS app
COPY . /app
FROM app AS test
RUN make test
`;

let gateway: MemoryGateway;
afterEach(() => gateway?.dispose());

function body(extra: Partial<ContainerCreateBody> = {}): ContainerCreateBody {
  return { Image: 'base:1', ...extra };
}

test('a build records its options and the context\'s files, and the image gets its tags and labels', async () => {
  gateway = new MemoryGateway();
  const options = { tags: ['demo-web:latest', 'demo-web:1'], labels: { 'dev.stack.context-hash': 'abc' }, buildArgs: { A: '1' } };
  const { imageId } = await gateway.buildImage(tarOf({ Dockerfile: DOCKERFILE, 'src/index.js': 'x', 'src/': { content: '', type: 'directory' } }), options);
  assert.equal(gateway.builds.length, 1);
  assert.deepEqual(gateway.builds[0]!.files, ['Dockerfile', 'src', 'src/index.js']);
  assert.deepEqual(gateway.builds[0]!.options, options);
  assert.equal(gateway.builds[0]!.dockerfile, DOCKERFILE);
  const image = await gateway.inspectImage('demo-web:1');
  assert.equal(image.id, imageId);
  assert.deepEqual([...image.repoTags], ['demo-web:latest', 'demo-web:1']);
  assert.equal(image.labels['dev.stack.context-hash'], 'abc');
});

test('the same context and options give the same image id; a changed file gives another, and the tag moves', async () => {
  gateway = new MemoryGateway();
  const first = await gateway.buildImage(tarOf({ Dockerfile: DOCKERFILE, 'a.txt': 'one' }), { tags: ['demo-web:latest'] });
  const again = await gateway.buildImage(tarOf({ Dockerfile: DOCKERFILE, 'a.txt': 'one' }), { tags: ['demo-web:latest'] });
  assert.equal(again.imageId, first.imageId);
  const changed = await gateway.buildImage(tarOf({ Dockerfile: DOCKERFILE, 'a.txt': 'two' }), { tags: ['demo-web:latest'] });
  assert.notEqual(changed.imageId, first.imageId);
  assert.equal((await gateway.inspectImage('demo-web:latest')).id, changed.imageId);
  assert.deepEqual([...(await gateway.inspectImage(first.imageId)).repoTags], []);
});

test('a build reports one step per instruction, up to the end of the target stage', async () => {
  gateway = new MemoryGateway();
  const events: BuildProgressEvent[] = [];
  await gateway.buildImage(tarOf({ Dockerfile: DOCKERFILE }), { tags: ['demo-web:dev'], target: 'app' }, (e) => events.push(e));
  assert.deepEqual(events, [
    { type: 'step', step: 1, totalSteps: 4, instruction: 'FROM base:1 AS deps' },
    { type: 'step', step: 2, totalSteps: 4, instruction: 'RUN apk add make' },
    { type: 'step', step: 3, totalSteps: 4, instruction: 'FROM deps AS app' },
    { type: 'step', step: 4, totalSteps: 4, instruction: 'COPY . /app' },
  ]);
});

test('a build told to fail at a step stops there with a BuildError naming it, and creates no image', async () => {
  gateway = new MemoryGateway();
  gateway.failBuild('demo-web:latest', { step: 2, output: ['fetching make', 'ERROR: unable to select packages'], commandExitCode: 2 });
  const events: BuildProgressEvent[] = [];
  await assert.rejects(gateway.buildImage(tarOf({ Dockerfile: DOCKERFILE }), { tags: ['demo-web:latest'] }, (e) => events.push(e)), (e: unknown) => {
    assert.ok(e instanceof BuildError, String(e));
    assert.equal(e.step, 'Step 2/6 : RUN apk add make');
    assert.equal(e.commandExitCode, 2);
    assert.deepEqual(e.output, ['fetching make', 'ERROR: unable to select packages']);
    return true;
  });
  assert.deepEqual(events.map((e) => e.type), ['step', 'step', 'output', 'output']);
  await assert.rejects(gateway.inspectImage('demo-web:latest'), NotFoundError);
});

test('a missing Dockerfile and an unknown target are BuildErrors with the engine\'s status codes', async () => {
  gateway = new MemoryGateway();
  await assert.rejects(gateway.buildImage(tarOf({ 'a.txt': 'x' }), { tags: ['x:1'] }), (e: unknown) => e instanceof BuildError && e.statusCode === 500 && /Cannot locate specified Dockerfile: Dockerfile/.test(e.message));
  await assert.rejects(gateway.buildImage(tarOf({ Dockerfile: DOCKERFILE }), { tags: ['x:1'], target: 'nope' }), (e: unknown) => e instanceof BuildError && e.statusCode === 400);
});

test('a remote build needs no context', async () => {
  gateway = new MemoryGateway();
  const { imageId } = await gateway.buildImage(null, { tags: ['remote:1'], remote: 'https://git.example/app.git' });
  assert.equal((await gateway.inspectImage('remote:1')).id, imageId);
  assert.deepEqual(gateway.builds[0]!.files, []);
});

test('tagImage adds a reference; removeImage removes references, then the image; 409 while a container uses it', async () => {
  gateway = new MemoryGateway();
  gateway.addImage('base:1');
  await gateway.tagImage('base:1', 'registry.local:5000/base', '1');
  assert.deepEqual([...(await gateway.inspectImage('base:1')).repoTags], ['base:1', 'registry.local:5000/base:1']);
  await gateway.createContainer('demo-web-1', body());
  await assert.rejects(gateway.removeImage('base:1'), ConflictError);
  await gateway.removeContainer('demo-web-1', {});
  assert.deepEqual(await gateway.removeImage('base:1'), { untagged: ['base:1'], deleted: [] });
  const id = (await gateway.inspectImage('registry.local:5000/base:1')).id;
  assert.deepEqual(await gateway.removeImage('registry.local:5000/base:1'), { untagged: ['registry.local:5000/base:1'], deleted: [id] });
  await assert.rejects(gateway.removeImage('base:1'), NotFoundError);
  await assert.rejects(gateway.tagImage('base:1', 'x', '1'), NotFoundError);
});

test('a pushed image can be removed and pulled back with its id', async () => {
  gateway = new MemoryGateway({ strictRegistry: true });
  gateway.addImage('registry.local:5000/app:1');
  const id = (await gateway.inspectImage('registry.local:5000/app:1')).id;
  const { digest } = await gateway.pushImage('registry.local:5000/app:1', {});
  assert.match(digest ?? '', /^sha256:/);
  assert.equal(gateway.registryImage('registry.local:5000/app:1'), id);
  await gateway.removeImage('registry.local:5000/app:1');
  await gateway.pullImage('registry.local:5000/app:1', {});
  assert.equal((await gateway.inspectImage('registry.local:5000/app:1')).id, id);
  await assert.rejects(gateway.pullImage('registry.local:5000/other:1', {}), NotFoundError);
  await assert.rejects(gateway.pushImage('registry.local:5000/not-local:1', {}), NotFoundError);
});

test('a registry that requires credentials refuses a wrong header with a RegistryAuthError', async () => {
  gateway = new MemoryGateway();
  gateway.requireRegistryAuth('registry.local:5000', 'right-header').addImage('registry.local:5000/app:1').addRegistryImage('registry.local:5000/app:2');
  await assert.rejects(gateway.pushImage('registry.local:5000/app:1', {}), RegistryAuthError);
  await assert.rejects(gateway.pushImage('registry.local:5000/app:1', { authHeader: 'wrong' }), RegistryAuthError);
  await gateway.pushImage('registry.local:5000/app:1', { authHeader: 'right-header' });
  await assert.rejects(gateway.pullImage('registry.local:5000/app:2', { authHeader: 'wrong' }), RegistryAuthError);
  await gateway.pullImage('registry.local:5000/app:2', { authHeader: 'right-header' });
  // Other registries are not affected.
  gateway.addImage('other.local/app:1');
  await gateway.pushImage('other.local/app:1', {});
});

test('putArchive writes files into the container\'s fake filesystem, in any state', async () => {
  gateway = new MemoryGateway();
  const id = await gateway.createContainer('demo-web-1', body());
  await gateway.putArchive(id, '/app', tarOf({ 'src/': { content: '', type: 'directory' }, 'src/index.js': 'v1', 'README.md': 'read me' }));
  assert.equal(gateway.readFile('demo-web-1', '/app/src/index.js'), 'v1');
  assert.equal(gateway.filesOf('demo-web-1').get('/app/src')?.type, 'directory');
  await gateway.startContainer(id);
  await gateway.putArchive('demo-web-1', '/app/src', tarOf({ 'index.js': 'v2' }));
  assert.equal(gateway.readFile(id, '/app/src/index.js'), 'v2');
  assert.equal(gateway.readFile(id, '/app/README.md'), 'read me');
  await gateway.stopContainer(id);
  await gateway.putArchive(id, '/', tarOf({ 'etc/conf': 'stopped' }));
  assert.equal(gateway.readFile(id, '/etc/conf'), 'stopped');
  await gateway.removeContainer(id, {});
  assert.equal(gateway.filesOf(id).size, 0);
  await assert.rejects(gateway.putArchive('demo-web-1', '/app', tarOf({ 'x': 'x' })), NotFoundError);
});

test('putArchive owners: the tar\'s, or with copyUIDGID the container user\'s as Docker 20.10 resolves it', async () => {
  gateway = new MemoryGateway();
  await gateway.createContainer('plain-1', body());
  await gateway.putArchive('plain-1', '/app', tarOf({ 'a.txt': { content: 'x', uid: 1234, gid: 4321 } }), { copyUIDGID: true });
  assert.deepEqual(pick(gateway.filesOf('plain-1').get('/app/a.txt')), { uid: 1234, gid: 4321 });

  await gateway.createContainer('nobody-1', body({ User: 'nobody' }));
  await gateway.putArchive('nobody-1', '/app', tarOf({ 'a.txt': { content: 'x', uid: 1234, gid: 4321 } }), { copyUIDGID: true });
  assert.deepEqual(pick(gateway.filesOf('nobody-1').get('/app/a.txt')), { uid: 65534, gid: 65534 });
  await gateway.putArchive('nobody-1', '/app', tarOf({ 'b.txt': { content: 'x', uid: 1234, gid: 4321 } }));
  assert.deepEqual(pick(gateway.filesOf('nobody-1').get('/app/b.txt')), { uid: 1234, gid: 4321 });

  await gateway.createContainer('pair-1', body({ User: 'app:app' }));
  await assert.rejects(gateway.putArchive('pair-1', '/app', tarOf({ 'a.txt': 'x' }), { copyUIDGID: true }), (e: unknown) => e instanceof EngineApiError && e.statusCode === 500);
  assert.equal(gateway.filesOf('pair-1').size, 0);
});

test('the new image and archive calls are logged as mutating calls, with failure injection', async () => {
  gateway = new MemoryGateway();
  await gateway.createContainer('demo-web-1', body());
  gateway.failOn('putArchive', 'demo-web-1', new EngineApiError('copy files to /app in', 'boom', { kind: 'container', name: 'demo-web-1' }, 500), 1);
  await assert.rejects(gateway.putArchive('demo-web-1', '/app', tarOf({ 'a.txt': 'x' })), /boom/);
  await gateway.putArchive('demo-web-1', '/app', tarOf({ 'a.txt': 'x' }));
  assert.deepEqual(gateway.callsTo('putArchive').map((c) => [c.target, c.outcome]), [['demo-web-1', 'error'], ['demo-web-1', 'ok']]);
});

function pick(file: { uid: number; gid: number } | undefined): { uid: number; gid: number } | undefined {
  return file && { uid: file.uid, gid: file.gid };
}
