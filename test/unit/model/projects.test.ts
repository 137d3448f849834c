// `stack config` on realistic multi-file projects (test/fixtures/projects/*) and on every
// example (examples/*): the real CLI, with a clean environment and an engine address that
// cannot answer (config never needs the engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(repoRoot, 'bin', 'stack.js');
const projects = join(repoRoot, 'test', 'fixtures', 'projects');

function stack(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', DOCKER_HOST: 'unix:///nonexistent.sock', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `config --format json --show-secrets`: these tests read values interpolated from .env files. */
function configJson(cwd: string, ...globalArgs: string[]): any {
  const r = stack(cwd, ...globalArgs, 'config', '--format', 'json', '--show-secrets');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('base + override: the override replaces ports, merges environment, and .env fills variables', () => {
  const doc = configJson(join(projects, 'base-override'));
  assert.equal(doc.name, 'shop');
  const web = doc.services.web;
  assert.equal(web.image, 'shop/web:1.4.2');
  assert.deepEqual(web.ports.map((p: any) => `${p.host_ip}:${p.published}:${p.target}`), ['127.0.0.1:8081:80']);
  assert.deepEqual(web.environment, { DATABASE_URL: 'postgres://shop:example-only@db:5432/shop', LOG_LEVEL: 'debug' });
  assert.equal(web.volumes[0].source, join(projects, 'base-override', 'src'));
  assert.equal(web.depends_on.db.condition, 'service_healthy');
  assert.equal(doc.services.db.healthcheck.interval, '5s');
});

test('base + override without --show-secrets: environment values that came from the environment or .env are hidden', () => {
  const r = stack(join(projects, 'base-override'), 'config', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.services.web.environment, { DATABASE_URL: '(sensitive)', LOG_LEVEL: 'debug' });
  assert.equal(doc.services.web.image, 'shop/web:1.4.2', 'an ordinary variable in an image tag is no secret');
  assert.ok(!r.stdout.includes('example-only'));
});

test('include: services come in with their own .env and env_file, paths next to their files', () => {
  const doc = configJson(join(projects, 'include'));
  assert.deepEqual(Object.keys(doc.services).sort(), ['api', 'db', 'metrics']);
  assert.equal(doc.services.db.image, 'postgres:15');
  assert.equal(doc.services.metrics.image, 'prom/prometheus:v2.53.0');
  assert.equal(doc.services.db.environment.POSTGRES_DB, 'app');
  assert.equal(doc.configs.prom.file, join(projects, 'include', 'monitoring', 'prometheus.yml'));
});

test('extends from another file: build context and env_file resolve next to that file', () => {
  const worker = configJson(join(projects, 'extends')).services.worker;
  assert.equal(worker.build.context, join(projects, 'extends', 'common', 'app'));
  assert.deepEqual(worker.command, ['python', 'worker.py']);
  assert.deepEqual(worker.environment, { APP_MODE: 'production', PYTHONUNBUFFERED: '1', QUEUE: 'jobs' });
});

test('profiles: services of a profile appear only when it is enabled or the service is named', () => {
  const dir = join(projects, 'profiles');
  assert.equal(stack(dir, 'config', '--services').stdout, 'app\n');
  assert.equal(stack(dir, '--profile', 'debug', 'config', '--services').stdout, 'app\ndebug-shell\n');
  assert.equal(stack(dir, 'config', '--services', 'migrate').stdout, 'app\nmigrate\n');
  assert.equal(stack(dir, 'config', '--profiles').stdout, 'debug\ntools\n');
});

test('config -q prints nothing and exits 0 for a valid project', () => {
  const r = stack(join(projects, 'base-override'), 'config', '-q');
  assert.deepEqual([r.code, r.stdout], [0, '']);
});

test('secret and config contents are printed only with --show-secrets', () => {
  const dir = join(projects, 'profiles');
  const hidden = stack(dir, 'config');
  assert.equal(hidden.code, 0, hidden.stderr);
  assert.doesNotMatch(hidden.stdout, /welcome to the app/);
  assert.match(hidden.stdout, /banner:/);
  const shown = stack(dir, 'config', '--show-secrets');
  assert.match(shown.stdout, /content: welcome to the app/);
});

const examplesDir = join(repoRoot, 'examples');
const examples = existsSync(examplesDir)
  ? readdirSync(examplesDir).filter((n) => statSync(join(examplesDir, n)).isDirectory())
  : [];
test('stack config works on every example', () => {
  const failures: string[] = [];
  for (const name of examples) {
    const r = stack(join(examplesDir, name), 'config');
    if (r.code !== 0) failures.push(`${name}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
    else if (!/^name: /m.test(r.stdout) || !/^services:/m.test(r.stdout)) failures.push(`${name}: unexpected output`);
  }
  assert.deepEqual(failures, []);
});
