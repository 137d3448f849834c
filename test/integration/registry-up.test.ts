// Registries through the CLI on the real engine (issue 10): `stack build` + `stack push` of a
// service with both build and image, then `up` of a service with only that image pulls it
// back, from the anonymous registry and from the htpasswd one (credentials from an `auths`
// entry, and from a credential helper on PATH); a wrong password fails with a clear message
// that shows no credential, and creates nothing. The registries are scripts/registry-up's,
// under a root of this file's own; DOCKER_CONFIG and HOME point at temporary directories, so
// the machine's ~/.docker is never read.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, docker, fixturesDir, projectContainers, projectNetworks, repoRoot, runStack, uniqueProject } from '../helpers/engine.js';
import { containerFacts, describeRun, readIn } from '../helpers/stack-state.js';

const suffix = randomBytes(3).toString('hex');
const root = join(tmpdir(), `stack-registry-up-${suffix}`);
const work = mkdtempSync(join(tmpdir(), 'stack-registry-up-work-'));
const dir = join(fixturesDir, 'registry-stack');
const projects: string[] = [];
const images: string[] = [];
let registry = new Map<string, string>();

function runScript(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot, 'scripts', name)], { env: { ...process.env, STACK_REGISTRY_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const basic = (user: string, password: string): string => Buffer.from(`${user}:${password}`).toString('base64');

/** The environment of a run whose Docker config is `config` (and nothing of this machine's). */
function configEnv(image: string, config: unknown, extra: Record<string, string> = {}): Record<string, string> {
  const cfg = mkdtempSync(join(work, 'cfg-'));
  writeFileSync(join(cfg, 'config.json'), JSON.stringify(config));
  return { DOCKER_CONFIG: cfg, HOME: work, APP_IMAGE: image, ...extra };
}

function tagsInRegistry(hostPort: string, repository: string, authorization = ''): Promise<string[]> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path: `/v2/${repository}/tags/list`, headers: authorization ? { authorization } : {}, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? ((JSON.parse(body) as { tags: string[] | null }).tags ?? []) : []));
    });
    req.on('error', reject);
    req.end();
  });
}

async function removeLocal(image: string): Promise<void> {
  await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  await assert.rejects(docker.getImage(image).inspect(), 'the image is gone from the engine');
}

/** Build and push the fixture's image as `image`, then take it off the engine. */
async function buildAndPush(image: string, env: Record<string, string>): Promise<void> {
  const project = uniqueProject('regpush');
  const args = ['-f', join(dir, 'push.yaml'), '-p', project, '--progress', 'plain'];
  const built = await runStack([...args, 'build'], { env });
  assert.equal(built.code, 0, describeRun(built));
  const pushed = await runStack([...args, 'push'], { env });
  assert.equal(pushed.code, 0, describeRun(pushed));
}

/** `up -d` of the pull-only file in a fresh project. */
async function upPulling(env: Record<string, string>): Promise<{ project: string; r: Awaited<ReturnType<typeof runStack>> }> {
  const project = uniqueProject('regpull');
  projects.push(project);
  const r = await runStack(['-f', join(dir, 'pull.yaml'), '-p', project, '--progress', 'plain', 'up', '-d'], { env });
  return { project, r };
}

async function assertServesPulledFile(project: string): Promise<void> {
  const [app] = [...(await containerFacts(project)).values()];
  assert.ok(app, 'the container exists');
  assert.equal(app.state, 'running');
  assert.equal(await readIn(app.id, '/hello.txt'), 'hello from the registry');
}

before(async () => {
  const up = await runScript('registry-up');
  assert.equal(up.code, 0, up.stderr);
  registry = new Map(up.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
});

after(async () => {
  for (const p of projects) await cleanupProject(p);
  for (const image of images) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  await runScript('registry-down');
  rmSync(`${root}.lock`, { force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('the anonymous registry', () => {
  const repository = `stack-test/up-${suffix}`;
  let image = '';
  before(() => {
    image = `${registry.get('REGISTRY')}/${repository}:1`;
    images.push(image);
  });

  it('stack build then stack push puts the image in the registry', async () => {
    await buildAndPush(image, configEnv(image, {}));
    assert.deepEqual(await tagsInRegistry(registry.get('REGISTRY')!, repository), ['1']);
  });

  it('up pulls the missing image from the registry and runs it', async () => {
    await removeLocal(image);
    const { project, r } = await upPulling(configEnv(image, {}));
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, new RegExp(`\\+ image ${image.replace(/[.]/g, '\\.')} \\(pulled\\)`));
    await assertServesPulledFile(project);
  });
});

describe('the registry with htpasswd authentication', () => {
  const repository = `stack-test/up-auth-${suffix}`;
  let image = '';
  let host = '';
  let user = '';
  let password = '';
  before(() => {
    host = registry.get('REGISTRY_AUTH')!;
    user = registry.get('REGISTRY_USER')!;
    password = registry.get('REGISTRY_PASSWORD')!;
    image = `${host}/${repository}:1`;
    images.push(image);
  });

  it('push with an auths entry puts the image in the registry', async () => {
    await buildAndPush(image, configEnv(image, { auths: { [host]: { auth: basic(user, password) } } }));
    assert.deepEqual(await tagsInRegistry(host, repository, `Basic ${basic(user, password)}`), ['1']);
  });

  it('up pulls with the credentials of an auths entry', async () => {
    await removeLocal(image);
    const { project, r } = await upPulling(configEnv(image, { auths: { [host]: { auth: basic(user, password) } } }));
    assert.equal(r.code, 0, describeRun(r));
    await assertServesPulledFile(project);
  });

  it('up pulls with the credentials a credential helper on PATH gives', async () => {
    await removeLocal(image);
    const env = configEnv(
      image,
      { credHelpers: { [host]: 'stack-test' } },
      {
        PATH: `${join(fixturesDir, 'registry', 'bin')}:${process.env.PATH}`,
        STACK_TEST_REGISTRY_HOST: host,
        STACK_TEST_REGISTRY_USER: user,
        STACK_TEST_REGISTRY_PASSWORD: password,
      },
    );
    const { project, r } = await upPulling(env);
    assert.equal(r.code, 0, describeRun(r));
    await assertServesPulledFile(project);
  });

  it('a wrong password fails up with a clear message that shows no credential, and creates nothing', async () => {
    await removeLocal(image);
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const { project, r } = await upPulling(configEnv(image, { auths: { [host]: { auth: basic(user, wrong) } } }));
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /unauthorized|authentication required/i);
    assert.match(r.stderr, new RegExp(image.replace(/[.]/g, '\\.')));
    for (const secret of [wrong, basic(user, wrong), password]) assert.ok(!(r.stdout + r.stderr).includes(secret), 'no credential in the output');
    assert.deepEqual(await projectContainers(project), []);
    assert.deepEqual(await projectNetworks(project), []);
  });
});
