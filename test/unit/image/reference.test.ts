// Image references. The tables are the cases of distribution/reference's own tests
// (normalize_test.go, reference_test.go), so that stack reads every name as the Docker CLI does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  authConfigKey,
  dockerReference,
  familiar,
  formatReference,
  isValidTag,
  mustParseReference,
  normalizeReference,
  parseReference,
  pullParameters,
  registryHost,
  sameImage,
  type ImageReference,
} from '../../../src/image/reference.js';

const hex64 = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
const fff = 'f'.repeat(64);

function parsed(text: string): ImageReference {
  const ref = parseReference(text);
  assert.ok(!(ref instanceof Error), `${text}: ${ref instanceof Error ? ref.message : ''}`);
  return ref;
}

test('the repository names the reference package accepts are accepted', () => {
  for (const name of [
    'docker/docker', 'library/debian', 'debian', 'localhost/library/debian', 'localhost/debian',
    'LOCALDOMAIN/library/debian', 'LOCALDOMAIN/debian', 'docker.io/docker/docker', 'docker.io/library/debian',
    'docker.io/debian', 'index.docker.io/docker/docker', 'index.docker.io/library/debian', 'index.docker.io/debian',
    '127.0.0.1:5000/docker/docker', '127.0.0.1:5000/library/debian', '127.0.0.1:5000/debian', '192.168.0.1',
    '192.168.0.1:80', '192.168.0.1:8/debian', '192.168.0.2:25000/debian',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', '[fc00::1]:5000/docker',
    '[fc00::1]:5000/docker/docker', '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
    `docker.io/${'1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a'}`, 'Docker/docker', 'DOCKER/docker',
    // TestValidateRemoteName
    'docker-rules/docker', 'docker---rules/docker', 'doc/docker', 'd/docker', 'jess/t', 'dock__er/docker',
  ]) {
    parsed(name);
  }
});

test('the repository names the reference package rejects are rejected', () => {
  for (const name of [
    'https://github.com/docker/docker', 'docker/Docker', '-docker', '-docker/docker', '-docker.io/docker/docker',
    'docker///docker', 'docker.io/docker/Docker', 'docker.io/docker///docker', '[fc00::1]', '[fc00::1]:5000',
    'fc00::1:5000/debian', '[fe80::1%eth0]:5000/debian', '[2001:db8:3:4::192.0.2.33]:5000/debian',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    // TestValidateRemoteName
    'docker-/docker', '-docker-/docker', '____/____', '_docker/_docker', 'dock..er/docker', 'dock_.er/docker',
    'dock-.er/docker', 'docker/', `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}/docker`,
  ]) {
    assert.ok(parseReference(name) instanceof Error, `${name} should be invalid`);
  }
});

test('familiar, full and ambiguous spellings of one repository give the same domain, path and familiar name', () => {
  // [familiar, full, ambiguous or '', domain, path] from TestParseRepositoryInfo
  const table: [string, string, string, string, string][] = [
    ['localhost/fooo', 'localhost/fooo', 'localhost/fooo', 'localhost', 'fooo'],
    ['localhost/fooo/bar', 'localhost/fooo/bar', 'localhost/fooo/bar', 'localhost', 'fooo/bar'],
    ['LOCALDOMAIN/fooo', 'LOCALDOMAIN/fooo', 'LOCALDOMAIN/fooo', 'LOCALDOMAIN', 'fooo'],
    ['LOCALDOMAIN/fooo/bar', 'LOCALDOMAIN/fooo/bar', 'LOCALDOMAIN/fooo/bar', 'LOCALDOMAIN', 'fooo/bar'],
    ['fooo/bar', 'docker.io/fooo/bar', 'index.docker.io/fooo/bar', 'docker.io', 'fooo/bar'],
    ['ubuntu', 'docker.io/library/ubuntu', 'library/ubuntu', 'docker.io', 'library/ubuntu'],
    ['nonlibrary/ubuntu', 'docker.io/nonlibrary/ubuntu', '', 'docker.io', 'nonlibrary/ubuntu'],
    ['other/library', 'docker.io/other/library', '', 'docker.io', 'other/library'],
    ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase', '', '127.0.0.1:8000', 'private/moonbase'],
    ['127.0.0.1:8000/privatebase', '127.0.0.1:8000/privatebase', '', '127.0.0.1:8000', 'privatebase'],
    ['example.com/private/moonbase', 'example.com/private/moonbase', '', 'example.com', 'private/moonbase'],
    ['example.com/privatebase', 'example.com/privatebase', '', 'example.com', 'privatebase'],
    ['example.com:8000/private/moonbase', 'example.com:8000/private/moonbase', '', 'example.com:8000', 'private/moonbase'],
    ['example.com:8000/privatebasee', 'example.com:8000/privatebasee', '', 'example.com:8000', 'privatebasee'],
    ['ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base', 'index.docker.io/library/ubuntu-12.04-base', 'docker.io', 'library/ubuntu-12.04-base'],
    ['foo', 'docker.io/library/foo', 'docker.io/foo', 'docker.io', 'library/foo'],
    ['library/foo/bar', 'docker.io/library/foo/bar', '', 'docker.io', 'library/foo/bar'],
    ['store/foo/bar', 'docker.io/store/foo/bar', '', 'docker.io', 'store/foo/bar'],
    ['Foo/bar', 'Foo/bar', '', 'Foo', 'bar'],
    ['FOO/bar', 'FOO/bar', '', 'FOO', 'bar'],
  ];
  for (const [familiarName, fullName, ambiguousName, domain, path] of table) {
    for (const spelling of [familiarName, fullName, ambiguousName].filter((s) => s !== '')) {
      const ref = parsed(spelling);
      assert.equal(familiar(ref), familiarName, `familiar of ${spelling}`);
      assert.equal(formatReference(ref), fullName, `full name of ${spelling}`);
      assert.equal(registryHost(ref), domain, `domain of ${spelling}`);
      assert.equal(ref.path, path, `path of ${spelling}`);
    }
  }
});

test('a name is split into registry host and path as the reference package splits it', () => {
  const table: [string, string, string][] = [
    ['test.com/foo', 'test.com', 'foo'],
    ['test_com/foo', 'docker.io', 'test_com/foo'],
    ['docker/migrator', 'docker.io', 'docker/migrator'],
    ['test.com:8080/foo', 'test.com:8080', 'foo'],
    ['test-com:8080/foo', 'test-com:8080', 'foo'],
    ['foo', 'docker.io', 'library/foo'],
    ['xn--n3h.com/foo', 'xn--n3h.com', 'foo'],
    ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'],
    ['docker.io/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar'],
    ['localhost:5000/a/b', 'localhost:5000', 'a/b'],
  ];
  for (const [input, domain, path] of table) {
    const ref = parsed(input);
    assert.deepEqual([ref.domain, ref.path], [domain, path], input);
  }
});

test('normalising adds the latest tag, keeps a digest and drops the tag beside a digest (ParseDockerRef)', () => {
  const digest = 'sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582';
  const table: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:latest', 'docker.io/library/busybox:latest'],
    [`busybox@${digest}`, `docker.io/library/busybox@${digest}`],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox:latest', 'docker.io/library/busybox:latest'],
    ['library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['gcr.io/library/busybox', 'gcr.io/library/busybox:latest'],
    [`gcr.io/library/busybox:latest@${digest}`, `gcr.io/library/busybox@${digest}`],
    ['localhost:5000/a/b', 'localhost:5000/a/b:latest'],
  ];
  for (const [input, expected] of table) assert.equal(normalizeReference(input), expected, input);
});

test('references that name a repository are completed to their full form (ParseAnyReference cases)', () => {
  const table: [string, string][] = [
    ['redis', 'docker.io/library/redis'],
    ['redis:latest', 'docker.io/library/redis:latest'],
    ['docker.io/library/redis:latest', 'docker.io/library/redis:latest'],
    [`redis@sha256:${hex64}`, `docker.io/library/redis@sha256:${hex64}`],
    [`docker.io/library/redis@sha256:${hex64}`, `docker.io/library/redis@sha256:${hex64}`],
    ['dmcgowan/myapp', 'docker.io/dmcgowan/myapp'],
    ['dmcgowan/myapp:latest', 'docker.io/dmcgowan/myapp:latest'],
    ['docker.io/mcgowan/myapp:latest', 'docker.io/mcgowan/myapp:latest'],
    [`dmcgowan/myapp@sha256:${hex64}`, `docker.io/dmcgowan/myapp@sha256:${hex64}`],
    // 63 hex characters is a name, not an id
    [hex64.slice(0, 63), `docker.io/library/${hex64.slice(0, 63)}`],
    ['dbcc1', 'docker.io/library/dbcc1'],
  ];
  for (const [input, expected] of table) assert.equal(formatReference(parsed(input)), expected, input);
});

test('a reference with both tag and digest keeps both, and its familiar form is what was written', () => {
  const short = 'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
  const ref = parsed(short);
  assert.equal(formatReference(ref), `docker.io/library/${short}`);
  assert.equal(ref.tag, 'latest');
  assert.equal(ref.digest, 'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa');
  assert.equal(familiar(ref), short);
});

test('tags, digests, IPv6 hosts and lengths follow the reference package (TestReferenceParse)', () => {
  // [input, domain, path, tag, digest]
  const table: [string, string, string, string | undefined, string | undefined][] = [
    ['test.com:tag', 'docker.io', 'library/test.com', 'tag', undefined],
    ['test.com:5000', 'docker.io', 'library/test.com', '5000', undefined],
    ['test.com/repo:tag', 'test.com', 'repo', 'tag', undefined],
    ['test:5000/repo', 'test:5000', 'repo', undefined, undefined],
    ['test:5000/repo:tag', 'test:5000', 'repo', 'tag', undefined],
    [`test:5000/repo@sha256:${fff}`, 'test:5000', 'repo', undefined, `sha256:${fff}`],
    [`test:5000/repo:tag@sha256:${fff}`, 'test:5000', 'repo', 'tag', `sha256:${fff}`],
    ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase', undefined],
    [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, 'docker.io', `${'a/'.repeat(127)}a`, 'tag-puts-this-over-max', undefined],
    ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag', undefined],
    ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com', undefined],
    ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com', undefined],
    [`xn--7o8h.com/myimage:xn--7o8h.com@sha256:${fff}`, 'xn--7o8h.com', 'myimage', 'xn--7o8h.com', `sha256:${fff}`],
    ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080', undefined],
    ['foo/foo_bar.com:8080', 'docker.io', 'foo/foo_bar.com', '8080', undefined],
    ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050', undefined],
    ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo', undefined, undefined],
    ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag', undefined],
    ['[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000', 'repo', 'tag', undefined],
    [`[2001:db8::1]:5000/repo:tag@sha256:${fff}`, '[2001:db8::1]:5000', 'repo', 'tag', `sha256:${fff}`],
    ['[::1]:5000/repo', '[::1]:5000', 'repo', undefined, undefined],
    [`example.com/${'a'.repeat(255)}:tag`, 'example.com', 'a'.repeat(255), 'tag', undefined],
  ];
  for (const [input, domain, path, tag, digest] of table) {
    const ref = parsed(input);
    assert.deepEqual([ref.domain, ref.path, ref.tag, ref.digest], [domain, path, tag, digest], input);
  }
});

test('malformed references are errors that say what is wrong', () => {
  const table: [string, RegExp][] = [
    ['', /invalid reference format/],
    [':justtag', /invalid reference format/],
    [`@sha256:${fff}`, /invalid reference format/],
    ['repo@sha256:ffffffffffffffffffffffffffffffffff', /sha256 digest length/],
    [`validname@invaliddigest:${fff}`, /unsupported digest algorithm invaliddigest/],
    [`repo@sha256:${'F'.repeat(64)}`, /sha256 digest format/],
    ['Uppercase:tag', /must be lowercase/],
    ['test:5000/Uppercase/lowercase:tag', /must be lowercase/],
    [`domain/${'a'.repeat(256)}:tag`, /must not be more than 255 characters/],
    ['aa/asdf$$^/aa', /invalid reference format/],
    ['[2001:db8::1]', /invalid reference format/],
    ['[2001:db8::1]:5000', /invalid reference format/],
    ['[2001:db8::1]:tag', /invalid reference format/],
    ['[fe80::1%eth0]:5000/repo', /invalid reference format/],
    ['[fe80::1%@invalidzone]:5000/repo', /invalid reference format/],
    [hex64, /image id, not a repository name/],
    ['busybox:-foo', /invalid reference format/],
  ];
  for (const [input, message] of table) {
    const ref = parseReference(input);
    assert.ok(ref instanceof Error, `${input} should be invalid`);
    assert.match(ref.message, message, input);
  }
});

test('hostile references (100,000 characters, or just under the cap) are refused at once, not backtracked over', () => {
  const started = process.hrtime.bigint();
  const underCap = [`${'a-'.repeat(2040)}!`, `${'a.'.repeat(2040)}!/x`, `a${'-'.repeat(4000)}!/x`, `x@sha256:${'a'.repeat(4000)}!`];
  for (const text of ['a'.repeat(100_000) + '!', `${'a-'.repeat(50_000)}!`, ...underCap]) {
    assert.ok(parseReference(text) instanceof Error);
  }
  // A generous bound: a quadratic backtrack over these inputs takes minutes, not one second.
  assert.ok(process.hrtime.bigint() - started < 1_000_000_000n);
});

test('Docker Hub credentials are keyed https://index.docker.io/v1/, every other registry by its host', () => {
  assert.equal(authConfigKey(registryHost(parsed('busybox'))), 'https://index.docker.io/v1/');
  assert.equal(authConfigKey(registryHost(parsed('index.docker.io/library/busybox'))), 'https://index.docker.io/v1/');
  assert.equal(authConfigKey(registryHost(parsed('localhost:5000/a/b'))), 'localhost:5000');
  assert.equal(authConfigKey(registryHost(parsed('ghcr.io/org/app:1'))), 'ghcr.io');
});

test('image: busybox and the engine\'s docker.io/library/busybox:latest are the same image', () => {
  assert.ok(sameImage('busybox', 'docker.io/library/busybox:latest'));
  assert.ok(sameImage('library/busybox:latest', 'index.docker.io/library/busybox'));
  assert.ok(sameImage('localhost:5000/a/b', 'localhost:5000/a/b:latest'));
  assert.ok(!sameImage('busybox', 'busybox:1.36'));
  assert.ok(!sameImage('busybox', 'localhost/busybox'));
  assert.ok(!sameImage('a/busybox', 'b/busybox'));
});

test('a digest decides the image: the same digest under another tag is the same image, another digest is not', () => {
  const d1 = `sha256:${fff}`;
  const d2 = `sha256:${'e'.repeat(64)}`;
  assert.ok(sameImage(`busybox:1@${d1}`, `docker.io/library/busybox@${d1}`));
  assert.ok(!sameImage(`busybox@${d1}`, `busybox@${d2}`));
  assert.ok(!sameImage(`busybox@${d1}`, 'busybox'));
});

test('text that is not a reference equals only itself', () => {
  assert.ok(sameImage(`sha256:${hex64}`, `sha256:${hex64}`));
  assert.ok(!sameImage(`sha256:${hex64}`, 'busybox'));
  assert.ok(!sameImage('Not Valid', 'not valid'));
});

test('the familiar form drops Docker Hub and library/ but keeps everything else', () => {
  assert.equal(familiar(dockerReference(parsed('busybox'))), 'busybox:latest');
  assert.equal(familiar(parsed('docker.io/library/busybox:1.36')), 'busybox:1.36');
  assert.equal(familiar(parsed('docker.io/library/foo/bar')), 'library/foo/bar');
  assert.equal(familiar(parsed('localhost:5000/stack-test/x:tag')), 'localhost:5000/stack-test/x:tag');
});

test('the pull parameters are the repository and the tag, or the digest when there is one', () => {
  assert.deepEqual(pullParameters(parsed('busybox')), { fromImage: 'docker.io/library/busybox', tag: 'latest' });
  assert.deepEqual(pullParameters(parsed('127.0.0.1:5000/stack-test/x:t1')), { fromImage: '127.0.0.1:5000/stack-test/x', tag: 't1' });
  assert.deepEqual(pullParameters(parsed(`x:t@sha256:${fff}`)), { fromImage: 'docker.io/library/x', tag: `sha256:${fff}` });
});

test('a tag is at most 128 word characters, dots and dashes, not starting with either', () => {
  assert.ok(isValidTag('v1.2.3-rc_1'));
  assert.ok(isValidTag('a'.repeat(128)));
  assert.ok(!isValidTag('a'.repeat(129)));
  assert.ok(!isValidTag('-foo'));
  assert.ok(!isValidTag('.foo'));
  assert.ok(!isValidTag(''));
});

test('mustParseReference throws the parse error for an invalid reference', () => {
  assert.throws(() => mustParseReference('Bad:Ref'), /must be lowercase/);
  assert.equal(mustParseReference('busybox').path, 'library/busybox');
});
