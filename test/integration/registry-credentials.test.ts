// The X-Registry-Auth values src/image/credentials.ts builds, sent to the real engine pulling
// from and pushing to the real registries of scripts/registry-up: the engine must accept
// them exactly as it accepts the Docker CLI's. The image is put into the authenticated
// registry with the docker CLI first (independently of the code under test), under a
// temporary DOCKER_CONFIG; the machine's own ~/.docker is never read or written.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, fixturesDir, repoRoot, testImage } from '../helpers/engine.js';
import { RegistryCredentials } from '../../src/image/credentials.js';
import { mustParseReference, pullParameters } from '../../src/image/reference.js';

const suffix = randomBytes(3).toString('hex');
const root = join(tmpdir(), `stack-registry-creds-${suffix}`);
const work = mkdtempSync(join(tmpdir(), 'stack-registry-creds-work-'));
const createdTags: string[] = [];
let registry = new Map<string, string>();

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A DOCKER_CONFIG directory holding `config`, and the environment that points at it. */
function configEnv(config: unknown, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(work, 'cfg-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return { DOCKER_CONFIG: dir, HOME: work, PATH: process.env.PATH, ...extra };
}

const basic = (user: string, password: string): string => Buffer.from(`${user}:${password}`).toString('base64');

/** Reads a pull or push progress stream to its end; the engine's errors may arrive inside a 200. */
async function streamErrors(stream: NodeJS.ReadableStream): Promise<string[]> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { error?: string })
    .filter((e) => e.error !== undefined)
    .map((e) => e.error!);
}

async function pullWith(image: string, header: string): Promise<string[]> {
  const { fromImage, tag } = pullParameters(mustParseReference(image));
  return streamErrors(await docker.createImage({ base64: header }, { fromImage, tag }));
}

async function imageExists(image: string): Promise<boolean> {
  return docker.getImage(image).inspect().then(() => true, () => false);
}

function tagsInRegistry(hostPort: string, repository: string, authorization: string): Promise<string[]> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path: `/v2/${repository}/tags/list`, headers: { authorization }, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? ((JSON.parse(body) as { tags: string[] }).tags ?? []) : []));
    });
    req.on('error', reject);
    req.end();
  });
}

let authImage = '';

before(async () => {
  const up = await run('bash', [join(repoRoot, 'scripts', 'registry-up')], { STACK_REGISTRY_ROOT: root });
  assert.equal(up.code, 0, up.stderr);
  registry = new Map(up.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  authImage = `${registry.get('REGISTRY_AUTH')}/stack-test/creds-${suffix}:v1`;
  createdTags.push(authImage);
  const cli = { DOCKER_CONFIG: mkdtempSync(join(work, 'cli-')) };
  assert.equal((await run('docker', ['tag', testImage, authImage], cli)).code, 0);
  const login = await run('docker', ['login', '-u', registry.get('REGISTRY_USER')!, '--password-stdin', registry.get('REGISTRY_AUTH')!], cli, registry.get('REGISTRY_PASSWORD'));
  assert.equal(login.code, 0, login.stderr);
  const push = await run('docker', ['push', authImage], cli);
  assert.equal(push.code, 0, push.stderr);
});

after(async () => {
  for (const tag of createdTags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  await run('bash', [join(repoRoot, 'scripts', 'registry-down')], { STACK_REGISTRY_ROOT: root });
  rmSync(`${root}.lock`, { force: true });
  rmSync(work, { recursive: true, force: true });
});

test('the engine pulls from the authenticated registry with the header built from an auths entry', async () => {
  await docker.getImage(authImage).remove({ force: true });
  const env = configEnv({ auths: { [registry.get('REGISTRY_AUTH')!]: { auth: basic(registry.get('REGISTRY_USER')!, registry.get('REGISTRY_PASSWORD')!) } } });
  const { header, warnings } = await new RegistryCredentials({ env }).registryAuthHeader(authImage);
  assert.deepEqual(warnings, []);
  assert.deepEqual(await pullWith(authImage, header), []);
  assert.ok(await imageExists(authImage));
});

test('the engine pulls with the credentials a credential helper on PATH gives', async () => {
  await docker.getImage(authImage).remove({ force: true });
  const host = registry.get('REGISTRY_AUTH')!;
  const env = configEnv(
    { credHelpers: { [host]: 'stack-test' } },
    {
      PATH: `${join(fixturesDir, 'registry', 'bin')}:${process.env.PATH}`,
      STACK_TEST_REGISTRY_HOST: host,
      STACK_TEST_REGISTRY_USER: registry.get('REGISTRY_USER'),
      STACK_TEST_REGISTRY_PASSWORD: registry.get('REGISTRY_PASSWORD'),
    },
  );
  const credentials = new RegistryCredentials({ env });
  const lookup = await credentials.forImage(authImage);
  assert.deepEqual(lookup.source, { kind: 'helper', helper: 'stack-test' });
  assert.deepEqual(await pullWith(authImage, lookup.credential.authHeader()), []);
  assert.ok(await imageExists(authImage));
});

test('without credentials the engine refuses the pull with HTTP 500 "no basic auth credentials", and pulls nothing', async () => {
  await docker.getImage(authImage).remove({ force: true });
  const { header } = await new RegistryCredentials({ env: configEnv({}) }).registryAuthHeader(authImage);
  assert.equal(header, 'e30=');
  await assert.rejects(pullWith(authImage, header), (e: { statusCode?: number; message?: string }) => {
    // Measured on Docker 20.10: an auth failure is a 500, not a 401; only the text tells.
    assert.equal(e.statusCode, 500);
    assert.match(String(e.message), /no basic auth credentials/);
    return true;
  });
  assert.ok(!(await imageExists(authImage)));
});

test('a wrong password is refused by the engine with "unauthorized: authentication required", and pulls nothing', async () => {
  await docker.getImage(authImage).remove({ force: true }).catch(() => undefined);
  const env = configEnv({ auths: { [registry.get('REGISTRY_AUTH')!]: { auth: basic(registry.get('REGISTRY_USER')!, 'wrong-password') } } });
  const { header } = await new RegistryCredentials({ env }).registryAuthHeader(authImage);
  await assert.rejects(pullWith(authImage, header), (e: { statusCode?: number; message?: string }) => {
    assert.equal(e.statusCode, 500);
    assert.match(String(e.message), /unauthorized: authentication required/);
    assert.ok(!String(e.message).includes('wrong-password'));
    return true;
  });
  assert.ok(!(await imageExists(authImage)));
});

test('the engine pushes to the authenticated registry with the header, and the registry then lists the tag', async () => {
  const host = registry.get('REGISTRY_AUTH')!;
  const repository = `stack-test/creds-push-${suffix}`;
  const target = `${host}/${repository}`;
  createdTags.push(`${target}:pushed`);
  await docker.getImage(testImage).tag({ repo: target, tag: 'pushed' });
  const env = configEnv({ auths: { [`https://${host}`]: { auth: basic(registry.get('REGISTRY_USER')!, registry.get('REGISTRY_PASSWORD')!) } } });
  const { header } = await new RegistryCredentials({ env }).registryAuthHeader(`${target}:pushed`);
  const stream = await docker.getImage(target).push({ tag: 'pushed', authconfig: { base64: header } });
  assert.deepEqual(await streamErrors(stream as NodeJS.ReadableStream), []);
  const authorization = `Basic ${basic(registry.get('REGISTRY_USER')!, registry.get('REGISTRY_PASSWORD')!)}`;
  assert.deepEqual(await tagsInRegistry(host, repository, authorization), ['pushed']);
});

test('the anonymous header pushes to and pulls from the plain registry', async () => {
  const image = `${registry.get('REGISTRY')}/stack-test/creds-plain-${suffix}:anon`;
  createdTags.push(image);
  const ref = mustParseReference(image);
  await docker.getImage(testImage).tag({ repo: pullParameters(ref).fromImage, tag: 'anon' });
  const { header } = await new RegistryCredentials({ env: configEnv({}) }).registryAuthHeader(image);
  const push = await docker.getImage(pullParameters(ref).fromImage).push({ tag: 'anon', authconfig: { base64: header } });
  assert.deepEqual(await streamErrors(push as NodeJS.ReadableStream), []);
  await docker.getImage(image).remove();
  assert.deepEqual(await pullWith(image, header), []);
  assert.ok(await imageExists(image));
});
