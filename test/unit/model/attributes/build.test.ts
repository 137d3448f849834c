import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceImageName } from '../../../../src/model/image-name.js';
import { expectProblem, loadModelText, loadProblems, loadText } from '../../../helpers/load-text.js';
import { printedService, reloadPrinted, withoutOrigins, yaml } from '../compose-output.js';

const buildOf = async (lines: string[], options: Parameters<typeof loadModelText>[1] = {}) =>
  (await loadModelText(yaml('services:', '  a:', '    build:', ...lines.map((l) => `      ${l}`)), options)).services['a']!.build!;

describe('build: context and Dockerfile', () => {
  it('a string is the context, resolved against the project directory, with the default Dockerfile', async () => {
    const { model, dir } = await loadText(yaml('services:', '  a:', '    build: ./app'));
    const b = model.services['a']!.build!;
    assert.deepEqual([b.context, b.contextKind, b.dockerfile, b.dockerfileInline], [`${dir}/app`, 'local', 'Dockerfile', undefined]);
    assert.equal(model.services['a']!.image, undefined);
  });

  it('the long form without context builds the project directory', async () => {
    const { model, dir } = await loadText(yaml('services:', '  a:', '    build:', '      target: dev'));
    assert.equal(model.services['a']!.build!.context, dir);
  });

  it('a relative dockerfile inside the context stays relative to the context', async () => {
    const b = await buildOf(['context: ./app', 'dockerfile: docker/../docker/Dockerfile.dev']);
    assert.equal(b.dockerfile, 'docker/Dockerfile.dev');
  });

  it('a dockerfile outside the context becomes an absolute host path', async () => {
    const { model, dir } = await loadText(yaml('services:', '  a:', '    build:', '      context: app', '      dockerfile: ../Dockerfile.shared', '  b:', '    build:', '      context: app', '      dockerfile: /opt/dockerfiles/Dockerfile'));
    assert.equal(model.services['a']!.build!.dockerfile, `${dir}/Dockerfile.shared`);
    assert.equal(model.services['b']!.build!.dockerfile, '/opt/dockerfiles/Dockerfile');
  });

  it('an absolute dockerfile inside the context is made relative to it', async () => {
    const { model } = await loadText(yaml('services:', '  a:', '    build:', '      context: /srv/app', '      dockerfile: /srv/app/build/Dockerfile'));
    assert.equal(model.services['a']!.build!.dockerfile, 'build/Dockerfile');
  });

  it('dockerfile_inline is kept and leaves dockerfile unset', async () => {
    const b = await buildOf(['dockerfile_inline: |', '  FROM scratch', '  COPY . /']);
    assert.deepEqual([b.dockerfile, b.dockerfileInline], [undefined, 'FROM scratch\nCOPY . /\n']);
  });

  it('git contexts are kept as written, with their dockerfile as written', async () => {
    const model = await loadModelText(
      yaml(
        'services:',
        '  a: {build: {context: "https://github.com/example/repo.git#main:web", dockerfile: ../Dockerfile}}',
        '  b: {build: "git@github.com:example/repo.git"}',
        '  c: {build: "github.com/example/repo"}',
        '  d: {build: "ssh://git@example.com/repo"}',
        '  e: {build: "git://example.com/repo"}',
      ),
    );
    const a = model.services['a']!.build!;
    assert.deepEqual([a.context, a.contextKind, a.dockerfile], ['https://github.com/example/repo.git#main:web', 'git', '../Dockerfile']);
    for (const name of ['b', 'c', 'd', 'e']) assert.equal(model.services[name]!.build!.contextKind, 'git', name);
    assert.equal(model.services['c']!.build!.context, 'github.com/example/repo');
  });

  it('an http(s) URL that is not a git repository is a remote context', async () => {
    const b = await buildOf(['context: https://example.com/context.tar.gz']);
    assert.deepEqual([b.context, b.contextKind], ['https://example.com/context.tar.gz', 'url']);
  });

  it('the context and dockerfile are interpolated', async () => {
    const { model, dir } = await loadText(yaml('services:', '  a:', '    build:', '      context: ${APP_DIR}', '      dockerfile: Dockerfile.${FLAVOUR:-dev}'), { env: { APP_DIR: 'svc' } });
    assert.deepEqual([model.services['a']!.build!.context, model.services['a']!.build!.dockerfile], [`${dir}/svc`, 'Dockerfile.dev']);
  });
});

describe('build: args', () => {
  it('the list and map forms give the same args, with numbers and booleans as text', async () => {
    const fromList = await buildOf(['args: [VERSION=1.2, "EMPTY=", "EQ=a=b"]']);
    const fromMap = await buildOf(['args: {VERSION: 1.2, EMPTY: "", EQ: "a=b"}']);
    assert.deepEqual({ ...fromList.args }, { VERSION: '1.2', EMPTY: '', EQ: 'a=b' });
    assert.deepEqual({ ...fromMap.args }, { ...fromList.args });
    assert.deepEqual({ ...(await buildOf(['args: {N: 3, B: true}'])).args }, { N: '3', B: 'true' });
  });

  it('a bare key takes the variable and is dropped when unset, in both forms', async () => {
    const env = { TOKEN: 'from-shell', BLANK: '' };
    const list = await buildOf(['args: [TOKEN, BLANK, NOT_SET]'], { env });
    const map = await buildOf(['args:', '  TOKEN:', '  BLANK:', '  NOT_SET:'], { env });
    assert.deepEqual({ ...list.args }, { TOKEN: 'from-shell', BLANK: '' });
    assert.deepEqual({ ...map.args }, { TOKEN: 'from-shell', BLANK: '' });
  });

  it('a value taken from the environment is sensitive', async () => {
    const model = await loadModelText(yaml('services:', '  a:', '    build:', '      args: [NPM_TOKEN]'), { env: { NPM_TOKEN: 'tok-123' } });
    assert.ok(model.sensitiveValues.includes('tok-123'));
  });

  it('a bare key may come from .env', async () => {
    const b = await buildOf(['args: [FROM_DOTENV]'], { files: { '.env': 'FROM_DOTENV=dot\n' } });
    assert.equal(b.args['FROM_DOTENV'], 'dot');
  });

  it('values are interpolated', async () => {
    const b = await buildOf(['args:', '  - VERSION=${TAG:-latest}', '  - LITERAL=$$HOME'], { env: {} });
    assert.deepEqual({ ...b.args }, { VERSION: 'latest', LITERAL: '$HOME' });
  });

  it('args named like Object.prototype members are plain data', async () => {
    const b = await buildOf(['args: {__proto__: p, constructor: c}']);
    assert.deepEqual([b.args['__proto__'], b.args['constructor'], Object.getPrototypeOf(b.args)], ['p', 'c', null]);
  });
});

describe('build: other attributes', () => {
  it('labels in list and map form; a bare label is empty', async () => {
    assert.deepEqual({ ...(await buildOf(['labels: [team=core, flag]'])).labels }, { team: 'core', flag: '' });
    assert.deepEqual({ ...(await buildOf(['labels: {team: core, n: 1}'])).labels }, { team: 'core', n: '1' });
  });

  it('extra_hosts in both syntaxes become host:ip entries', async () => {
    const list = await buildOf(['extra_hosts: ["db=10.0.0.2", "cache:10.0.0.3", "v6=[::1]", "multi=10.0.0.4,10.0.0.5"]']);
    assert.deepEqual([...list.extraHosts], ['db:10.0.0.2', 'cache:10.0.0.3', 'v6:::1', 'multi:10.0.0.4', 'multi:10.0.0.5']);
    const map = await buildOf(['extra_hosts: {db: 10.0.0.2, two: ["10.0.0.6", "::1"]}']);
    assert.deepEqual([...map.extraHosts], ['db:10.0.0.2', 'two:10.0.0.6', 'two:::1']);
  });

  it('shm_size is bytes, from a size string or a number', async () => {
    assert.equal((await buildOf(['shm_size: 2gb'])).shmSize, 2 * 1024 ** 3);
    assert.equal((await buildOf(['shm_size: 10000000'])).shmSize, 10000000);
    assert.equal((await buildOf(['target: x'])).shmSize, undefined);
  });

  it('no_cache, pull and privileged default to false and read interpolated yes/no', async () => {
    const off = await buildOf(['target: x']);
    assert.deepEqual([off.noCache, off.pull, off.privileged], [false, false, false]);
    const on = await buildOf(['no_cache: ${NO_CACHE}', 'pull: "yes"', 'privileged: true'], { env: { NO_CACHE: 'true' } });
    assert.deepEqual([on.noCache, on.pull, on.privileged], [true, true, true]);
  });

  it('cache_from, cache_to, tags, platforms, entitlements and no_cache_filter are kept in order', async () => {
    const b = await buildOf([
      'cache_from: [app:cache, "type=local,src=/tmp/c"]',
      'cache_to: ["type=inline"]',
      'tags: ["registry.example/app:1", "app:latest"]',
      'platforms: [linux/amd64, linux/arm64]',
      'entitlements: [network.host]',
      'no_cache_filter: [deps, build]',
    ]);
    assert.deepEqual(
      [[...b.cacheFrom], [...b.cacheTo], [...b.tags], [...b.platforms], [...b.entitlements], [...b.noCacheFilter]],
      [['app:cache', 'type=local,src=/tmp/c'], ['type=inline'], ['registry.example/app:1', 'app:latest'], ['linux/amd64', 'linux/arm64'], ['network.host'], ['deps', 'build']],
    );
    assert.deepEqual([...(await buildOf(['no_cache_filter: deps'])).noCacheFilter], ['deps']);
  });

  it('ulimits read as for services', async () => {
    const b = await buildOf(['ulimits:', '  nproc: 65535', '  nofile: {soft: 20000, hard: "40000"}']);
    assert.deepEqual({ nproc: { ...b.ulimits['nproc']! }, nofile: { ...b.ulimits['nofile']! } }, { nproc: { soft: 65535, hard: 65535 }, nofile: { soft: 20000, hard: 40000 } });
  });

  it('target, network, isolation, provenance and sbom are kept as written', async () => {
    const b = await buildOf(['target: prod', 'network: host', 'isolation: default', 'provenance: mode=max', 'sbom: true']);
    assert.deepEqual([b.target, b.network, b.isolation, b.provenance, b.sbom], ['prod', 'host', 'default', 'mode=max', 'true']);
  });

  it('ssh takes default and ID=PATH entries, or a mapping, with paths made absolute', async () => {
    const { model, dir } = await loadText(
      yaml('services:', '  a:', '    build:', '      ssh: [default, "deploy=./keys/deploy.pem", "both=/a.pem,b.pem"]', '  b:', '    build:', '      ssh: {default: null, agent: /run/agent.sock}'),
    );
    assert.deepEqual({ ...model.services['a']!.build!.ssh }, { default: '', deploy: `${dir}/keys/deploy.pem`, both: `/a.pem,${dir}/b.pem` });
    assert.deepEqual({ ...model.services['b']!.build!.ssh }, { default: '', agent: '/run/agent.sock' });
  });

  it('secrets take the short and long forms; the target (the id in the Dockerfile) defaults to the source', async () => {
    const model = await loadModelText(
      yaml('services:', '  a:', '    build:', '      secrets:', '        - npm', '        - {source: cert, target: tls, uid: "103", gid: "103", mode: 0440}', 'secrets:', '  npm: {environment: NPM_TOKEN}', '  cert: {file: ./cert.pem}'),
      { env: { NPM_TOKEN: 'x' } },
    );
    assert.deepEqual(model.services['a']!.build!.secrets.map((s) => ({ ...s })), [
      { source: 'npm', target: 'npm' },
      { source: 'cert', target: 'tls', uid: '103', gid: '103', mode: 0o440 },
    ]);
  });

  it('additional_contexts: local folders become absolute; URLs, images and services are kept', async () => {
    const { model, dir } = await loadText(
      yaml(
        'services:',
        '  base:',
        '    build: ./base',
        '  a:',
        '    build:',
        '      additional_contexts:',
        '        - assets=./assets',
        '        - img=docker-image://alpine:3',
        '        - src=https://github.com/example/src.git',
        '        - parent=service:base',
        '  b:',
        '    build:',
        '      additional_contexts: {assets: /abs/assets}',
      ),
    );
    assert.deepEqual({ ...model.services['a']!.build!.additionalContexts }, {
      assets: `${dir}/assets`,
      img: 'docker-image://alpine:3',
      src: 'https://github.com/example/src.git',
      parent: 'service:base',
    });
    assert.deepEqual({ ...model.services['b']!.build!.additionalContexts }, { assets: '/abs/assets' });
  });

  it('what stack cannot build with is kept in the model rather than refused by the loader', async () => {
    const model = await loadModelText(
      yaml('services:', '  a:', '    build:', '      ssh: [default]', '      secrets: [s]', '      additional_contexts: [extra=./extra]', '      cache_to: ["type=inline"]', '      platforms: [linux/amd64, linux/arm64]', 'secrets:', '  s: {file: ./s.txt}'),
    );
    const b = model.services['a']!.build!;
    assert.deepEqual([Object.keys(b.ssh), b.secrets.length, Object.keys(b.additionalContexts), b.cacheTo.length, b.platforms.length], [['default'], 1, ['extra'], 1, 2]);
  });

  it('every attribute written records its dotted path and file:line:col, for the build step to point at', async () => {
    const b = await buildOf(['context: .', 'ssh: [default]', 'cache_to: ["type=inline"]']);
    assert.deepEqual(Object.keys(b.origins).sort(), ['cache_to', 'context', 'ssh']);
    assert.deepEqual({ ...b.origins['ssh']! }, { path: 'services.a.build.ssh', location: { file: 'stack.yaml', line: 5, col: 7 } });
    assert.equal(b.origins['cache_to']!.location?.line, 6);
  });

  it('the string form records where the build line is', async () => {
    const model = await loadModelText(yaml('services:', '  a:', '    build: ./app'));
    assert.deepEqual({ ...model.services['a']!.build!.origins['context']! }, { path: 'services.a.build', location: { file: 'stack.yaml', line: 3, col: 5 } });
  });

  it('extension fields of the build section are kept', async () => {
    const b = await buildOf(['x-stack-note: hello']);
    assert.equal(b.extensions['x-stack-note'], 'hello');
    assert.equal(b.origins['x-stack-note'], undefined);
  });
});

describe('build: image name', () => {
  it('without image:, the image is named <project>-<service>; with it, by image:', async () => {
    const model = await loadModelText(yaml('services:', '  web:', '    build: .', '  api:', '    build: .', '    image: registry.example/api:2'), { projectName: 'shop' });
    assert.equal(serviceImageName(model.projectName, model.services['web']!), 'shop-web');
    assert.equal(serviceImageName(model.projectName, model.services['api']!), 'registry.example/api:2');
  });

  it('a service name that makes an invalid default image name is warned about, with its place', async () => {
    const model = await loadModelText(yaml('services:', '  Web:', '    build: .'));
    const w = model.warnings.find((x) => x.path === 'services.Web.build');
    assert.ok(w, 'no warning');
    assert.match(w.message, /would be named 'proj-Web', which is not a valid image name/);
    assert.equal(w.location?.line, 3);
  });

  it('a valid default image name is not warned about', async () => {
    const model = await loadModelText(yaml('services:', '  web.api_v2:', '    build: .'));
    assert.deepEqual(model.warnings, []);
  });
});

describe('build: errors', () => {
  it('dockerfile and dockerfile_inline together are an error', async () => {
    await expectProblem(yaml('services:', '  a:', '    build:', '      dockerfile: Dockerfile', '      dockerfile_inline: FROM scratch'), 'services.a.build', 'mutually exclusive');
  });

  it('a service with neither image nor build is an error', async () => {
    await expectProblem(yaml('services:', '  a:', '    command: ["true"]'), 'services.a', 'neither an image nor a build');
  });

  it('a misspelt build key is an error with a suggestion and its place', async () => {
    const p = await expectProblem(yaml('services:', '  a:', '    build:', '      dockerfle: Dockerfile'), 'services.a.build.dockerfle', "did you mean 'dockerfile'");
    assert.deepEqual([p.location?.line, p.location?.col], [4, 7]);
  });

  it('an ssh entry that is neither default nor ID=PATH is an error at the entry', async () => {
    const p = await expectProblem(yaml('services:', '  a:', '    build:', '      ssh:', '        - default', '        - mykey'), 'services.a.build.ssh[1]', "invalid ssh entry 'mykey'");
    assert.equal(p.location?.line, 6);
  });

  it('a build secret that is not declared is an error with a suggestion', async () => {
    const p = await expectProblem(yaml('services:', '  a:', '    build:', '      secrets: [npm_tokn]', 'secrets:', '  npm_token: {file: ./t}'), 'services.a.build.secrets[0]', "undefined build secret 'npm_tokn' — did you mean 'npm_token'?");
    assert.equal(p.location?.line, 4);
  });

  it('an additional context naming an unknown service, or one without a build, is an error at the entry', async () => {
    const problems = await loadProblems(
      yaml('services:', '  db:', '    image: postgres', '  a:', '    build:', '      additional_contexts:', '        base: service:bse', '        data: service:db'),
    );
    assert.deepEqual(problems.map((p) => [p.path, p.location?.line]), [
      ['services.a.build.additional_contexts.base', 7],
      ['services.a.build.additional_contexts.data', 8],
    ]);
    assert.match(problems[0]!.message, /service 'bse', which is not defined/);
    assert.match(problems[1]!.message, /service 'db', which has no build section/);
  });

  it('an additional context list entry without a name is an error', async () => {
    await expectProblem(yaml('services:', '  a:', '    build:', '      additional_contexts: [./assets]'), 'services.a.build.additional_contexts[0]', 'needs a name and a value');
  });

  it('a platform that is not one of build.platforms is an error at platform', async () => {
    const p = await expectProblem(
      yaml('services:', '  a:', '    platform: linux/amd64', '    build:', '      platforms: [linux/arm64, linux/riscv64]'),
      'services.a.platform',
      "platform 'linux/amd64' is not one of build.platforms (linux/arm64, linux/riscv64)",
    );
    assert.deepEqual([p.location?.line, p.location?.col], [3, 5]);
  });

  it('a platform that is one of build.platforms, or platforms left out, is accepted', async () => {
    const model = await loadModelText(yaml('services:', '  a:', '    platform: linux/arm64', '    build:', '      platforms: [linux/amd64, linux/arm64]', '  b:', '    platform: linux/arm64', '    build: .'));
    assert.equal(model.services['a']!.platform, 'linux/arm64');
    assert.deepEqual([...model.services['b']!.build!.platforms], []);
  });

  it('a bad shm_size is an error at the build attribute', async () => {
    await expectProblem(yaml('services:', '  a:', '    build:', '      shm_size: lots'), 'services.a.build.shm_size', 'is not a size');
  });

  it('an extra host without an address is an error at the entry', async () => {
    await expectProblem(yaml('services:', '  a:', '    build:', '      extra_hosts: [db]'), 'services.a.build.extra_hosts[0]', "extra host 'db' has no address");
  });
});

describe('build: included files', () => {
  it("an included file's context, additional contexts and ssh keys resolve against its own directory", async () => {
    const { model, dir } = await loadText(yaml('include: [sub/stack.yaml]', 'services:', '  a:', '    image: x'), {
      files: { 'sub/stack.yaml': yaml('services:', '  b:', '    build:', '      context: ./app', '      dockerfile: Dockerfile.dev', '      additional_contexts: [assets=./assets]', '      ssh: ["key=./id.pem"]') },
    });
    const b = model.services['b']!.build!;
    assert.deepEqual([b.context, b.dockerfile, b.additionalContexts['assets'], b.ssh['key']], [`${dir}/sub/app`, 'Dockerfile.dev', `${dir}/sub/assets`, `${dir}/sub/id.pem`]);
  });
});

describe('build: stack config', () => {

  it('stack config prints the build in long form, as Compose does', async () => {
    const { model, dir } = await loadText(
      yaml('services:', '  a:', '    build:', '      context: app', '      args: [V=1]', '      extra_hosts: ["db:10.0.0.2"]', '      ssh: [default]', '      secrets: [s]', '      no_cache: true', 'secrets:', '  s: {file: ./s}'),
    );
    assert.deepEqual(printedService(model, 'a')['build'], {
      args: { V: '1' },
      context: `${dir}/app`,
      dockerfile: 'Dockerfile',
      extra_hosts: ['db=10.0.0.2'],
      no_cache: true,
      secrets: [{ source: 's' }],
      ssh: ['default'],
    });
  });

  it('the printed build loads again to the same build', async () => {
    const model = await loadModelText(
      yaml(
        'services:',
        '  base:',
        '    build: .',
        '  a:',
        '    platform: linux/amd64',
        '    build:',
        '      context: app',
        '      dockerfile: ../Dockerfile.a',
        '      args: {V: "1"}',
        '      labels: [team=core]',
        '      extra_hosts: {v6: "::1"}',
        '      shm_size: 1g',
        '      ulimits: {nofile: {soft: 1, hard: 2}}',
        '      ssh: ["k=/keys/k.pem", default]',
        '      secrets: [{source: s, target: id, mode: 0400}]',
        '      additional_contexts: {base: "service:base", dir: ./d}',
        '      cache_from: [c]',
        '      cache_to: [d]',
        '      tags: [t:1]',
        '      platforms: [linux/amd64]',
        '      entitlements: [network.host]',
        '      no_cache_filter: [s1]',
        '      target: prod',
        '      network: none',
        '      isolation: default',
        '      provenance: "false"',
        '      sbom: generator=x',
        '      pull: true',
        '      privileged: true',
        '      x-stack-note: kept',
        'secrets:',
        '  s: {file: ./s}',
      ),
    );
    const again = await reloadPrinted(model);
    assert.deepEqual(withoutOrigins(again.services['a']!), withoutOrigins(model.services['a']!));
  });
});
