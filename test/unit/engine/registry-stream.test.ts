// Push and pull progress streams, and what a registry's failure message means. The messages are
// the ones Docker 20.10 gave against Debian's docker-registry 2.8 (see registry-stream.ts), plus
// Docker Hub's well-known ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonLines } from '../../../src/engine/json-lines.js';
import { classifyRegistryMessage, RegistryStreamReader, type RegistryFailureKind } from '../../../src/engine/registry-stream.js';
import type { RegistryProgressEvent } from '../../../src/api/engine-types.js';

test('registry failure messages: wrong password, no such image, try again, other', () => {
  const cases: Array<[string, RegistryFailureKind]> = [
    ['unauthorized: authentication required', 'auth'],
    ['no basic auth credentials', 'auth'],
    ['Head "http://127.0.0.1:45102/v2/eio/x/manifests/1": no basic auth credentials', 'auth'],
    ['denied: requested access to the resource is denied', 'auth'],
    ['unauthorized: incorrect username or password', 'auth'],
    ['manifest for 127.0.0.1:45101/eio/x:nope not found: manifest unknown: manifest unknown', 'not-found'],
    ['An image does not exist locally with the tag: 127.0.0.1:45101/eio/none', 'not-found'],
    ["pull access denied for nosuch/image, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", 'not-found'],
    ['Get "http://127.0.0.1:45109/v2/": dial tcp 127.0.0.1:45109: connect: connection refused', 'transient'],
    ['Get "https://registry.example/v2/": net/http: TLS handshake timeout', 'transient'],
    ['read tcp 10.0.0.1:5000: read: connection reset by peer', 'transient'],
    ['received unexpected HTTP status: 503 Service Unavailable', 'transient'],
    ['toomanyrequests: You have reached your pull rate limit', 'transient'],
    ['Get "https://registry.example/v2/": unexpected EOF', 'transient'],
    ['invalid reference format: repository name must be lowercase', 'other'],
    ['Get "https://registry.example/v2/": dial tcp: lookup registry.example: no such host', 'other'],
  ];
  for (const [message, kind] of cases) assert.equal(classifyRegistryMessage(message), kind, message);
});

async function read(text: string): Promise<{ events: RegistryProgressEvent[]; outcome: ReturnType<RegistryStreamReader['finish']> }> {
  const events: RegistryProgressEvent[] = [];
  const reader = new RegistryStreamReader((e) => events.push(e));
  async function* source(): AsyncGenerator<Buffer> {
    yield Buffer.from(text);
  }
  for await (const m of parseJsonLines(source())) reader.accept(m);
  return { events, outcome: reader.finish() };
}

test('a push that ends with its aux digest succeeds with that digest', async () => {
  const { events, outcome } = await read(
    [
      '{"status":"The push refers to repository [127.0.0.1:45101/eio/x]"}',
      '{"status":"Preparing","progressDetail":{},"id":"2edab28c437d"}',
      '{"status":"Pushing","progressDetail":{"current":512,"total":2048},"progress":"[==>  ]","id":"2edab28c437d"}',
      '{"status":"1: digest: sha256:77b7299014d8e42fc39b1c92e373468cfc471635ac5c29a9419b4845931a8169 size: 527"}',
      '{"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:77b7299014d8e42fc39b1c92e373468cfc471635ac5c29a9419b4845931a8169","Size":527}}',
    ].join('\r\n') + '\r\n',
  );
  assert.deepEqual(outcome, { ok: true, digest: 'sha256:77b7299014d8e42fc39b1c92e373468cfc471635ac5c29a9419b4845931a8169' });
  assert.deepEqual(events[2], { status: 'Pushing', id: '2edab28c437d', current: 512, total: 2048 });
  assert.equal(events.length, 4);
});

test('an error inside the 200 stream is the outcome, whatever came before it', async () => {
  const { outcome } = await read(
    [
      '{"status":"Preparing","progressDetail":{},"id":"2edab28c437d"}',
      '{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}',
      '{"errorDetail":{"message":"a second error"},"error":"a second error"}',
    ].join('\r\n'),
  );
  assert.deepEqual(outcome, { ok: false, message: 'unauthorized: authentication required' });
});

test('a pull with no error succeeds without a digest of its own', async () => {
  const { outcome, events } = await read('{"status":"Pulling from eio/x","id":"1"}\r\n{"status":"Status: Image is up to date for 127.0.0.1:45101/eio/x:1"}\r\n');
  assert.deepEqual(outcome, { ok: true });
  assert.deepEqual(events.map((e) => e.status), ['Pulling from eio/x', 'Status: Image is up to date for 127.0.0.1:45101/eio/x:1']);
});
