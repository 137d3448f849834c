// The gateway's image and archive calls against the real engine: classic builds, tag and
// remove, push and pull through a real registry (Debian's docker-registry on 127.0.0.1), and
// copying files into containers. Engine state is checked with dockerode (test/helpers),
// independently of the code under test. Images are named `stack-test-<random>/...` and removed
// at the end; the registries run from temp directories and are stopped by PID.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pack, extract } from 'tar-stream';
import { docker, testImage, uniqueProject, cleanupProject, eventually, execIn, repoRoot } from '../helpers/engine.js';
import { openGateway, type OpenedGateway } from '../../src/engine/connect.js';
import { BuildError, ConflictError, EngineApiError, NotFoundError, RegistryAuthError } from '../../src/errors.js';
import type { BuildProgressEvent, ContainerCreateBody, RegistryProgressEvent } from '../../src/engine/gateway.js';

const project = uniqueProject('gwimages');
const prefix = `stack-test-${randomBytes(4).toString('hex')}`;
const tmp = mkdtempSync(join(tmpdir(), 'stack-gw-images-'));
let gateway: OpenedGateway;

// ---- the registries: one place (the integrator may switch this to scripts/registry-up) -------

interface TestRegistries {
  /** host:port of a registry without authentication. */
  readonly plain: string;
  /** host:port of a registry with htpasswd authentication, and its one user. */
  readonly auth: string;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

let registries: TestRegistries;

before(async () => {
  gateway = await openGateway({ env: { ...process.env, DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined } });
  registries = await startRegistries();
});

after(async () => {
  await cleanupProject(project);
  for (const image of await docker.listImages()) {
    const mine = (image.RepoTags ?? []).filter((t) => t.startsWith(`${prefix}/`) || t.includes(`/${prefix}/`));
    for (const tag of mine) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  }
  await registries?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts Debian's docker-registry twice on 127.0.0.1 (plain; htpasswd), installing it when missing. */
async function startRegistries(): Promise<TestRegistries> {
  ensureInstalled('docker-registry', 'docker-registry');
  ensureInstalled('htpasswd', 'apache2-utils');
  const user = 'stacktest';
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const htpasswd = spawnSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' });
  if (htpasswd.status !== 0) throw new Error(`htpasswd failed: ${htpasswd.stderr}`);
  writeFileSync(join(tmp, 'htpasswd'), htpasswd.stdout);
  const children: ChildProcess[] = [];
  const start = async (name: string, auth: boolean): Promise<string> => {
    const port = await freePort();
    const config = [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${join(tmp, `${name}-data`)} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}", secret: "${randomBytes(8).toString('hex')}" }`,
      ...(auth ? [`auth: { htpasswd: { realm: stack-test, path: ${join(tmp, 'htpasswd')} } }`] : []),
    ].join('\n');
    writeFileSync(join(tmp, `${name}.yml`), config);
    const child = spawn('docker-registry', ['serve', join(tmp, `${name}.yml`)], { stdio: 'ignore' });
    children.push(child);
    await eventually(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/v2/`);
      assert.ok(r.status === 200 || r.status === 401, `registry ${name} answered ${r.status}`);
    }, 15_000, 100);
    return `127.0.0.1:${port}`;
  };
  const plain = await start('plain', false);
  const auth = await start('auth', true);
  return {
    plain,
    auth,
    user,
    password,
    async stop() {
      for (const child of children) {
        if (child.exitCode !== null) continue;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

function ensureInstalled(binary: string, debianPackage: string): void {
  if (spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0) return;
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', debianPackage], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`${binary} is missing and apt-get install ${debianPackage} failed (run as root, after apt-get update)`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A registry header value as the Docker CLI makes it: Go's base64.URLEncoding, the URL-safe
 * alphabet WITH `=` padding. Node's 'base64url' drops the padding; Docker 20.10 then silently
 * ignored the X-Registry-Config of the build test below (its pull of the base image went out
 * without credentials), while the same JSON padded worked.
 */
function encodeRegistryHeader(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The X-Registry-Auth value the Engine API expects. */
function authHeader(user: string, password: string, serveraddress: string): string {
  return encodeRegistryHeader({ username: user, password, serveraddress });
}

// ---- helpers ---------------------------------------------------------------------------------

type TarFile = string | { content: string; mode?: number; uid?: number; gid?: number };

/** A tar stream of the given files (uid/gid 0 unless said), made with tar-stream (as a node Readable). */
function tarOf(files: Record<string, TarFile>): Readable {
  const p = pack();
  for (const [name, file] of Object.entries(files)) {
    const f = typeof file === 'string' ? { content: file } : file;
    p.entry({ name, mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0, mtime: new Date(0) }, f.content);
  }
  p.finalize();
  return Readable.from(p);
}

/** A file of a container, through the archive GET (works on any container state). */
async function readContainerFile(containerId: string, path: string): Promise<{ content: string; uid: number; gid: number }> {
  const archive = await docker.getContainer(containerId).getArchive({ path });
  const reader = extract();
  (archive as Readable).pipe(reader);
  for await (const entry of reader) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    return { content: Buffer.concat(chunks).toString('utf8'), uid: entry.header.uid ?? -1, gid: entry.header.gid ?? -1 };
  }
  throw new Error(`no ${path} in ${containerId}`);
}

/** A file of an image: through a created (never started) container. */
async function readImageFile(image: string, path: string): Promise<string> {
  const c = await docker.createContainer({ Image: image, Cmd: ['true'], Labels: { 'com.docker.compose.project': project } });
  try {
    return (await readContainerFile(c.id, path)).content;
  } finally {
    await c.remove({ force: true });
  }
}

let counter = 0;
function containerBody(extra: Partial<ContainerCreateBody> = {}): ContainerCreateBody {
  return {
    Image: testImage,
    Cmd: ['sleep', '300'],
    Labels: { 'com.docker.compose.project': project, 'test.case': String(++counter) },
    HostConfig: { Init: true },
    ...extra,
  };
}

/** A tagged copy of the test image in a registry's namespace, for pushes. */
async function localCopy(registry: string, name: string): Promise<string> {
  const repo = `${registry}/${prefix}/${name}`;
  await docker.getImage(testImage).tag({ repo, tag: '1' });
  return `${repo}:1`;
}

// ---- builds ------------------------------------------------------------------------------------

const MULTI_STAGE = `FROM ${testImage} AS base
ARG GREETING=hello
RUN echo "$GREETING" > /greeting
FROM base AS app
RUN cp /greeting /app-greeting && echo built-by-test
# never built: the build stops at the target
FROM ${testImage} AS unused
RUN exit 9
`;

test('a multi-stage build with target, args and labels gives an image with the labels and the stage\'s file', async () => {
  const tags = [`${prefix}/multi:1`, `${prefix}/multi:extra`];
  const { imageId } = await gateway.buildImage(tarOf({ Dockerfile: MULTI_STAGE, 'ignored.txt': 'x' }), {
    tags,
    target: 'app',
    buildArgs: { GREETING: 'hi-from-args' },
    labels: { 'dev.stack.test': 'multi', 'com.example.__proto__': 'harmless' },
  });
  const inspected = await docker.getImage(tags[0]!).inspect();
  assert.equal(inspected.Id, imageId);
  assert.deepEqual([...inspected.RepoTags].sort(), [...tags].sort());
  assert.equal(inspected.Config.Labels['dev.stack.test'], 'multi');
  assert.equal(inspected.Config.Labels['com.example.__proto__'], 'harmless');
  assert.equal(await readImageFile(imageId, '/app-greeting'), 'hi-from-args\n');
  const ours = await gateway.inspectImage(tags[1]!);
  assert.equal(ours.id, imageId);
  assert.equal(ours.labels['dev.stack.test'], 'multi');
});

test('the progress callback sees every step in order, then the step\'s output', async () => {
  const events: BuildProgressEvent[] = [];
  await gateway.buildImage(tarOf({ Dockerfile: MULTI_STAGE }), { tags: [`${prefix}/progress:1`], target: 'app', noCache: true }, (e) => events.push(e));
  const steps = events.filter((e) => e.type === 'step');
  assert.deepEqual(
    steps.map((s) => `${s.step}/${s.totalSteps} ${s.instruction}`),
    [`1/5 FROM ${testImage} AS base`, '2/5 ARG GREETING=hello', '3/5 RUN echo "$GREETING" > /greeting', '4/5 FROM base AS app', '5/5 RUN cp /greeting /app-greeting && echo built-by-test'],
  );
  const lastStep = events.indexOf(steps[4]!);
  const output = events.findIndex((e) => e.type === 'output' && e.line === 'built-by-test');
  assert.ok(output > lastStep, 'the output line comes after its step');
});

test('a failing RUN is a BuildError naming the step and its last output lines', async () => {
  const dockerfile = `FROM ${testImage}\nRUN echo first-line; echo second-line >&2; printf no-newline; exit 3\n`;
  await assert.rejects(gateway.buildImage(tarOf({ Dockerfile: dockerfile }), { tags: [`${prefix}/failing:1`] }), (e: unknown) => {
    assert.ok(e instanceof BuildError, String(e));
    assert.equal(e.step, 'Step 2/2 : RUN echo first-line; echo second-line >&2; printf no-newline; exit 3');
    assert.equal(e.commandExitCode, 3);
    assert.deepEqual([...e.output].sort(), ['first-line', 'no-newline', 'second-line']);
    assert.equal(e.transient, false);
    assert.equal(e.exitCode, 1);
    assert.match(e.message, /build image .*failing:1 failed at Step 2\/2 : RUN .*returned a non-zero code: 3/);
    assert.match(e.message, /last output:\n {2}/);
    return true;
  });
  await assert.rejects(docker.getImage(`${prefix}/failing:1`).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
});

test('a context without its Dockerfile is a BuildError before any step', async () => {
  await assert.rejects(gateway.buildImage(tarOf({ 'app.txt': 'x' }), { tags: [`${prefix}/nodockerfile:1`], dockerfile: 'Missing.Dockerfile' }), (e: unknown) => {
    assert.ok(e instanceof BuildError, String(e));
    assert.equal(e.step, undefined);
    assert.match(e.message, /Missing\.Dockerfile/);
    return true;
  });
});

test('a context stream that fails rejects the build with its own error', async () => {
  const broken = new Readable({ read() {} });
  broken.push(Buffer.alloc(512));
  setImmediate(() => broken.destroy(new Error('context producer failed: unreadable file secret.key')));
  await assert.rejects(gateway.buildImage(broken, { tags: [`${prefix}/broken:1`] }), /context producer failed: unreadable file secret\.key/);
});

test('aborting a build rejects with the abort and the engine stops the running step', async () => {
  const marker = `abort-${randomBytes(4).toString('hex')}`;
  const controller = new AbortController();
  const build = gateway.buildImage(
    tarOf({ Dockerfile: `FROM ${testImage}\nRUN echo ${marker}; sleep 60\n` }),
    { tags: [`${prefix}/aborted:1`] },
    (e) => {
      if (e.type === 'output' && e.line === marker) controller.abort();
    },
    controller.signal,
  );
  await assert.rejects(build, (e: unknown) => (e as Error).name === 'AbortError');
  await eventually(async () => {
    const stepContainers = (await docker.listContainers({ all: true })).filter((c) => c.Command.includes(marker));
    assert.deepEqual(stepContainers, []);
  }, 20_000);
});

test('a remote context is fetched by the engine and no tar is sent', async () => {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`FROM ${testImage}\nRUN echo remote > /remote.txt\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/Dockerfile`;
    const { imageId } = await gateway.buildImage(null, { tags: [`${prefix}/remote:1`], remote: url });
    assert.equal(await readImageFile(imageId, '/remote.txt'), 'remote\n');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

// ---- tag and remove ------------------------------------------------------------------------------

test('tagImage adds a reference; removeImage takes it off, then deletes the image with the last one', async () => {
  const { imageId } = await gateway.buildImage(tarOf({ Dockerfile: `FROM ${testImage}\nLABEL dev.stack.case=tag\n` }), { tags: [`${prefix}/tagged:1`] });
  await gateway.tagImage(imageId, `${prefix}/tagged`, 'second');
  assert.deepEqual([...(await docker.getImage(imageId).inspect()).RepoTags].sort(), [`${prefix}/tagged:1`, `${prefix}/tagged:second`]);

  assert.deepEqual(await gateway.removeImage(`${prefix}/tagged:1`), { untagged: [`${prefix}/tagged:1`], deleted: [] });
  const last = await gateway.removeImage(`${prefix}/tagged:second`, { noPrune: true });
  assert.deepEqual(last.untagged, [`${prefix}/tagged:second`]);
  assert.deepEqual(last.deleted, [imageId]);
  await assert.rejects(docker.getImage(imageId).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
  await assert.rejects(gateway.removeImage(`${prefix}/tagged:second`), NotFoundError);
  await assert.rejects(gateway.tagImage(`${prefix}/tagged:second`, `${prefix}/tagged`, 'third'), NotFoundError);
});

test('removing an image a container uses is a ConflictError', async () => {
  await gateway.buildImage(tarOf({ Dockerfile: `FROM ${testImage}\nLABEL dev.stack.case=in-use\n` }), { tags: [`${prefix}/inuse:1`] });
  await gateway.createContainer(`${project}-inuse-1`, containerBody({ Image: `${prefix}/inuse:1` }));
  await assert.rejects(gateway.removeImage(`${prefix}/inuse:1`), ConflictError);
});

// ---- archives ------------------------------------------------------------------------------------

test('putArchive writes into a running container, keeping the tar\'s owners', async () => {
  const id = await gateway.createContainer(`${project}-arch-running-1`, containerBody());
  await gateway.startContainer(id);
  await gateway.putArchive(id, '/tmp', tarOf({ 'synced.txt': { content: 'live\n', uid: 1234, gid: 4321 } }));
  const r = await execIn(id, ['sh', '-c', 'cat /tmp/synced.txt; stat -c %u:%g /tmp/synced.txt']);
  assert.equal(r.output.replace(/\r/g, ''), 'live\n1234:4321\n');
});

test('putArchive writes into a container that was never started, and one that has exited', async () => {
  const created = await gateway.createContainer(`${project}-arch-created-1`, containerBody());
  await gateway.putArchive(created, '/', tarOf({ 'etc/app.conf': 'created\n' }));
  assert.deepEqual(await readContainerFile(created, '/etc/app.conf'), { content: 'created\n', uid: 0, gid: 0 });

  const exited = await gateway.createContainer(`${project}-arch-exited-1`, containerBody({ Cmd: ['true'] }));
  await gateway.startContainer(exited);
  await gateway.waitContainer(exited);
  await gateway.putArchive(exited, '/tmp', tarOf({ 'after-exit.txt': 'exited\n' }));
  assert.equal((await readContainerFile(exited, '/tmp/after-exit.txt')).content, 'exited\n');
});

test('copyUIDGID gives the files the container user\'s ids, looked up on the engine\'s host (Docker 20.10)', async () => {
  const nobody = await gateway.createContainer(`${project}-arch-nobody-1`, containerBody({ User: 'nobody' }));
  await gateway.putArchive(nobody, '/tmp', tarOf({ 'owned.txt': { content: 'x', uid: 1234, gid: 4321 } }), { copyUIDGID: true });
  const owned = await readContainerFile(nobody, '/tmp/owned.txt');
  assert.deepEqual([owned.uid, owned.gid], [65534, 65534]);

  // With no User the tar's own owners stay.
  const root = await gateway.createContainer(`${project}-arch-nouser-1`, containerBody());
  await gateway.putArchive(root, '/tmp', tarOf({ 'kept.txt': { content: 'x', uid: 1234, gid: 4321 } }), { copyUIDGID: true });
  const kept = await readContainerFile(root, '/tmp/kept.txt');
  assert.deepEqual([kept.uid, kept.gid], [1234, 4321]);

  // `user:group` is looked up whole with getent on the host and fails (moby#34142): measured.
  const pair = await gateway.createContainer(`${project}-arch-pair-1`, containerBody({ User: '4242:4242' }));
  await assert.rejects(gateway.putArchive(pair, '/tmp', tarOf({ 'x.txt': 'x' }), { copyUIDGID: true }), (e: unknown) => {
    assert.ok(e instanceof EngineApiError, String(e));
    assert.equal(e.statusCode, 500);
    assert.match(e.message, /getent unable to find entry/);
    return true;
  });
});

test('putArchive to a missing directory or an unknown container is a NotFoundError', async () => {
  const id = await gateway.createContainer(`${project}-arch-missing-1`, containerBody());
  await assert.rejects(gateway.putArchive(id, '/no/such/dir', tarOf({ 'x.txt': 'x' })), NotFoundError);
  await assert.rejects(gateway.putArchive(`${project}-ghost`, '/tmp', tarOf({ 'x.txt': 'x' })), NotFoundError);
});

// ---- push and pull ---------------------------------------------------------------------------------

test('an image pushed to a registry can be removed and pulled back, with progress and a digest', async () => {
  const ref = await localCopy(registries.plain, 'roundtrip');
  const { Id: localId } = await docker.getImage(ref).inspect();
  const pushed: RegistryProgressEvent[] = [];
  const { digest } = await gateway.pushImage(ref, {}, (e) => pushed.push(e));
  assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.ok(pushed.length > 0, 'the push reported progress');

  await docker.getImage(ref).remove();
  const pulled: RegistryProgressEvent[] = [];
  await gateway.pullImage!(ref, {}, (e) => pulled.push(e));
  assert.equal((await docker.getImage(ref).inspect()).Id, localId);
  assert.ok(pulled.some((e) => /digest: sha256:|Downloaded newer image|Image is up to date/i.test(e.status)), JSON.stringify(pulled));
});

test('pulling a tag the registry lacks is a NotFoundError, not an auth error', async () => {
  await assert.rejects(gateway.pullImage!(`${registries.plain}/${prefix}/never-pushed:1`, {}), (e: unknown) => {
    assert.ok(e instanceof NotFoundError, String(e));
    assert.ok(!(e instanceof RegistryAuthError));
    assert.equal(e.transient, false);
    return true;
  });
});

test('pushing an image that does not exist locally is a NotFoundError', async () => {
  await assert.rejects(gateway.pushImage(`${registries.plain}/${prefix}/not-local:1`, {}), NotFoundError);
});

test('a push or pull without credentials, or with a wrong password, is a RegistryAuthError that shows no secret', async () => {
  const ref = await localCopy(registries.auth, 'private');
  const wrong = authHeader(registries.user, 'wrong-password-123', registries.auth);
  const isAuthFailure = (e: unknown): boolean => {
    assert.ok(e instanceof RegistryAuthError, String(e));
    assert.equal(e.transient, false);
    assert.ok(!e.message.includes('wrong-password-123') && !e.message.includes(wrong), e.message);
    assert.ok(!(e.hint ?? '').includes('wrong-password-123'));
    return true;
  };
  await assert.rejects(gateway.pushImage(ref, {}), isAuthFailure);
  await assert.rejects(gateway.pushImage(ref, { authHeader: wrong }), isAuthFailure);

  const right = authHeader(registries.user, registries.password, registries.auth);
  const { digest } = await gateway.pushImage(ref, { authHeader: right });
  assert.match(digest ?? '', /^sha256:/);

  await docker.getImage(ref).remove();
  await assert.rejects(gateway.pullImage!(ref, {}), isAuthFailure);
  await assert.rejects(gateway.pullImage!(ref, { authHeader: wrong }), isAuthFailure);
  await gateway.pullImage!(ref, { authHeader: right });
  assert.ok((await docker.getImage(ref).inspect()).Id);
});

test('a registry that cannot be reached is a transient EngineApiError, for pull and for push', async () => {
  const down = `127.0.0.1:${await freePort()}`;
  const transient = (e: unknown): boolean => {
    assert.ok(e instanceof EngineApiError, String(e));
    assert.ok(!(e instanceof NotFoundError) && !(e instanceof RegistryAuthError), String(e));
    assert.equal(e.transient, true, e.message);
    return true;
  };
  await assert.rejects(gateway.pullImage!(`${down}/${prefix}/x:1`, {}), transient);
  const ref = await localCopy(down, 'unreachable');
  await assert.rejects(gateway.pushImage(ref, {}), transient);
});

test('a build whose base image is in a registry that needs credentials gets them from X-Registry-Config', async () => {
  const base = await localCopy(registries.auth, 'private-base');
  await gateway.pushImage(base, { authHeader: authHeader(registries.user, registries.password, registries.auth) });
  await docker.getImage(base).remove();
  const dockerfile = `FROM ${base}\nRUN echo from-private-base > /marker\n`;

  await assert.rejects(gateway.buildImage(tarOf({ Dockerfile: dockerfile }), { tags: [`${prefix}/from-private:1`] }), (e: unknown) => {
    assert.ok(e instanceof BuildError, String(e));
    assert.match(e.message, /no basic auth credentials|unauthorized/);
    assert.equal(e.transient, false);
    return true;
  });
  const config = encodeRegistryHeader({ [registries.auth]: { username: registries.user, password: registries.password, serveraddress: registries.auth } });
  const { imageId } = await gateway.buildImage(tarOf({ Dockerfile: dockerfile }), { tags: [`${prefix}/from-private:1`], registryConfigHeader: config });
  assert.equal(await readImageFile(imageId, '/marker'), 'from-private-base\n');
});

test('with the modem\'s debug log on, the X-Registry-Auth value appears nowhere in it', async () => {
  const ref = await localCopy(registries.auth, 'debuglog');
  const header = authHeader(registries.user, registries.password, registries.auth);
  // A separate process: docker-modem's `debug` reads DEBUG when it loads.
  const script = `
    const { openGateway } = await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'engine', 'connect.js'))});
    const g = await openGateway({ env: { ...process.env, DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined } });
    await g.pushImage(${JSON.stringify(ref)}, { authHeader: process.env.AUTH_HEADER });
    await g.pullImage(${JSON.stringify(ref)}, { authHeader: process.env.AUTH_HEADER });
    process.stdout.write('done');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, DEBUG: 'modem', AUTH_HEADER: header } });
  assert.equal(r.stdout, 'done', r.stderr.slice(-2000));
  assert.match(r.stderr, /Sending: /, 'the modem logged its requests');
  assert.match(r.stderr, /\/push\?tag=1/);
  assert.ok(!r.stderr.includes(header), 'the header value is not in the debug log');
  assert.ok(!r.stderr.includes(registries.password), 'the password is not in the debug log');
});
