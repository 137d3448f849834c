// .dockerignore matching (src/image/ignore.ts): Docker's own cases, taken from
// moby/patternmatcher's tests (patternmatcher_test.go, ignorefile_test.go) and Go's
// filepath.Match tests that it carries, plus what a walk needs (mayReincludeUnder) and
// which ignore file applies.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileIgnore, findIgnoreFile, parseIgnoreFile } from '../../../src/image/ignore.js';
import { OperationError } from '../../../src/errors.js';

const ignores = (patterns: string[], path: string): boolean => compileIgnore(patterns).ignores(path, false);

describe('one pattern against one path (patternmatcher TestMatches)', () => {
  const table: [pattern: string, path: string, ignored: boolean][] = [
    ['**', 'file', true],
    ['**', 'file/', true],
    ['**/', 'file', true],
    ['**/', 'file/', true],
    ['**', '/', true],
    ['**/', '/', true],
    ['**', 'dir/file', true],
    ['**/', 'dir/file', true],
    ['**', 'dir/file/', true],
    ['**/', 'dir/file/', true],
    ['**/**', 'dir/file', true],
    ['**/**', 'dir/file/', true],
    ['dir/**', 'dir/file', true],
    ['dir/**', 'dir/file/', true],
    ['dir/**', 'dir/dir2/file', true],
    ['dir/**', 'dir/dir2/file/', true],
    ['**/dir', 'dir', true],
    ['**/dir', 'dir/file', true],
    ['**/dir2/*', 'dir/dir2/file', true],
    ['**/dir2/*', 'dir/dir2/file/', true],
    ['**/dir2/**', 'dir/dir2/dir3/file', true],
    ['**/dir2/**', 'dir/dir2/dir3/file/', true],
    ['**file', 'file', true],
    ['**file', 'dir/file', true],
    ['**/file', 'dir/file', true],
    ['**file', 'dir/dir/file', true],
    ['**/file', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file', true],
    ['**/file*', 'dir/dir/file.txt', true],
    ['**/file*txt', 'dir/dir/file.txt', true],
    ['**/file*.txt', 'dir/dir/file.txt', true],
    ['**/file*.txt*', 'dir/dir/file.txt', true],
    ['**/**/*.txt', 'dir/dir/file.txt', true],
    ['**/**/*.txt2', 'dir/dir/file.txt', false],
    ['**/*.txt', 'file.txt', true],
    ['**/**/*.txt', 'file.txt', true],
    ['a**/*.txt', 'a/file.txt', true],
    ['a**/*.txt', 'a/dir/file.txt', true],
    ['a**/*.txt', 'a/dir/dir/file.txt', true],
    ['a/*.txt', 'a/dir/file.txt', false],
    ['a/*.txt', 'a/file.txt', true],
    ['a/*.txt**', 'a/file.txt', true],
    ['a[b-d]e', 'ae', false],
    ['a[b-d]e', 'ace', true],
    ['a[b-d]e', 'aae', false],
    ['a[^b-d]e', 'aze', true],
    ['.*', '.foo', true],
    ['.*', 'foo', false],
    ['abc.def', 'abcdef', false],
    ['abc.def', 'abc.def', true],
    ['abc.def', 'abcZdef', false],
    ['abc?def', 'abcZdef', true],
    ['abc?def', 'abcdef', false],
    ['a\\\\', 'a\\', true],
    ['**/foo/bar', 'foo/bar', true],
    ['**/foo/bar', 'dir/foo/bar', true],
    ['**/foo/bar', 'dir/dir2/foo/bar', true],
    ['abc/**', 'abc', false],
    ['abc/**', 'abc/def', true],
    ['abc/**', 'abc/def/ghi', true],
    ['**/.foo', '.foo', true],
    ['**/.foo', 'bar.foo', false],
    ['a(b)c/def', 'a(b)c/def', true],
    ['a(b)c/def', 'a(b)c/xyz', false],
    ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
    ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
    ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
    ['a\\*b', 'a*b', true],
  ];
  for (const [pattern, path, ignored] of table) {
    it(`${JSON.stringify(pattern)} ${ignored ? 'ignores' : 'keeps'} ${JSON.stringify(path)}`, () => {
      assert.equal(ignores([pattern], path), ignored);
    });
  }
});

describe('several patterns: the last one that matches decides (patternmatcher multiPatternTests)', () => {
  const table: [patterns: string[], path: string, ignored: boolean][] = [
    [['**', '!util/docker/web'], 'util/docker/web/foo', false],
    [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
    [['**', '!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
    [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
    [['docs', '!docs/README.md'], 'docs/README.md', false],
    [['docs/', '!docs/README.md'], 'docs/README.md', false],
    [['docs/*', '!docs/README.md'], 'docs/README.md', false],
    [['*.go', '!fileutils.go'], 'fileutils.go', false],
    [['!fileutils.go', '*.go'], 'fileutils.go', true],
    [['*.md', '!README*.md', 'README-secret.md'], 'README-secret.md', true],
    [['*.md', '!README*.md', 'README-secret.md'], 'README-public.md', false],
  ];
  for (const [patterns, path, ignored] of table) {
    it(`${JSON.stringify(patterns)} ${ignored ? 'ignores' : 'keeps'} ${JSON.stringify(path)}`, () => {
      assert.equal(ignores(patterns, path), ignored);
    });
  }

  it('an exception that matched a parent directory no longer applies once a later pattern matched it (MatchesUsingParentResults, as the tar walk)', () => {
    // patternmatcher records "no match" for a pattern it skipped: "!a" is skipped for the
    // directory "a" (nothing matched yet), so it does not carry down to "a/b".
    assert.equal(ignores(['a/b', '!a'], 'a/b'), true);
  });
});

describe("Go's filepath.Match cases (patternmatcher TestMatch)", () => {
  const table: [pattern: string, path: string, ignored: boolean][] = [
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', true],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[\\-x]', '-', true],
    ['[\\-x]', 'a', false],
    ['*x', 'xxx', true],
  ];
  for (const [pattern, path, ignored] of table) {
    it(`${JSON.stringify(pattern)} ${ignored ? 'ignores' : 'keeps'} ${JSON.stringify(path)}`, () => {
      assert.equal(ignores([pattern], path), ignored);
    });
  }

  for (const pattern of ['[]a]', '[-]', '[x-]', '[-x]', '\\', '[a-b-c]', '[', '[^', '[^bc', 'a[']) {
    it(`${JSON.stringify(pattern)} is refused as a syntax error naming the ignore file`, () => {
      assert.throws(
        () => compileIgnore([pattern], '/ctx/.dockerignore'),
        (e: unknown) => e instanceof OperationError && e.message.startsWith('/ctx/.dockerignore: invalid pattern') && e.message.includes('syntax error'),
      );
    });
  }

  it('a lone "!" is refused', () => {
    assert.throws(() => compileIgnore(['!']), (e: unknown) => e instanceof OperationError && /illegal exclusion pattern/.test(e.message));
  });
});

describe('how a pattern is compiled (patternmatcher TestCompile)', () => {
  const table: [pattern: string, kind: string][] = [
    ['*', 'regexp'],
    ['file*', 'regexp'],
    ['*file', 'regexp'],
    ['a*/b', 'regexp'],
    ['**', 'suffix'],
    ['**/**', 'regexp'],
    ['dir/**', 'prefix'],
    ['**/dir', 'suffix'],
    ['**/dir2/*', 'regexp'],
    ['**/dir2/**', 'regexp'],
    ['**file', 'suffix'],
    ['**/file*txt', 'regexp'],
    ['**/**/*.txt', 'regexp'],
    ['a[b-d]e', 'regexp'],
    ['.*', 'regexp'],
    ['abc.def', 'exact'],
    ['abc?def', 'regexp'],
    ['**/foo/bar', 'suffix'],
    ['a(b)c/def', 'exact'],
    ['a.|)$(}+{bc', 'exact'],
  ];
  for (const [pattern, kind] of table) {
    it(`${JSON.stringify(pattern)} is a ${kind} match`, () => {
      assert.equal(compileIgnore([pattern]).patterns[0]!.kind, kind);
    });
  }

  it('a leading ** is a suffix test, so "**.go" ignores a .go file in a subdirectory', () => {
    assert.equal(ignores(['**.go'], 'a/b.go'), true);
  });
});

describe('what Docker adds to the pattern text', () => {
  it('matching is case-sensitive', () => {
    assert.equal(ignores(['Dockerfile'], 'dockerfile'), false);
    assert.equal(ignores(['*.MD'], 'readme.md'), false);
  });

  it('a pattern that matches a directory ignores everything below it', () => {
    assert.equal(ignores(['build'], 'build/out/app.js'), true);
    assert.equal(ignores(['*/cache'], 'pkg/cache/x/y'), true);
  });

  it('a leading slash (in an ignore file) and ./ and .. are cleaned away like Go filepath.Clean', () => {
    assert.equal(ignores(parseIgnoreFile('/secret.txt\n'), 'secret.txt'), true);
    assert.equal(ignores(['./a/../b/c.txt'], 'b/c.txt'), true);
  });

  it('the context root itself is never ignored', () => {
    assert.equal(ignores(['**'], '.'), false);
    assert.equal(ignores(['*'], ''), false);
  });

  it('a RE2 character class such as [[:digit:]] and escapes such as \\d mean what they mean to Docker (Go regexp)', () => {
    assert.equal(ignores(['log[[:digit:]].txt'], 'log7.txt'), true);
    assert.equal(ignores(['log[[:digit:]].txt'], 'logx.txt'), false);
    assert.equal(ignores(['v\\d'], 'v1'), true);
    assert.equal(ignores(['v\\d'], 'vd'), false);
  });

  it('a * inside a class compiles as Docker compiles it ([*] is [[^/]*] then a literal ])', () => {
    assert.equal(ignores(['a[*]'], 'a[^]'), true);
    assert.equal(ignores(['a[*]'], 'a*'), false);
  });

  it('__proto__, constructor and toString are ordinary names', () => {
    assert.equal(ignores(['*'], '__proto__'), true);
    assert.equal(ignores(['*'], 'constructor'), true);
    assert.equal(ignores(['x'], '__proto__'), false);
    assert.equal(ignores(['x'], 'toString'), false);
    const matcher = compileIgnore(['__proto__', '!__proto__/keep']);
    assert.equal(matcher.ignores('__proto__/a', false), true);
    assert.equal(matcher.ignores('__proto__/keep', false), false);
    assert.equal(matcher.ignores('constructor/a', false), false);
  });
});

describe('parseIgnoreFile (ignorefile.ReadAll)', () => {
  it('reads patterns as ignorefile_test does: leading slashes dropped, comments skipped, "!" kept', () => {
    const content = 'test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ';
    assert.deepEqual(parseIgnoreFile(content), ['test1', 'test2', 'a/file/here', 'lastfile', '!inverted/abs/path', '!', '!']);
  });

  it('drops a UTF-8 BOM and CRLF line ends, and trims spaces', () => {
    assert.deepEqual(parseIgnoreFile('\ufeffa.txt\r\n  b/ \r\n'), ['a.txt', 'b']);
  });

  it('a # after leading spaces is a pattern, not a comment', () => {
    assert.deepEqual(parseIgnoreFile('  #notacomment\n#comment'), ['#notacomment']);
  });

  it('cleans patterns like Go filepath.Clean', () => {
    assert.deepEqual(parseIgnoreFile('a//b/./c/\n!x/../y\n/'), ['a/b/c', '!y', '/']);
  });
});

describe('mayReincludeUnder: may a walk skip an ignored directory', () => {
  it('is false without exceptions', () => {
    assert.equal(compileIgnore(['node_modules']).mayReincludeUnder('node_modules'), false);
  });

  it('is false when no exception can match below the directory', () => {
    const m = compileIgnore(['node_modules', '*.log', '!important.log', '!src/*.go']);
    assert.equal(m.mayReincludeUnder('node_modules'), false);
  });

  it('is true for an exception naming a path below it', () => {
    const m = compileIgnore(['docs', '!docs/README.md']);
    assert.equal(m.mayReincludeUnder('docs'), true);
    assert.equal(m.mayReincludeUnder('other'), false);
  });

  it('is true for an exception whose wildcard could match below it', () => {
    assert.equal(compileIgnore(['vendor', '!**/keep.txt']).mayReincludeUnder('vendor/a'), true);
    assert.equal(compileIgnore(['vendor', '!ven*/x']).mayReincludeUnder('vendor'), true);
    assert.equal(compileIgnore(['vendor', '!v[a-z]ndor/x']).mayReincludeUnder('vendor'), true);
  });

  it('never answers false where an exception does re-include something below (checked path by path)', () => {
    const patterns = ['a', '!a/b/c.txt', 'x*', '!x1/**/keep', 'deep/**', '!deep/*/y'];
    const m = compileIgnore(patterns);
    const paths = ['a/b/c.txt', 'a/b/d.txt', 'x1/q/keep', 'x1/keep', 'x2/keep', 'deep/k/y', 'deep/k/z'];
    for (const path of paths) {
      if (m.ignores(path, false)) continue;
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if (m.ignores(dir, true)) assert.equal(m.mayReincludeUnder(dir), true, `${path} is kept, so ${dir} must be walked`);
      }
    }
  });
});

describe('findIgnoreFile', () => {
  const root = mkdtempSync(join(tmpdir(), 'stack-ignore-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('prefers <Dockerfile>.dockerignore beside the Dockerfile to <context>/.dockerignore', () => {
    const ctx = join(root, 'both');
    mkdirSync(join(ctx, 'docker'), { recursive: true });
    writeFileSync(join(ctx, '.dockerignore'), 'a\n');
    writeFileSync(join(ctx, 'docker', 'app.Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(ctx, 'docker', 'app.Dockerfile.dockerignore'), 'b\n');
    assert.equal(findIgnoreFile(ctx, 'docker/app.Dockerfile'), join(ctx, 'docker', 'app.Dockerfile.dockerignore'));
    assert.equal(findIgnoreFile(ctx, join(ctx, 'docker', 'app.Dockerfile')), join(ctx, 'docker', 'app.Dockerfile.dockerignore'));
  });

  it('falls back to <context>/.dockerignore', () => {
    const ctx = join(root, 'plain');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, '.dockerignore'), 'a\n');
    assert.equal(findIgnoreFile(ctx, 'Dockerfile'), join(ctx, '.dockerignore'));
    assert.equal(findIgnoreFile(ctx, undefined), join(ctx, '.dockerignore'));
  });

  it('is undefined when neither exists', () => {
    const ctx = join(root, 'none');
    mkdirSync(ctx, { recursive: true });
    assert.equal(findIgnoreFile(ctx, 'Dockerfile'), undefined);
  });
});
