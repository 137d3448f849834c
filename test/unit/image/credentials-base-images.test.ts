// Which images a Dockerfile pulls, so that a build is sent the credentials of their registries
// only (src/image/base-images.ts, used with RegistryCredentials.buildRegistryConfig).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseImages } from '../../../src/image/base-images.js';

test('every FROM image is listed once, in order; scratch and earlier stages are not images', () => {
  const dockerfile = [
    'FROM golang:1.22 AS build',
    'RUN go build',
    'from registry.example.com/base/runtime:3 as runtime',
    'FROM build AS again',
    'FROM scratch',
    'FROM golang:1.22',
    'FROM RUNTIME',
  ].join('\n');
  assert.deepEqual(baseImages(dockerfile), ['golang:1.22', 'registry.example.com/base/runtime:3']);
});

test('FROM flags are skipped and COPY --from names an image unless it is a stage or a stage number', () => {
  const dockerfile = [
    'FROM --platform=$BUILDPLATFORM node:20 AS deps',
    'COPY --from=deps /app /app',
    'COPY --from=0 /x /x',
    'COPY --chown=1:1 --from=ghcr.io/org/tools:1 /bin/tool /bin/tool',
  ].join('\n');
  assert.deepEqual(baseImages(dockerfile), ['node:20', 'ghcr.io/org/tools:1']);
});

test('ARGs before the first FROM fill in FROM images, build args overriding their defaults', () => {
  const dockerfile = [
    'ARG REGISTRY=docker.io',
    'ARG TAG="1.36"',
    'ARG EMPTY',
    'FROM ${REGISTRY}/library/busybox:${TAG}',
    'FROM $REGISTRY/app:${EMPTY:-latest}',
    'FROM ${EMPTY:+never}alpine',
  ].join('\n');
  assert.deepEqual(baseImages(dockerfile), ['docker.io/library/busybox:1.36', 'docker.io/app:latest', 'alpine']);
  assert.deepEqual(baseImages(dockerfile, { REGISTRY: '127.0.0.1:5000', TAG: '2' }), ['127.0.0.1:5000/library/busybox:2', '127.0.0.1:5000/app:latest', 'alpine']);
});

test('an ARG declared after the first FROM, or not at all, does not name an image', () => {
  const dockerfile = ['FROM busybox', 'ARG LATER=evil.example.com/x', 'FROM $LATER', 'FROM ${UNDECLARED}/y'].join('\n');
  assert.deepEqual(baseImages(dockerfile, { LATER: 'evil.example.com/x', UNDECLARED: 'evil.example.com' }), ['busybox']);
});

test('continuations, comments inside them and the escape directive are read as the builder reads them', () => {
  const backslash = ['# syntax=docker/dockerfile:1', 'FROM \\', '# a comment inside the continuation', '  registry.example.com/a:1 \\', '  AS a'].join('\n');
  assert.deepEqual(baseImages(backslash), ['registry.example.com/a:1']);
  const backtick = ['# escape=`', 'FROM `', '  registry.example.com/b:2', 'RUN dir c:\\'].join('\r\n');
  assert.deepEqual(baseImages(backtick), ['registry.example.com/b:2']);
  // after the first instruction, `# escape=` is only a comment: the backslash still continues
  assert.deepEqual(baseImages('FROM busybox\n# escape=`\nFROM \\\n  registry.example.com/c:3'), ['busybox', 'registry.example.com/c:3']);
});
