// The images phase: model + observed state + image inputs (build hashes, what changed, pull
// times, the clock) → the plan text a user reads. Image ids in the observed state come from
// the simulator of test/helpers/planner-fixtures.ts (a build's id follows its build hash, as
// the builder's cache does).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OperationError } from '../../../src/errors.js';
import { COMPOSE, STACK } from '../../../src/api/labels.js';
import { formatPlan, planToJson, reconcile } from '../../../src/planner/index.js';
import type { ObservedState } from '../../../src/api/observed.js';
import type { ImageBuildOp, ImageInputs, Operation, Plan, ReconcileOptions } from '../../../src/planner/types.js';
import type { BuildSpec, ServiceSpec } from '../../../src/model/types.js';
import { applyPlan, emptyObserved, imageIdFor, model, service } from '../../helpers/planner-fixtures.js';

function dict<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

function buildSpec(context: string, overrides: Partial<BuildSpec> = {}): BuildSpec {
  return {
    context,
    contextKind: 'local',
    dockerfile: 'Dockerfile',
    args: dict(),
    labels: dict(),
    cacheFrom: [],
    cacheTo: [],
    extraHosts: [],
    noCache: false,
    noCacheFilter: [],
    pull: false,
    platforms: [],
    tags: [],
    ulimits: dict(),
    privileged: false,
    ssh: dict(),
    secrets: [],
    additionalContexts: dict(),
    entitlements: [],
    origins: dict(),
    extensions: dict(),
    ...overrides,
  };
}

/** A service built from `/src/<context>`, with no `image:` (Compose's default name demo-<service>). */
function built(name: string, context = name, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  const { image: _image, ...rest } = service(name, { build: buildSpec(`/src/${context}`), ...overrides });
  return overrides.image !== undefined ? { ...rest, image: overrides.image } : rest;
}

const HASH = { web: 'a'.repeat(64), api: 'b'.repeat(64) };

function plan(services: readonly ServiceSpec[], observed: ObservedState, options: ReconcileOptions = {}): Plan {
  return reconcile(model({ services }), observed, options);
}

function text(services: readonly ServiceSpec[], observed: ObservedState, options: ReconcileOptions = {}): string {
  return formatPlan(plan(services, observed, options));
}

/** The state after applying the plan of `services` with these inputs to an empty engine. */
function upped(services: readonly ServiceSpec[], images: ImageInputs): ObservedState {
  return applyPlan(plan(services, emptyObserved(), { images }), emptyObserved());
}

function op(p: Plan, id: string): Operation {
  const found = p.operations.find((o) => o.id === id);
  assert.ok(found, `no operation ${id} in:\n${p.operations.map((o) => o.id).join('\n')}`);
  return found;
}

describe('images phase: building', () => {
  test('a missing image of a service with a build section is built before its container is created', () => {
    const p = plan([built('web')], emptyObserved(), { images: { buildHashes: { web: HASH.web } } });
    assert.equal(
      formatPlan(p),
      ['+ image demo-web (build): no image', '+ network demo_default (create): no network', '+ web (create demo-web-1): no container', 'Plan: 1 to build, 2 to create.', ''].join('\n'),
    );
    assert.deepEqual(op(p, 'create container demo-web-1').after, ['build image demo-web', 'create network demo_default']);
  });

  test('the build carries the build section as Engine API options, and labels ours and the user\'s', () => {
    const web = built('web', 'web', {
      build: buildSpec('/src/web', {
        args: dict({ VERSION: '1', TOKEN: 'from-file' }),
        target: 'runtime',
        labels: dict({ 'org.example.team': 'core' }),
        network: 'host',
        extraHosts: ['db:10.0.0.2'],
        shmSize: 64 * 1024 * 1024,
        cacheFrom: ['demo-web:cache'],
        tags: ['registry.example/web:1'],
        ulimits: dict({ nofile: { soft: 1024, hard: 2048 } }),
        platforms: ['linux/amd64'],
      }),
    });
    const p = plan([web], emptyObserved(), { images: { buildHashes: { web: HASH.web }, buildArgs: { TOKEN: 'from-cli' }, noCache: true } });
    const build = op(p, 'build image demo-web') as ImageBuildOp;
    assert.deepEqual(build.context, { kind: 'local', contextDir: '/src/web', dockerfile: 'Dockerfile' });
    assert.equal(build.buildHash, HASH.web);
    assert.deepEqual({ ...build.options, buildArgs: { ...build.options.buildArgs }, labels: { ...build.options.labels } }, {
      tags: ['demo-web', 'registry.example/web:1'],
      buildArgs: { VERSION: '1', TOKEN: 'from-cli' },
      labels: {
        'org.example.team': 'core',
        [COMPOSE.project]: 'demo',
        [COMPOSE.service]: 'web',
        [STACK.managed]: 'true',
        [STACK.buildHash]: HASH.web,
      },
      target: 'runtime',
      networkMode: 'host',
      extraHosts: ['db:10.0.0.2'],
      shmSizeBytes: 64 * 1024 * 1024,
      noCache: true,
      cacheFrom: ['demo-web:cache'],
      ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
      platform: 'linux/amd64',
    });
  });

  test('a value given on the command line with --build-arg is one the plan never prints', () => {
    const p = plan([built('web')], emptyObserved(), { images: { buildArgs: { TOKEN: 'hunter2-cli' } } });
    assert.equal((op(p, 'build image demo-web') as ImageBuildOp).options.buildArgs?.TOKEN, 'hunter2-cli');
    assert.ok(!JSON.stringify(planToJson(p)).includes('hunter2-cli'));
  });

  test('a git context is sent to the engine as a remote, and the built image has no build hash', () => {
    const web = built('web', 'web', { build: buildSpec('https://github.com/example/web.git#main', { contextKind: 'git' }) });
    const build = op(plan([web], emptyObserved()), 'build image demo-web') as ImageBuildOp;
    assert.deepEqual(build.context, { kind: 'remote', url: 'https://github.com/example/web.git#main', dockerfile: 'Dockerfile' });
    assert.equal(build.options.labels?.[STACK.buildHash], undefined);
  });

  test('services with identical build sections are built once and the image tagged for the others', () => {
    const p = plan([built('web', 'app'), built('worker', 'app')], emptyObserved(), { images: { buildHashes: { web: HASH.web, worker: HASH.web } } });
    assert.match(formatPlan(p), /^\+ image demo-web \(build\): no image\n\+ image demo-worker \(tag\): same build as demo-web\n/);
    assert.deepEqual(op(p, 'tag image demo-worker').after, ['build image demo-web']);
    assert.deepEqual(op(p, 'create container demo-worker-1').after, ['create network demo_default', 'tag image demo-worker']);
  });

  test('a service whose image is missing is tagged from the up-to-date image of an identical build, without building', () => {
    const inputs = { buildHashes: { web: HASH.web, worker: HASH.web } };
    const o = upped([built('web', 'app')], inputs);
    assert.equal(
      text([built('web', 'app'), built('worker', 'app')], o, { images: inputs }),
      ['+ image demo-worker (tag): same build as demo-web', '+ worker (create demo-worker-1): no container', 'Plan: 1 to tag, 1 to create.', ''].join('\n'),
    );
  });

  test('two services that build one image name from different build sections are refused', () => {
    assert.throws(
      () => plan([built('web', 'a', { image: 'example/app' }), built('worker', 'b', { image: 'example/app' })], emptyObserved()),
      (e: unknown) => e instanceof OperationError && /services web and worker both build image example\/app, from different build sections/.test(e.message),
    );
  });
});

describe('images phase: rebuilding only what changed', () => {
  const inputs = { buildHashes: { web: HASH.web, api: HASH.api } };

  test('an image built from the build as it is now is used: a second plan has no changes', () => {
    const services = [built('web'), built('api')];
    assert.equal(text(services, upped(services, inputs), { images: inputs }), 'No changes.\n');
  });

  test('a changed context file is a rebuild naming the file, and a recreate of that image\'s containers only', () => {
    const services = [built('web'), built('api')];
    const changed = { buildHashes: { ...inputs.buildHashes, web: 'c'.repeat(64) }, buildChanges: { web: { files: ['app/index.html'], dockerfile: false, args: [], target: false, platform: false } } };
    assert.equal(
      text(services, upped(services, inputs), { images: changed }),
      ['~ image demo-web (rebuild): app/index.html changed', '~ web (recreate demo-web-1): image demo-web is rebuilt', 'Plan: 1 to rebuild, 1 to recreate.', ''].join('\n'),
    );
  });

  test('the recreate waits for the rebuild', () => {
    const services = [built('web')];
    const p = plan(services, upped(services, inputs), { images: { buildHashes: { web: 'c'.repeat(64) } } });
    assert.ok(op(p, 'create container demo-web-1').after.includes('build image demo-web'));
  });

  test('up to three files are named; more are counted; the Dockerfile, args, target and platform are said', () => {
    const services = [built('web')];
    const o = upped(services, inputs);
    const cause = (change: ImageInputs['buildChanges']) =>
      /~ image demo-web \(rebuild\): (.*)\n/.exec(text(services, o, { images: { buildHashes: { web: 'c'.repeat(64) }, ...(change ? { buildChanges: change } : {}) } }))![1];
    const none = { files: [], dockerfile: false, args: [], target: false, platform: false };
    assert.equal(cause({ web: { ...none, files: ['a', 'b', 'c', 'd', 'e'] } }), 'a, b, c and 2 more files changed');
    assert.equal(cause({ web: { ...none, files: ['a', 'b'] } }), 'a and b changed');
    assert.equal(cause({ web: { ...none, dockerfile: true, args: ['VERSION'], target: true, platform: true } }), 'Dockerfile changed; build args changed (VERSION); target changed; platform changed');
    assert.equal(cause(undefined), 'build context changed');
  });

  test('an image that carries no build hash (pulled, or built by another tool) is used as it is', () => {
    const o: ObservedState = { ...emptyObserved(), images: { ...emptyObserved().images, 'demo-web': imageIdFor('by hand') } };
    const p = plan([built('web')], o, { images: inputs });
    assert.ok(!p.operations.some((x) => x.kind.startsWith('image.')));
  });

  test('--no-build keeps an image whose build changed', () => {
    const services = [built('web')];
    assert.equal(text(services, upped(services, inputs), { images: { buildHashes: { web: 'c'.repeat(64) } }, build: { policy: 'never' } }), 'No changes.\n');
  });

  test('--no-recreate rebuilds the image but keeps the container', () => {
    const services = [built('web')];
    assert.equal(text(services, upped(services, inputs), { images: { buildHashes: { web: 'c'.repeat(64) } }, noRecreate: true }), '~ image demo-web (rebuild): build context changed\nPlan: 1 to rebuild.\n');
  });

  test('--build rebuilds unchanged images and predicts no recreate: the same inputs may well give the same image', () => {
    const services = [built('web'), built('api')];
    assert.equal(
      text(services, upped(services, inputs), { images: inputs, build: { policy: 'always', services: ['web'] } }),
      '~ image demo-web (rebuild): requested (--build)\nPlan: 1 to rebuild.\n',
    );
  });

  describe('--build of an image built from the same inputs on the same base images', () => {
    const bases = { buildBases: { web: 'd'.repeat(64), api: 'e'.repeat(64) } };
    const current = { ...inputs, ...bases };
    const services = [built('web'), built('api')];
    const always = { policy: 'always' as const };

    test('uses the image: the builder would only answer "cached"', () => {
      assert.equal(text(services, upped(services, current), { images: current, build: always }), 'No changes.\n');
    });

    test('builds when a base image is another one now', () => {
      const moved = { ...current, buildBases: { ...bases.buildBases, web: 'f'.repeat(64) } };
      assert.equal(text(services, upped(services, current), { images: moved, build: always }), '~ image demo-web (rebuild): requested (--build)\nPlan: 1 to rebuild.\n');
    });

    test('builds when a base image is not present to compare', () => {
      const unknown = { ...inputs, buildBases: { api: bases.buildBases.api } };
      assert.equal(text(services, upped(services, current), { images: unknown, build: always }), '~ image demo-web (rebuild): requested (--build)\nPlan: 1 to rebuild.\n');
    });

    test('builds an image that carries no bases label (built before it was kept)', () => {
      assert.match(text(services, upped(services, inputs), { images: current, build: always }), /Plan: 2 to rebuild/);
    });

    test('builds with --no-cache, --pull, or the build section\'s own no_cache or pull', () => {
      const observed = upped(services, current);
      assert.match(text(services, observed, { images: { ...current, noCache: true }, build: always }), /Plan: 2 to rebuild/);
      assert.match(text(services, observed, { images: { ...current, pullBaseImages: true }, build: always }), /Plan: 2 to rebuild/);
      const noCache = [built('web', 'web', { build: buildSpec('/src/web', { noCache: true }) }), built('api')];
      assert.equal(text(noCache, observed, { images: current, build: always }), '~ image demo-web (rebuild): requested (--build)\nPlan: 1 to rebuild.\n');
      const pull = [built('web'), built('api', 'api', { build: buildSpec('/src/api', { pull: true }) })];
      assert.equal(text(pull, observed, { images: current, build: always }), '~ image demo-api (rebuild): requested (--build)\nPlan: 1 to rebuild.\n');
    });

    test('builds a Dockerfile that ADDs a URL: what it fetches may have changed', () => {
      assert.equal(
        text(services, upped(services, current), { images: { ...current, buildFetchesUrls: ['api'] }, build: always }),
        '~ image demo-api (rebuild): requested (--build)\nPlan: 1 to rebuild.\n',
      );
    });

    test('builds when one of its build.tags is no longer on the image', () => {
      const tagged = [built('web', 'web', { build: buildSpec('/src/web', { tags: ['example/web:extra'] }) }), built('api')];
      const observed = upped(tagged, current);
      assert.equal(text(tagged, observed, { images: current, build: always }), 'No changes.\n');
      const untagged = { ...observed, images: Object.fromEntries(Object.entries(observed.images).filter(([ref]) => ref !== 'example/web:extra')) };
      assert.equal(text(tagged, untagged, { images: current, build: always }), '~ image demo-web (rebuild): requested (--build)\nPlan: 1 to rebuild.\n');
    });
  });

  test('a build that could not be hashed keeps its present image with a warning, and is a problem when it must be built', () => {
    const services = [built('web')];
    const broken = { buildHashErrors: { web: 'the build context /src/web does not exist' } };
    assert.match(text(services, upped(services, inputs), { images: broken }), /! warning: cannot tell whether image demo-web is up to date: the build context \/src\/web does not exist/);
    assert.throws(() => plan(services, emptyObserved(), { images: broken }), /service web: the build context \/src\/web does not exist/);
  });
});

describe('images phase: pulling', () => {
  const redis = () => service('cache', { image: 'redis:7' });
  const withRedis = (): ObservedState => applyPlan(plan([redis()], emptyObserved()), emptyObserved());

  test('pull_policy always pulls a present image again, and predicts no recreate', () => {
    assert.equal(text([service('cache', { image: 'redis:7', pullPolicy: 'always' })], withRedis()), '+ image redis:7 (pull): pull_policy always\nPlan: 1 to pull.\n');
  });

  test('--pull always replaces every pull policy', () => {
    assert.equal(text([redis()], withRedis(), { pull: 'always' }), '+ image redis:7 (pull): --pull always\nPlan: 1 to pull.\n');
  });

  test('a daily policy pulls when the last pull is more than a day old, and not before', () => {
    const daily = service('cache', { image: 'redis:7', pullPolicy: 'refresh', pullRefreshAfterMs: 24 * 3600_000 });
    const now = Date.UTC(2026, 0, 2);
    assert.equal(text([daily], withRedis(), { images: { now, lastPulls: { 'redis:7': now - 26 * 3600_000 } } }), '+ image redis:7 (pull): last pulled 1d2h ago (pull_policy daily)\nPlan: 1 to pull.\n');
    assert.equal(text([daily], withRedis(), { images: { now, lastPulls: { 'redis:7': now - 2 * 3600_000 } } }), 'No changes.\n');
  });

  test('a service with both image and build whose image is missing is pulled first, a build standing by', () => {
    const web = built('web', 'web', { image: 'registry.example/web:1' });
    const p = plan([web], emptyObserved());
    assert.match(formatPlan(p), /^\+ image registry.example\/web:1 \(pull\): no image$/m);
    assert.equal((op(p, 'pull image registry.example/web:1') as { buildIfPullFails?: boolean }).buildIfPullFails, true);
  });

  test('when that pull failed, the image is built', () => {
    const web = built('web', 'web', { image: 'registry.example/web:1' });
    assert.match(text([web], emptyObserved(), { images: { pullFailed: ['registry.example/web:1'] } }), /^\+ image registry.example\/web:1 \(build\): the pull of registry.example\/web:1 failed$/m);
  });
});

describe('images phase: refusing before anything is touched', () => {
  test('a missing image with pull_policy never is refused, naming the service and the image', () => {
    assert.throws(
      () => plan([service('db', { image: 'example/db:1', pullPolicy: 'never' })], emptyObserved()),
      (e: unknown) => e instanceof OperationError && e.message === 'service db: image example/db:1 is not present, and pull_policy never forbids pulling it',
    );
  });

  test('--no-build with a missing image that only a build can give is refused', () => {
    assert.throws(() => plan([built('web')], emptyObserved(), { build: { policy: 'never' } }), /service web: image demo-web is not present, and --no-build forbids building it/);
  });

  test('--pull never with a missing image is refused', () => {
    assert.throws(() => plan([service('cache', { image: 'redis:7' })], emptyObserved(), { pull: 'never' }), /service cache: image redis:7 is not present/);
  });

  test('a missing image whose container exists and is kept is no problem', () => {
    const services = [service('db', { image: 'example/db:1', pullPolicy: 'never' })];
    const o = applyPlan(plan(services, { ...emptyObserved(), images: { 'example/db:1': imageIdFor('example/db:1') } }), emptyObserved());
    assert.equal(text(services, { ...o, images: {} }), 'No changes.\n');
  });

  test('a build attribute the classic builder cannot serve is refused with where it was written', () => {
    const web = built('web', 'web', {
      build: buildSpec('/src/web', {
        ssh: dict({ default: '' }),
        cacheTo: ['type=local,dest=/tmp/cache'],
        origins: dict({
          ssh: { path: 'services.web.build.ssh', location: { file: 'stack.yaml', line: 7, col: 7 } },
          cache_to: { path: 'services.web.build.cache_to', location: { file: 'stack.yaml', line: 8, col: 7 } },
        }),
      }),
    });
    assert.throws(
      () => plan([web], emptyObserved()),
      (e: unknown) =>
        e instanceof OperationError &&
        e.message.includes("stack.yaml:7:7: services.web.build.ssh: service web cannot build image demo-web: this needs BuildKit's SSH forwarding") &&
        e.message.includes('stack.yaml:8:7: services.web.build.cache_to: service web cannot build image demo-web: this needs a BuildKit cache exporter'),
    );
  });

  test('an unservable attribute is no problem while the image needs no build', () => {
    const web = built('web', 'web', { build: buildSpec('/src/web', { secrets: [{ source: 'token', target: 'token' }] }) });
    const o = applyPlan(plan([built('web')], emptyObserved(), { images: { buildHashes: { web: HASH.web } } }), emptyObserved());
    assert.equal(text([web], o, { images: { buildHashes: { web: HASH.web } } }), 'No changes.\n');
  });

  test('settled images (after up got them) are used as they are, and one still missing is a problem', () => {
    const services = [built('web')];
    const o = upped(services, { buildHashes: { web: HASH.web } });
    assert.equal(text(services, o, { images: { settled: true, buildHashes: { web: 'c'.repeat(64) } } }), 'No changes.\n');
    assert.throws(() => plan(services, emptyObserved(), { images: { settled: true } }), /service web: image demo-web is not present although this run built and pulled its images/);
  });
});
