// Builds on the real engine (issue 10): `stack build`, `up` of `build:` services of every kind
// (multi-stage target, args, labels, .dockerignore, dockerfile_inline, a Dockerfile outside the
// context, a shared build), the no-op second up, a rebuild only when the context changed (with
// the file named in `plan`) that recreates only the services of that image, a change to a file
// no COPY reads planning nothing, `stack build` and `up --build` leaving an up-to-date image
// alone (`--no-cache` builds anyway), a build that ADDs a URL sent again by `up --build` and
// recreating nothing when the image id is the same, a base image's ONBUILD COPY making the
// whole context count, a failing build and a missing image that cannot be had, both leaving
// nothing of the project created.
//
// The steps of the first describe run in order on one project (each is one behaviour, checked
// on the engine directly): building is slow here (~20 s a build under load), so the images are
// built once and shared by the steps, as the brief's CI budget asks.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cleanupProject, docker, execIn, projectContainers, projectNetworks, runStack, uniqueProject, type RunResult } from '../helpers/engine.js';
import { containerEvents, containerFacts, copyFixture, describeRun, emptyDir, MUTATING_ACTIONS, readIn } from '../helpers/stack-state.js';

const BUILD_HASH = 'dev.stack.build-hash';
const SERVICES = ['web', 'worker', 'inline', 'outside', 'plain'];

async function removeImages(names: readonly string[]): Promise<void> {
  for (const name of names) await docker.getImage(name).remove({ force: true }).catch(() => undefined);
}

async function imageInfo(name: string): Promise<{ id: string; labels: Record<string, string> }> {
  const info = await docker.getImage(name).inspect();
  return { id: info.Id, labels: info.Config.Labels ?? {} };
}

async function containerIds(project: string): Promise<Map<string, string>> {
  const facts = await containerFacts(project);
  return new Map([...facts.values()].map((f) => [f.service, f.id]));
}

async function idOf(project: string, service: string): Promise<string> {
  const id = (await containerIds(project)).get(service);
  assert.ok(id, `a container of ${service} exists`);
  return id;
}

describe('build: services on the real engine', () => {
  const dir = copyFixture('build-stack');
  const project = uniqueProject('build');
  const args = ['-f', join(dir, 'stack.yaml'), '-p', project, '--progress', 'plain'];
  const images = ['web', 'worker', 'inline', 'outside'].map((s) => `${project}-${s}`);
  let firstUp: RunResult;

  after(async () => {
    await cleanupProject(project);
    await removeImages(images);
  });

  it('stack build web builds its image and creates no container or network', async () => {
    const r = await runStack([...args, 'build', 'web']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout + r.stderr, new RegExp(`built [0-9a-f]{12}`));
    const web = await imageInfo(`${project}-web`);
    assert.ok(web.labels[BUILD_HASH], 'the image carries the build hash');
    assert.deepEqual(await projectContainers(project), []);
    assert.deepEqual(await projectNetworks(project), []);
  });

  it('up builds the missing images, tags the shared one without building it again, and starts every service', async () => {
    firstUp = await runStack([...args, 'up', '-d']);
    assert.equal(firstUp.code, 0, describeRun(firstUp));
    const out = firstUp.stdout;
    assert.match(out, new RegExp(`\\+ image ${project}-inline \\(built\\): no image`));
    assert.match(out, new RegExp(`\\+ image ${project}-outside \\(built\\): no image`));
    assert.match(out, new RegExp(`\\+ image ${project}-worker \\(tagged\\): same build as ${project}-web`));
    assert.doesNotMatch(out, new RegExp(`image ${project}-web \\(`), 'web, built by stack build, is not built again');
    const facts = await containerFacts(project);
    assert.deepEqual([...facts.values()].map((f) => f.service).sort(), [...SERVICES].sort());
    for (const f of facts.values()) assert.equal(f.state, 'running', `${f.name} runs`);
  });

  it('services with an identical build run one image', async () => {
    assert.equal((await imageInfo(`${project}-worker`)).id, (await imageInfo(`${project}-web`)).id);
  });

  it('the image is the target stage, built with the args, and carries the user labels and ours', async () => {
    const web = await idOf(project, 'web');
    assert.equal(await readIn(web, '/stage'), 'app');
    assert.equal(await readIn(web, '/flavor'), 'spicy');
    const labels = (await imageInfo(`${project}-web`)).labels;
    assert.equal(labels['org.example.role'], 'app');
    assert.equal(labels['com.docker.compose.project'], project);
    assert.match(labels[BUILD_HASH] ?? '', /^[0-9a-f]{64}$/);
  });

  it('a file .dockerignore names is not in the image; the others are', async () => {
    const web = await idOf(project, 'web');
    assert.equal(await readIn(web, '/app/index.html'), 'first version');
    assert.equal(await readIn(web, '/app/.dockerignore'), 'secret.txt', 'the ignore file itself travels');
    const probe = await execIn(web, ['test', '-e', '/app/secret.txt']);
    assert.equal(probe.exitCode, 1, 'secret.txt is absent');
  });

  it('dockerfile_inline and a Dockerfile outside the context are built', async () => {
    assert.equal(await readIn(await idOf(project, 'inline'), '/note.txt'), 'written inline');
    assert.equal(await readIn(await idOf(project, 'outside'), '/data.txt'), 'from outside');
  });

  it('a second up changes nothing: no build, no container event, and plan exits 0', async () => {
    const before2 = await containerIds(project);
    const t0 = Date.now();
    const second = await runStack([...args, 'up', '-d']);
    const t1 = Date.now();
    assert.equal(second.code, 0, describeRun(second));
    assert.doesNotMatch(second.stdout + second.stderr, /build image|\((re)?buil[dt]\)/);
    assert.deepEqual((await containerEvents(project, t0, t1)).filter((e) => MUTATING_ACTIONS.has(e.action)), []);
    assert.deepEqual(await containerIds(project), before2);
    const plan = await runStack([...args, 'plan', '--detailed-exitcode']);
    assert.equal(plan.code, 0, describeRun(plan));
  });

  it('a change to an ignored file plans nothing', async () => {
    writeFileSync(join(dir, 'app', 'secret.txt'), 'a new secret\n');
    const plan = await runStack([...args, 'plan', '--detailed-exitcode']);
    assert.equal(plan.code, 0, describeRun(plan));
    assert.match(plan.stdout, /No changes/);
  });

  it('a changed context file is planned as a rebuild naming it, with the recreate of that image\'s services only', async () => {
    writeFileSync(join(dir, 'app', 'index.html'), 'second version\n');
    const plan = await runStack([...args, 'plan', '--detailed-exitcode']);
    assert.equal(plan.code, 2, describeRun(plan));
    assert.match(plan.stdout, new RegExp(`~ image ${project}-web \\(rebuild\\): index.html changed`));
    const recreated = [...plan.stdout.matchAll(/^~ (\S+) \(recreate /gm)].map((m) => m[1]).sort();
    assert.deepEqual(recreated, ['web', 'worker']);
    assert.doesNotMatch(plan.stdout, /image \S+-(inline|outside) \(/);
  });

  it('up after that change rebuilds once and recreates only web and worker, which serve the new file', async () => {
    const was = await containerIds(project);
    const r = await runStack([...args, 'up', '-d']);
    assert.equal(r.code, 0, describeRun(r));
    const now = await containerIds(project);
    for (const s of ['web', 'worker']) assert.notEqual(now.get(s), was.get(s), `${s} is recreated`);
    for (const s of ['inline', 'outside', 'plain']) assert.equal(now.get(s), was.get(s), `${s} is kept`);
    assert.equal(await readIn(now.get('worker')!, '/app/index.html'), 'second version');
    assert.equal((r.stderr.match(/built [0-9a-f]{12}/g) ?? []).length, 1, 'one build, the other service tagged');
  });

  it('a change to a context file that no COPY of the Dockerfile reads plans nothing', async () => {
    writeFileSync(join(dir, 'inline-ctx', 'unread.txt'), 'changed, and still read by nothing\n');
    const plan = await runStack([...args, 'plan', '--detailed-exitcode']);
    assert.equal(plan.code, 0, describeRun(plan));
  });

  it('a change to the file a COPY names is planned as a rebuild naming it', async () => {
    writeFileSync(join(dir, 'inline-ctx', 'note.txt'), 'written inline, then changed');
    const plan = await runStack([...args, 'plan', '--detailed-exitcode']);
    assert.equal(plan.code, 2, describeRun(plan));
    assert.match(plan.stdout, new RegExp(`~ image ${project}-inline \\(rebuild\\): note.txt changed`));
    const up = await runStack([...args, 'up', '-d']);
    assert.equal(up.code, 0, describeRun(up));
    assert.equal(await readIn(await idOf(project, 'inline'), '/note.txt'), 'written inline, then changed');
  });

  it('stack build of an up-to-date image says so and sends nothing to the builder', async () => {
    const before2 = (await imageInfo(`${project}-outside`)).id;
    const r = await runStack([...args, '--progress', 'json', 'build', 'outside']);
    assert.equal(r.code, 0, describeRun(r));
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; service?: string; opId?: string });
    assert.deepEqual(events.filter((e) => e.type === 'image-up-to-date').map((e) => e.service), ['outside']);
    assert.deepEqual(events.filter((e) => e.opId?.startsWith('build image')), [], 'no build operation ran');
    assert.equal((await imageInfo(`${project}-outside`)).id, before2);
    const plain = await runStack([...args, 'build', 'outside']);
    assert.match(plain.stderr, new RegExp(`outside: image ${project}-outside is up to date`));
  });

  it('up --build builds nothing that is up to date and recreates nothing', async () => {
    const was = await containerIds(project);
    const t0 = Date.now();
    const r = await runStack([...args, 'up', '-d', '--build']);
    const t1 = Date.now();
    assert.equal(r.code, 0, describeRun(r));
    assert.doesNotMatch(r.stdout + r.stderr, /\((re)?buil[dt]\)|built [0-9a-f]{12}/);
    assert.deepEqual((await containerEvents(project, t0, t1)).filter((e) => MUTATING_ACTIONS.has(e.action)), []);
    assert.deepEqual(await containerIds(project), was);
  });

  it('stack build --no-cache builds an up-to-date image anyway', async () => {
    const before2 = (await imageInfo(`${project}-outside`)).id;
    const r = await runStack([...args, 'build', '--no-cache', 'outside']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout + r.stderr, /built [0-9a-f]{12}/);
    assert.doesNotMatch(r.stderr, /up to date/);
    assert.notEqual((await imageInfo(`${project}-outside`)).id, before2, 'a build without the cache gives a new image');
  });
});

describe('a build that ADDs a URL', () => {
  const dir = emptyDir();
  const project = uniqueProject('buildurl');
  const args = ['-f', join(dir, 'stack.yaml'), '-p', project, '--progress', 'plain'];
  let body = 'one\n';
  let server: Server;

  before(async () => {
    // Served on 127.0.0.1: the classic builder fetches an ADD URL from the engine's own process.
    server = createServer((_req, res) => res.end(body));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    writeFileSync(
      join(dir, 'stack.yaml'),
      ['services:', '  fetch:', '    build:', '      context: .', '      dockerfile_inline: |', '        FROM stack-test/busybox:1', `        ADD http://127.0.0.1:${port}/file.txt /file.txt`, '    command: ["sleep", "3600"]', ''].join('\n'),
    );
    const up = await runStack([...args, 'up', '-d']);
    assert.equal(up.code, 0, describeRun(up));
  });
  after(async () => {
    server.close();
    await cleanupProject(project);
    await removeImages([`${project}-fetch`]);
  });

  it('is built again by up --build, and the same image id recreates nothing', async () => {
    const was = await idOf(project, 'fetch');
    const imageWas = (await imageInfo(`${project}-fetch`)).id;
    const r = await runStack([...args, 'up', '-d', '--build']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, new RegExp(`image ${project}-fetch \\(rebuilt\\): requested \\(--build\\)`));
    assert.equal((await imageInfo(`${project}-fetch`)).id, imageWas, 'the builder cache gives the same image');
    assert.equal(await idOf(project, 'fetch'), was);
  });

  it('gets what the URL serves now from up --build, and recreates the service', async () => {
    body = 'two\n';
    const was = await idOf(project, 'fetch');
    const r = await runStack([...args, 'up', '-d', '--build']);
    assert.equal(r.code, 0, describeRun(r));
    const now = await idOf(project, 'fetch');
    assert.notEqual(now, was);
    assert.equal(await readIn(now, '/file.txt'), 'two');
  });
});

describe('a build FROM an image with ONBUILD triggers', () => {
  const dir = copyFixture('build-stack');
  const project = uniqueProject('onbuild');
  const base = `${project}-onbuild-base`;
  const env = { ONBUILD_BASE: base };
  const args = ['-f', join(dir, 'onbuild.yaml'), '-p', project, '--progress', 'plain'];

  before(async () => {
    const built = await runStack(['-f', join(dir, 'onbuild-base.yaml'), '-p', `${project}-base`, 'build'], { env });
    assert.equal(built.code, 0, describeRun(built));
    const up = await runStack([...args, 'up', '-d'], { env });
    assert.equal(up.code, 0, describeRun(up));
  });
  after(async () => {
    await cleanupProject(project);
    await removeImages([`${project}-app`, base]);
  });

  it('counts the whole context, which the trigger copies: a changed file is a rebuild', async () => {
    const unchanged = await runStack([...args, 'plan', '--detailed-exitcode'], { env });
    assert.equal(unchanged.code, 0, describeRun(unchanged));
    writeFileSync(join(dir, 'onbuild-ctx', 'a.txt'), 'second\n');
    const plan = await runStack([...args, 'plan', '--detailed-exitcode'], { env });
    assert.equal(plan.code, 2, describeRun(plan));
    assert.match(plan.stdout, new RegExp(`~ image ${project}-app \\(rebuild\\): a.txt changed`));
  });
});

describe('a build that fails', () => {
  const dir = copyFixture('build-stack');
  const project = uniqueProject('buildfail');
  let r: RunResult;

  before(async () => {
    r = await runStack(['-f', join(dir, 'failing.yaml'), '-p', project, '--progress', 'plain', 'up', '-d']);
  });
  after(async () => {
    await cleanupProject(project);
    await removeImages([`${project}-bad`]);
  });

  it('exits 1 naming the service, the failing step and its last output line', () => {
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /service bad\) failed at Step 2\/\d+ : RUN echo about to fail && exit 3/);
    assert.match(r.stderr, /last output:\n\s+about to fail/);
  });

  it('is tried once, not again as if the engine had changed', () => {
    assert.equal((r.stderr.match(/^\[x\] build image/gm) ?? []).length, 1, describeRun(r));
  });

  it('leaves no container and no network of the project', async () => {
    assert.deepEqual(await projectContainers(project), []);
    assert.deepEqual(await projectNetworks(project), []);
  });
});

describe('a missing image with pull_policy never', () => {
  const dir = copyFixture('build-stack');
  const project = uniqueProject('pullnever');
  let r: RunResult;

  before(async () => {
    r = await runStack(['-f', join(dir, 'never.yaml'), '-p', project, 'up', '-d']);
  });
  after(() => cleanupProject(project));

  it('exits 1 naming the service and the image', () => {
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /service gone: image stack-test\/not-present-anywhere:1 is not present/);
  });

  it('leaves no container and no network of the project', async () => {
    assert.deepEqual(await projectContainers(project), []);
    assert.deepEqual(await projectNetworks(project), []);
  });
});
