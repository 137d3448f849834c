// The compiled watch rules as tables: a changed path → what it means for each service, and
// which paths chokidar may skip (and never descend).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileWatchRules, type WatchRulesInput } from '../../../src/watch/rules.js';
import type { WatchAction, WatchRuleInput } from '../../../src/watch/types.js';

function rule(action: WatchAction, path: string, more: Partial<WatchRuleInput> = {}): WatchRuleInput {
  return { action, path, ignore: [], include: [], initialSync: false, ...more };
}

const dir = { isDirectory: () => true };
const file = { isDirectory: () => false };

/** `web#0 sync /app/x` per match, in the order the compiler returns them. */
function described(input: WatchRulesInput, path: string, isDirectory = false): string[] {
  return compileWatchRules(input)
    .matchesFor(path, isDirectory)
    .map((m) => `${m.service}#${m.ruleIndex} ${m.action}${m.containerPath !== undefined ? ' ' + m.containerPath : ''}`);
}

// A project with a built service (its .dockerignore ignores node_modules and logs) and a
// service that syncs the whole project.
const project: WatchRulesInput = {
  stackFiles: ['/proj/stack.yaml', '/proj/.env'],
  services: [
    {
      service: 'web',
      build: { contextDir: '/proj/web', dockerfile: '/proj/web/Dockerfile', ignorePatterns: ['node_modules', '**/*.log'] },
      rules: [
        rule('sync', '/proj/web/src', { target: '/app/src', ignore: ['**/*.test.js'] }),
        rule('rebuild', '/proj/web/package.json'),
        rule('sync+restart', '/proj/web/config', { target: '/etc/web' }),
      ],
    },
    {
      service: 'api',
      rules: [
        rule('sync', '/proj', { target: '/srv', ignore: ['docs'] }),
        rule('sync+exec', '/proj/api', { target: '/srv/api', include: ['*.py'] }),
      ],
    },
  ],
};

describe('watch rules: a changed path → actions', () => {
  const table: [string, boolean, string[]][] = [
    ['/proj/web/src/index.js', false, ['web#0 sync /app/src/index.js', 'api#0 sync /srv/web/src/index.js']],
    ['/proj/web/src/components', true, ['web#0 sync /app/src/components', 'api#0 sync /srv/web/src/components']],
    ['/proj/web/src/ui/button.test.js', false, ['api#0 sync /srv/web/src/ui/button.test.js']],
    ['/proj/web/package.json', false, ['web#1 rebuild', 'api#0 sync /srv/web/package.json']],
    ['/proj/web/config/app.ini', false, ['web#2 sync+restart /etc/web/app.ini', 'api#0 sync /srv/web/config/app.ini']],
    ['/proj/web/src/server.log', false, ['api#0 sync /srv/web/src/server.log']],
    ['/proj/api/main.py', false, ['api#0 sync /srv/api/main.py', 'api#1 sync+exec /srv/api/main.py']],
    ['/proj/api/README.md', false, ['api#0 sync /srv/api/README.md']],
    // .dockerignore syntax: `*.py` is relative to the rule's path and does not cross a '/'.
    ['/proj/api/pkg/util.py', false, ['api#0 sync /srv/api/pkg/util.py']],
    ['/proj/docs/guide.md', false, []],
    ['/proj/stack.yaml', false, []],
    ['/proj/.env', false, []],
    ['/proj/web/Dockerfile', false, []],
    ['/proj/.git/HEAD', false, []],
    ['/proj/web/src/.index.js.swp', false, []],
    ['/proj/web/src/index.js~', false, []],
    ['/proj/web/src/4913', false, []],
    ['/proj/web/src/index.js___jb_tmp___', false, []],
    ['/proj/web/src/.#index.js', false, []],
    ['/elsewhere/x.js', false, []],
  ];
  for (const [path, isDirectory, expected] of table) {
    it(`${path}${isDirectory ? '/' : ''} → ${expected.length ? expected.join(', ') : 'nothing'}`, () => {
      assert.deepEqual(described(project, path, isDirectory), expected);
    });
  }

  it('matches a rule path on whole segments: /proj/src does not cover /proj/src2', () => {
    const input: WatchRulesInput = { stackFiles: [], services: [{ service: 's', rules: [rule('sync', '/proj/src', { target: '/app' })] }] };
    assert.deepEqual(described(input, '/proj/src2/a.js'), []);
    assert.deepEqual(described(input, '/proj/src/a.js'), ['s#0 sync /app/a.js']);
  });

  it('maps a rule whose path is one file onto its target itself', () => {
    const input: WatchRulesInput = {
      stackFiles: [],
      services: [{ service: 'proxy', rules: [rule('sync+restart', '/proj/nginx.conf', { target: '/etc/nginx/nginx.conf' })] }],
    };
    assert.deepEqual(described(input, '/proj/nginx.conf'), ['proxy#0 sync+restart /etc/nginx/nginx.conf']);
  });

  it('gives restart and rebuild matches no container path', () => {
    const input: WatchRulesInput = {
      stackFiles: [],
      services: [{ service: 's', rules: [rule('restart', '/proj/conf'), rule('rebuild', '/proj/conf', { target: '/ignored' })] }],
    };
    assert.deepEqual(described(input, '/proj/conf/a.ini'), ['s#0 restart', 's#1 rebuild']);
  });
});

describe('watch rules: `*` with `!` exceptions (docker/compose#12236)', () => {
  const site: WatchRulesInput = {
    stackFiles: [],
    services: [{ service: 'www', rules: [rule('sync', '/p/site', { target: '/www', ignore: ['*', '!public', '!assets/img'] })] }],
  };
  const compiled = compileWatchRules(site);

  it('syncs files under a re-included directory', () => {
    assert.deepEqual(described(site, '/p/site/public/index.html'), ['www#0 sync /www/public/index.html']);
    assert.deepEqual(described(site, '/p/site/assets/img/logo.png'), ['www#0 sync /www/assets/img/logo.png']);
  });

  it('ignores everything else', () => {
    assert.deepEqual(described(site, '/p/site/secret.txt'), []);
    assert.deepEqual(described(site, '/p/site/assets/style.css'), []);
  });

  it('descends an ignored directory with an exception below it, and skips one without', () => {
    assert.equal(compiled.ignored('/p/site/public', dir), false);
    assert.equal(compiled.ignored('/p/site/assets', dir), false, '`assets` is ignored by `*` but `!assets/img` is below it');
    assert.equal(compiled.ignored('/p/site/assets/img', dir), false);
    assert.equal(compiled.ignored('/p/site/private', dir), true);
    assert.equal(compiled.ignored('/p/site/assets/fonts', dir), true);
  });

  it('applies the same to a build context .dockerignore of `*` + `!src`', () => {
    const built: WatchRulesInput = {
      stackFiles: [],
      services: [
        {
          service: 'svc',
          build: { contextDir: '/p/svc', dockerfile: '/p/svc/Dockerfile', ignorePatterns: ['*', '!src'] },
          rules: [rule('sync', '/p/svc', { target: '/app' })],
        },
      ],
    };
    assert.deepEqual(described(built, '/p/svc/src/main.js'), ['svc#0 sync /app/src/main.js']);
    assert.deepEqual(described(built, '/p/svc/README.md'), []);
    assert.equal(compileWatchRules(built).ignored('/p/svc/src', dir), false);
    assert.equal(compileWatchRules(built).ignored('/p/svc/tmp', dir), true);
  });
});

describe('watch rules: stack files, Dockerfiles and .git', () => {
  const base = (include: string[]): WatchRulesInput => ({
    stackFiles: ['/proj/stack.yaml'],
    services: [
      {
        service: 'app',
        build: { contextDir: '/proj', dockerfile: '/proj/Dockerfile', ignorePatterns: [] },
        rules: [rule('sync', '/proj', { target: '/srv', include })],
      },
    ],
  });

  it('never syncs them when no include names them', () => {
    for (const path of ['/proj/stack.yaml', '/proj/Dockerfile', '/proj/.git/config']) assert.deepEqual(described(base([]), path), [], path);
  });

  it('does not take a wildcard include for naming them', () => {
    assert.deepEqual(described(base(['*']), '/proj/Dockerfile'), []);
    assert.deepEqual(described(base(['*']), '/proj/main.go'), ['app#0 sync /srv/main.go']);
  });

  it('syncs the ones an include names literally', () => {
    const input = base(['Dockerfile', 'stack.yaml', '.git', 'src']);
    assert.deepEqual(described(input, '/proj/Dockerfile'), ['app#0 sync /srv/Dockerfile']);
    assert.deepEqual(described(input, '/proj/stack.yaml'), ['app#0 sync /srv/stack.yaml']);
    assert.deepEqual(described(input, '/proj/.git/HEAD'), ['app#0 sync /srv/.git/HEAD']);
    assert.equal(compileWatchRules(input).ignored('/proj/.git', dir), false);
    assert.equal(compileWatchRules(base([])).ignored('/proj/.git', dir), true);
  });

  it('rebuilds on a Dockerfile change even when the .dockerignore lists the Dockerfile', () => {
    const input: WatchRulesInput = {
      stackFiles: [],
      services: [
        {
          service: 'svc',
          build: {
            contextDir: '/p/svc',
            dockerfile: '/p/svc/Dockerfile',
            ignorePatterns: ['Dockerfile', '.dockerignore', '*.md'],
            ignoreFile: '/p/svc/.dockerignore',
          },
          rules: [rule('rebuild', '/p/svc')],
        },
      ],
    };
    assert.deepEqual(described(input, '/p/svc/Dockerfile'), ['svc#0 rebuild']);
    assert.deepEqual(described(input, '/p/svc/.dockerignore'), ['svc#0 rebuild']);
    assert.deepEqual(described(input, '/p/svc/README.md'), []);
    assert.deepEqual(described(input, '/p/svc/main.go'), ['svc#0 rebuild']);
  });

  it('treats a Dockerfile given by the caller like a service one', () => {
    const input: WatchRulesInput = {
      stackFiles: [],
      dockerfiles: ['/proj/tools/Dockerfile.dev'],
      services: [{ service: 's', rules: [rule('sync', '/proj', { target: '/srv' })] }],
    };
    assert.deepEqual(described(input, '/proj/tools/Dockerfile.dev'), []);
  });
});

describe('watch rules: the ignored function chokidar gets', () => {
  const input: WatchRulesInput = {
    stackFiles: ['/proj/app/stack.yaml'],
    services: [
      { service: 'app', rules: [rule('sync', '/proj/app', { target: '/app', ignore: ['node_modules', '*.yaml'] })] },
      { service: 'docs', rules: [rule('sync', '/proj/docs', { target: '/docs' })] },
    ],
  };
  const compiled = compileWatchRules(input);

  it('skips an ignored directory, asked with or without stats', () => {
    assert.equal(compiled.ignored('/proj/app/node_modules', dir), true);
    assert.equal(compiled.ignored('/proj/app/node_modules'), true);
    assert.equal(compiled.ignored('/proj/app/node_modules/lodash/index.js', file), true);
  });

  it('keeps a directory another rule still wants', () => {
    const both = compileWatchRules({
      stackFiles: [],
      services: [
        ...input.services,
        { service: 'builder', rules: [rule('sync', '/proj/app/node_modules', { target: '/cache' })] },
      ],
    });
    assert.equal(both.ignored('/proj/app/node_modules', dir), false);
  });

  it('keeps a stack file that a rule ignores (it is watched for reloads)', () => {
    assert.equal(compiled.ignored('/proj/app/stack.yaml', file), false);
    assert.equal(compiled.ignored('/proj/app/other.yaml', file), true);
  });

  it('keeps watched files and directories, and the way down to a rule path', () => {
    assert.equal(compiled.ignored('/proj/app/src', dir), false);
    assert.equal(compiled.ignored('/proj/app/src/a.js', file), false);
    assert.equal(compiled.ignored('/proj', dir), false);
  });

  it('skips editor temp files, .git and paths no rule covers', () => {
    assert.equal(compiled.ignored('/proj/app/src/.a.js.swp', file), true);
    assert.equal(compiled.ignored('/proj/app/.git', dir), true);
    assert.equal(compiled.ignored('/proj/other', dir), true);
  });

  it('keeps the directory of a stack file outside every rule, and skips its other contents', () => {
    const withEnv = compileWatchRules({ ...input, stackFiles: ['/etc/stack/prod.env'] });
    assert.equal(withEnv.ignored('/etc/stack', dir), false);
    assert.equal(withEnv.ignored('/etc/stack/prod.env', file), false);
    assert.equal(withEnv.ignored('/etc/stack/other.env', file), true);
    assert.equal(withEnv.ignored('/etc/stack/sub', dir), true);
  });

  it('watches every rule path and stack file once, none inside another', () => {
    assert.deepEqual(compiled.roots, ['/proj/app', '/proj/docs']);
    assert.deepEqual(compileWatchRules(project).roots, ['/proj']);
  });

  it('is harmless for user-chosen names like __proto__', () => {
    const odd = compileWatchRules({
      stackFiles: [],
      services: [{ service: '__proto__', rules: [rule('sync', '/p/__proto__', { target: '/constructor' })] }],
    });
    assert.deepEqual(
      odd.matchesFor('/p/__proto__/prototype', false).map((m) => [m.service, m.containerPath]),
      [['__proto__', '/constructor/prototype']],
    );
  });
});
