// Which context paths a Dockerfile can read (src/image/dockerfile-reads.ts), as the classic
// builder reads them, and the walk's questions to ReadScope. Every doubt must answer 'all'.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerfileReads, ReadScope } from '../../../src/image/dockerfile-reads.js';

const sources = (lines: string[], args?: Record<string, string | undefined>): 'all' | readonly string[] => dockerfileReads(lines.join('\n'), args).sources;

test('COPY and ADD in any case read every argument but the last, deduplicated in order', () => {
  const dockerfile = ['FROM busybox', 'COPY package.json package-lock.json /app/', 'add src /app/src', 'Copy package.json ./', 'COPY lib/ /lib'];
  assert.deepEqual(sources(dockerfile), ['package.json', 'package-lock.json', 'src', 'lib']);
});

test('the JSON form reads its strings, spaces and all', () => {
  assert.deepEqual(sources(['FROM busybox', 'COPY ["a b", "c", "/dest/"]']), ['a b', 'c']);
});

test('--chown, --chmod and --link are skipped as flags', () => {
  assert.deepEqual(sources(['FROM busybox', 'COPY --chown=1:1 --chmod=644 --link app.conf /etc/', 'ADD --chown=app ["data", "/data"]']), ['app.conf', 'data']);
});

test('COPY --from reads another stage or image, not the context', () => {
  assert.deepEqual(sources(['FROM golang AS build', 'COPY go.mod /src/', 'FROM busybox', 'COPY --from=build /out/app /app', 'COPY --link --from=alpine /etc/passwd /etc/']), ['go.mod']);
});

test('a Dockerfile with no COPY or ADD from the context reads nothing', () => {
  assert.deepEqual(dockerfileReads('FROM busybox\nRUN echo hi\nCOPY --from=alpine / /\n'), { sources: [], fetchesUrls: false });
});

test('ADD of an http(s) URL reads no context and fetches', () => {
  assert.deepEqual(dockerfileReads('FROM busybox\nADD https://example.com/a.tgz /a.tgz\nADD http://example.com/b conf /b/\n'), { sources: ['conf'], fetchesUrls: true });
});

test('ADD of a git URL reads no context and fetches', () => {
  for (const url of ['git@github.com:org/repo.git', 'git://example.com/repo', 'https://github.com/org/repo.git#main']) {
    assert.deepEqual(dockerfileReads(`FROM busybox\nADD ${url} /src\n`), { sources: [], fetchesUrls: true }, url);
  }
});

test('ADD of a path with a #ref fetches, and still counts as a context path (the classic builder reads it)', () => {
  assert.deepEqual(dockerfileReads('FROM busybox\nADD github.com/org/repo#main /src\n'), { sources: ['github.com/org/repo#main'], fetchesUrls: true });
});

test('COPY of local files does not fetch', () => {
  assert.equal(dockerfileReads('FROM busybox\nCOPY a /a\n').fetchesUrls, false);
});

test('sources are cleaned: leading / and ./ dropped, a/../b resolved, // collapsed', () => {
  assert.deepEqual(sources(['FROM busybox', 'COPY /etc/app ./conf//nginx.conf lib/../bin/ /x/']), ['etc/app', 'conf/nginx.conf', 'bin']);
});

test('the context root as a source reads everything', () => {
  for (const root of ['.', '/', './', 'a/..', '*']) assert.equal(sources(['FROM busybox', `COPY ${root} /app`]), 'all', root);
});

test('a source that escapes the context with .. answers all', () => {
  assert.equal(sources(['FROM busybox', 'COPY ../secrets /s']), 'all');
  assert.equal(sources(['FROM busybox', 'COPY /../secrets /s']), 'all');
});

test('wildcard sources are kept as patterns, a bad one answers all', () => {
  assert.deepEqual(sources(['FROM busybox', 'COPY *.json src/*/index.ts /app/']), ['*.json', 'src/*/index.ts']);
  assert.equal(sources(['FROM busybox', 'COPY src/[a /app/']), 'all');
});

test('ARG defaults fill in sources, build args override them', () => {
  const dockerfile = ['FROM busybox', 'ARG APP=web', 'ARG CONF="prod.conf"', 'COPY apps/${APP} conf/$CONF /srv/'];
  assert.deepEqual(sources(dockerfile), ['apps/web', 'conf/prod.conf']);
  assert.deepEqual(sources(dockerfile, { APP: 'api', UNUSED: 'x' }), ['apps/api', 'conf/prod.conf']);
});

test('${X:-default} and ${X:+alternative} are expanded', () => {
  const dockerfile = ['FROM busybox', 'ARG EMPTY=""', 'ARG SET=yes', 'COPY ${EMPTY:-fallback} ${SET:-no} x${SET:+-extra} y${EMPTY:+-never} /d/'];
  assert.deepEqual(sources(dockerfile), ['fallback', 'yes', 'x-extra', 'y']);
});

test('an ARG before the first FROM counts in a stage only when redeclared there bare', () => {
  const dockerfile = ['ARG DIR=dist', 'FROM busybox', 'ARG DIR', 'COPY $DIR /app'];
  assert.deepEqual(sources(dockerfile), ['dist']);
  assert.deepEqual(sources(dockerfile, { DIR: 'build' }), ['build']);
  assert.equal(sources(['ARG DIR=dist', 'FROM busybox', 'COPY $DIR /app']), 'all');
});

test('an ARG of an earlier stage does not reach the next one', () => {
  assert.equal(sources(['FROM busybox AS one', 'ARG DIR=dist', 'FROM busybox', 'COPY $DIR /app']), 'all');
});

test('ENV declared earlier in the stage is expanded, in both its forms, and wins over an ARG', () => {
  const dockerfile = ['FROM busybox', 'ARG SRC=from-arg', 'ENV SRC=from-env OTHER="x y"', 'ENV OLD old form', 'COPY $SRC ${OTHER} $OLD /d/'];
  assert.deepEqual(sources(dockerfile, { SRC: 'from-build-arg' }), ['from-env', 'x y', 'old form']);
});

test("an ARG that a base image's ENV of the same name overrides cannot be told, and answers all", () => {
  const dockerfile = ['FROM python:3', 'ARG APP_DIR=src', 'COPY ${APP_DIR} /app'].join('\n');
  assert.deepEqual(dockerfileReads(dockerfile, {}, new Set(['PATH'])).sources, ['src']);
  assert.equal(dockerfileReads(dockerfile, {}, new Set(['APP_DIR'])).sources, 'all');
  assert.deepEqual(dockerfileReads(['FROM python:3', 'ENV APP_DIR=lib', 'COPY ${APP_DIR} /app'].join('\n'), {}, new Set(['APP_DIR'])).sources, ['lib'], 'its own ENV is known');
});

test('the values of one ENV are expanded with the variables from before it', () => {
  assert.deepEqual(sources(['FROM busybox', 'ENV A=old', 'ENV A=new B=$A', 'COPY $B /d']), ['old']);
});

test('a variable that cannot be told answers all', () => {
  assert.equal(sources(['FROM busybox', 'COPY $UNDECLARED /app']), 'all');
  assert.equal(sources(['FROM busybox', 'ARG NOVALUE', 'COPY ${NOVALUE:-dist} /app']), 'all');
  assert.equal(sources(['FROM busybox', 'ENV P=$PATH', 'COPY $P /app']), 'all');
  assert.equal(sources(['FROM busybox', 'ENV LATER=x', 'FROM busybox', 'COPY $LATER /app']), 'all');
});

test('an ADD whose source cannot be told may fetch a URL', () => {
  assert.deepEqual(dockerfileReads('FROM busybox\nADD $URL /x\n'), { sources: 'all', fetchesUrls: true });
});

test('quotes are removed from sources and single quotes stop expansion', () => {
  assert.deepEqual(sources(['FROM busybox', 'ARG V=1', `COPY "v$V" 'v$V' /d/`]), ['v1', 'v$V']);
});

test('a # syntax= directive answers all: another frontend may read anything', () => {
  assert.equal(sources(['# syntax=docker/dockerfile:1', 'FROM busybox', 'COPY a /a']), 'all');
});

test('RUN --mount answers all: a bind mount reads the context', () => {
  assert.equal(sources(['FROM busybox', 'COPY a /a', 'RUN --mount=type=bind,target=/src make']), 'all');
});

test('a heredoc in COPY or ADD answers all', () => {
  assert.equal(sources(['FROM busybox', 'COPY <<EOF /etc/conf']), 'all');
  assert.equal(sources(['FROM busybox', 'ADD a <<EOF /etc/']), 'all');
});

test('--parents, or a flag this reader does not know, answers all', () => {
  assert.equal(sources(['FROM busybox', 'COPY --parents a/b /d/']), 'all');
  assert.equal(sources(['FROM busybox', 'COPY --newflag=1 a /d/']), 'all');
});

test('an ONBUILD COPY reads nothing in its own stage', () => {
  assert.deepEqual(sources(['FROM busybox', 'ONBUILD COPY . /app', 'COPY a /a']), ['a']);
});

test('an ONBUILD COPY runs in a later stage built FROM its stage: all', () => {
  assert.equal(sources(['FROM busybox AS base', 'ONBUILD COPY . /app', 'FROM base', 'COPY a /a']), 'all');
});

test('the escape directive makes the backtick continue lines, and the backslash literal', () => {
  const dockerfile = ['# escape=`', 'FROM busybox', 'COPY a `', '  b `', '  C:\\dest\\'];
  assert.deepEqual(sources(dockerfile), ['a', 'b']);
});

test('a continuation broken by an empty line answers all (the builder joins across it)', () => {
  // read line by line it would be `COPY a c` and `user /d/`, which misses `c` and `user`
  assert.equal(sources(['FROM busybox', 'COPY a c \\', '', 'user /d/']), 'all');
});

test('an instruction this reader does not know answers all', () => {
  assert.equal(sources(['FROM busybox', 'COPI a /a']), 'all');
});

test('ReadScope: a directory at or under a read directory is inside', () => {
  const scope = new ReadScope(['src', 'conf/nginx.conf']);
  assert.equal(scope.directory('src'), 'inside');
  assert.equal(scope.directory('src/deep/er'), 'inside');
});

test('ReadScope: a directory on the way to a source leads in, the root too', () => {
  const scope = new ReadScope(['conf/nginx/site.conf']);
  assert.equal(scope.directory(''), 'leads-in');
  assert.equal(scope.directory('conf'), 'leads-in');
  assert.equal(scope.directory('conf/nginx'), 'leads-in');
});

test('ReadScope: a directory off every source is outside, and with no sources the root is too', () => {
  const scope = new ReadScope(['conf/nginx.conf']);
  assert.equal(scope.directory('node_modules'), 'outside');
  assert.equal(scope.directory('confx'), 'outside');
  assert.equal(new ReadScope([]).directory(''), 'outside');
});

test('ReadScope: a file is included when a source names it or a directory above it', () => {
  const scope = new ReadScope(['src', 'conf/nginx.conf']);
  assert.equal(scope.includesFile('src/a/b.ts'), true);
  assert.equal(scope.includesFile('conf/nginx.conf'), true);
  assert.equal(scope.includesFile('conf/other.conf'), false);
  assert.equal(scope.includesFile('README.md'), false);
});

test('ReadScope: * and ? match within one component, never across /', () => {
  const scope = new ReadScope(['*.json', 'src/?/index.ts']);
  assert.equal(scope.includesFile('package.json'), true);
  assert.equal(scope.includesFile('sub/package.json'), false);
  assert.equal(scope.directory('sub'), 'outside');
  assert.equal(scope.includesFile('src/a/index.ts'), true);
  assert.equal(scope.includesFile('src/ab/index.ts'), false);
  assert.equal(scope.directory('src/a'), 'leads-in');
  assert.equal(scope.directory('src/ab'), 'outside');
});

test('ReadScope: a wildcard that names a directory takes everything under it', () => {
  const scope = new ReadScope(['packages/*']);
  assert.equal(scope.directory('packages/web'), 'inside');
  assert.equal(scope.includesFile('packages/web/src/index.ts'), true);
});

test('ReadScope: [ classes match one character, [^ ] its complement, with ranges', () => {
  const scope = new ReadScope(['v[0-9].txt', 'x[^ab]']);
  assert.equal(scope.includesFile('v1.txt'), true);
  assert.equal(scope.includesFile('vx.txt'), false);
  assert.equal(scope.includesFile('xc'), true);
  assert.equal(scope.includesFile('xa'), false);
});

test('ReadScope: a backslash escapes in a pattern, and is a plain character in a path without wildcards', () => {
  const scope = new ReadScope(['a\\*b/*', 'c\\d']);
  assert.equal(scope.includesFile('a*b/file'), true);
  assert.equal(scope.includesFile('axb/file'), false);
  assert.equal(scope.includesFile('c\\d'), true);
  assert.equal(scope.includesFile('cd'), false);
});
