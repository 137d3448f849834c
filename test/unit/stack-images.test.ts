// The façade's images on an in-memory engine: `up` builds and pulls first, then plans again
// from what the engine has; only what changed is rebuilt; a failure while getting images
// leaves the project untouched and is not retried; build, pull and push.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, plan, pull, push, up, formatPlan, type StackEvent } from '../../src/stack/index.js';
import { BuildError, NotFoundError, OperationError } from '../../src/errors.js';
import { MUTATING_CALLS } from '../helpers/memory-gateway.js';
import { IMAGE, memoryGateway, stackProject, upOptions, type TestProject } from '../helpers/facade.js';

const STACK = `
services:
  web:
    build: ./app
    command: ["sleep", "86400"]
  worker:
    build: ./app
    command: ["sleep", "86400"]
  other:
    build: ./other
    command: ["sleep", "86400"]
`;

/** A project with two build contexts (app shared by web and worker), its own cache and Docker config. */
function project(text = STACK, env: Record<string, string> = {}): TestProject {
  const p = stackProject(text, env);
  for (const ctx of ['app', 'other']) {
    mkdirSync(join(p.dir, ctx));
    writeFileSync(join(p.dir, ctx, 'Dockerfile'), `FROM ${IMAGE}\nCOPY . /srv\n`);
    writeFileSync(join(p.dir, ctx, 'index.html'), `<h1>${ctx}</h1>\n`);
  }
  writeFileSync(join(p.dir, 'app', '.dockerignore'), 'notes.txt\n');
  mkdirSync(join(p.dir, 'docker'));
  writeFileSync(join(p.dir, 'docker', 'config.json'), '{}');
  return { dir: p.dir, env: { ...p.env, STACK_CACHE: join(p.dir, 'cache'), DOCKER_CONFIG: join(p.dir, 'docker') } };
}

/** Options of the image commands on the project `demo`. */
function commandOptions(p: TestProject, g: ReturnType<typeof memoryGateway>) {
  return { load: { cwd: p.dir, env: p.env, projectName: 'demo' }, connect: { env: p.env }, gateway: g, parallel: 2 };
}

function containerIds(g: ReturnType<typeof memoryGateway>): Promise<Record<string, string>> {
  return g.listContainers({}, { all: true }).then((cs) => Object.fromEntries(cs.map((c) => [c.name, c.id])));
}

describe('façade: up gets its images first', () => {
  it('builds what is missing (identical builds once), then creates the containers; a second up has nothing to do', async () => {
    const p = project();
    const g = memoryGateway();
    const events: StackEvent[] = [];
    const first = await up(upOptions(p, g), { onEvent: (e) => events.push(e) });
    assert.equal(g.builds.length, 2);
    assert.deepEqual(first.imagePlan?.operations.map((o) => o.id), ['build image demo-other', 'build image demo-web', 'tag image demo-worker']);
    const plans = events.filter((e) => e.type === 'plan');
    assert.equal(plans.length, 2, 'the images, then the containers');
    assert.ok(plans[0]!.type === 'plan' && plans[0]!.steps.every((s) => s.kind.startsWith('image.')));
    assert.deepEqual(Object.keys(await containerIds(g)).sort(), ['demo-other-1', 'demo-web-1', 'demo-worker-1']);
    const second = await up(upOptions(p, g));
    assert.equal(second.plan.operations.length, 0);
    assert.equal(second.imagePlan, undefined);
    assert.equal(g.builds.length, 2);
  });

  it('a changed context file is planned as a rebuild naming it, and recreates only the services of that image', async () => {
    const p = project();
    const g = memoryGateway();
    await up(upOptions(p, g));
    const before = await containerIds(g);
    writeFileSync(join(p.dir, 'app', 'index.html'), '<h1>changed</h1>\n');
    const planned = await plan(upOptions(p, g));
    assert.match(formatPlan(planned.plan), /^~ image demo-web \(rebuild\): index.html changed$/m);
    await up(upOptions(p, g));
    const afterUp = await containerIds(g);
    assert.equal(afterUp['demo-other-1'], before['demo-other-1']);
    assert.notEqual(afterUp['demo-web-1'], before['demo-web-1']);
    assert.notEqual(afterUp['demo-worker-1'], before['demo-worker-1']);
  });

  it('a change to an ignored file plans nothing', async () => {
    const p = project();
    const g = memoryGateway();
    writeFileSync(join(p.dir, 'app', 'notes.txt'), 'v1\n');
    await up(upOptions(p, g));
    writeFileSync(join(p.dir, 'app', 'notes.txt'), 'v2, longer\n');
    assert.equal(formatPlan((await plan(upOptions(p, g))).plan), 'No changes.\n');
  });

  it('up --build leaves an image built from the same inputs and base images alone, and recreates nothing', async () => {
    const p = project();
    const g = memoryGateway();
    await up(upOptions(p, g));
    const before = await containerIds(g);
    const again = await up(upOptions(p, g, { build: { policy: 'always' } }));
    assert.equal(g.builds.length, 2, 'no build after the first up');
    assert.equal(again.imagePlan, undefined);
    assert.equal(again.plan.operations.length, 0);
    assert.deepEqual(await containerIds(g), before);
  });

  it('a rebuild that gives the same image id recreates nothing', async () => {
    // An ADD of a URL is always sent again: what it fetches can change with no file changing.
    const p = project();
    writeFileSync(join(p.dir, 'other', 'Dockerfile'), `FROM ${IMAGE}\nADD http://127.0.0.1:9/x.txt /x.txt\n`);
    const g = memoryGateway();
    await up(upOptions(p, g));
    const before = await containerIds(g);
    const again = await up(upOptions(p, g, { build: { policy: 'always' } }));
    assert.deepEqual(again.imagePlan?.operations.map((o) => o.id), ['build image demo-other']);
    assert.equal(g.builds.length, 3);
    assert.equal(again.plan.operations.length, 0);
    assert.deepEqual(await containerIds(g), before);
  });

  it('a failing build ends the run with nothing of the project created, and is not tried again', async () => {
    const p = project();
    const g = memoryGateway().failBuild('demo-web', { step: 2, output: ['cp: cannot stat'] });
    await assert.rejects(up(upOptions(p, g)), (e: unknown) => e instanceof BuildError && /service web/.test(e.message));
    assert.equal(g.calls.filter((c) => c.call === 'buildImage' && c.target === 'demo-web').length, 1);
    assert.deepEqual(await g.listNetworks({}), []);
    assert.deepEqual(await g.listContainers({}, { all: true }), []);
  });

  it('a missing image that cannot be had is refused before any change, naming the service and the image', async () => {
    const p = project(`
services:
  db:
    image: example/nothing:1
    pull_policy: never
`);
    const g = memoryGateway();
    await assert.rejects(up(upOptions(p, g)), (e: unknown) => e instanceof OperationError && e.message === 'service db: image example/nothing:1 is not present, and pull_policy never forbids pulling it');
    // The project lock's own volume (created and removed around the run) is the only change.
    assert.deepEqual(g.calls.filter((c) => MUTATING_CALLS.has(c.call) && !c.target?.startsWith('stack-lock.')), []);
  });

  it('an image a registry does not have, for a service that can build it, is built instead', async () => {
    const p = project(`
services:
  web:
    image: registry.example/web:1
    build: ./app
    command: ["sleep", "86400"]
`);
    const g = memoryGateway({ strictRegistry: true });
    const events: StackEvent[] = [];
    await up(upOptions(p, g), { onEvent: (e) => events.push(e) });
    assert.equal(g.builds.length, 1);
    assert.ok(events.some((e) => e.type === 'warning' && /could not pull registry.example\/web:1 .*: building it instead/.test(e.message)));
    assert.deepEqual(Object.keys(await containerIds(g)), ['demo-web-1']);
  });

  it('a missing image of a service that cannot build fails the run, not retried as if the engine had changed', async () => {
    const p = project(`
services:
  cache:
    image: example/nothing:1
`);
    const g = memoryGateway({ strictRegistry: true });
    await assert.rejects(up(upOptions(p, g)), NotFoundError);
    assert.equal(g.calls.filter((c) => c.call === 'pullImage').length, 1);
    assert.deepEqual(await g.listNetworks({}), []);
  });
});

describe('façade: build, pull, push', () => {
  it('build builds every service with a build section and says what it built', async () => {
    const p = project();
    const g = memoryGateway();
    const result = await build({ ...commandOptions(p, g), services: [] });
    assert.deepEqual(
      result.built.map((b) => `${b.service} ${b.image} ${b.how}`),
      ['other demo-other built', 'web demo-web built', 'worker demo-worker tagged'],
    );
    assert.equal(result.built[2]!.imageId, result.built[1]!.imageId);
  });

  it('build --build-arg sends the value, and a later up sees the build changed', async () => {
    const p = project();
    const g = memoryGateway();
    await up(upOptions(p, g));
    await build({ ...commandOptions(p, g), services: ['other'], buildArgs: { MODE: 'debug' } });
    assert.deepEqual({ ...g.builds.at(-1)!.options.buildArgs }, { MODE: 'debug' });
    assert.match(formatPlan((await plan(upOptions(p, g))).plan), /^~ image demo-other \(rebuild\): build args changed \(MODE\)$/m);
  });

  it('pull with --ignore-pull-failures pulls what it can and reports the rest', async () => {
    const p = project(`
services:
  a:
    image: registry.example/a:1
  b:
    image: registry.example/b:1
`);
    const g = memoryGateway({ strictRegistry: true }).addRegistryImage('registry.example/a:1');
    const result = await pull({ ...commandOptions(p, g), ignorePullFailures: true });
    assert.deepEqual(result.done, ['registry.example/a:1']);
    assert.deepEqual(result.failed.map((f) => f.image), ['registry.example/b:1']);
    await assert.rejects(pull({ ...commandOptions(p, g) }), NotFoundError);
  });

  it('push pushes the images of services with both build and image', async () => {
    const p = project(`
services:
  web:
    image: registry.example/web:1
    build: ./app
`);
    const g = memoryGateway();
    await build({ ...commandOptions(p, g) });
    const result = await push({ ...commandOptions(p, g) });
    assert.deepEqual(result.done, ['registry.example/web:1']);
    assert.equal(g.registryImage('registry.example/web:1'), (await g.inspectImage('registry.example/web:1')).id);
  });
});
