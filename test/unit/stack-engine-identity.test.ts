// The local lock's key (src/stack/engine-identity.ts): the engine's /info ID, asked once and
// then kept per endpoint in the cache directory for a day, so that a no-op `up` makes no /info
// call (issue 14 item 2). Its reasons for being harmless when stale are in the module header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineIdentity, ENGINE_ID_MAX_AGE_MS } from '../../src/stack/engine-identity.js';
import type { EngineConnection } from '../../src/stack/connect.js';
import type { EngineGateway } from '../../src/engine/gateway.js';
import { MemoryGateway } from '../helpers/memory-gateway.js';

const ENDPOINT = 'ssh://deploy@build.example:2222';

function withCache(body: (cache: string) => Promise<void>): Promise<void> {
  const cache = mkdtempSync(join(tmpdir(), 'stack-engine-id-test-'));
  return body(cache).finally(() => rmSync(cache, { recursive: true, force: true }));
}

function connection(gateway: EngineGateway, env: Record<string, string>, endpoint = ENDPOINT): EngineConnection {
  return { gateway, endpoint, env };
}

test("the engine is asked for its ID once; later runs on that endpoint use the kept one", () =>
  withCache(async (cache) => {
    const first = new MemoryGateway();
    assert.equal(await engineIdentity(connection(first, { STACK_CACHE: cache })), 'MEMO:RYEN:GINE');
    assert.equal(first.callsTo('info').length, 1);
    const second = new MemoryGateway();
    assert.equal(await engineIdentity(connection(second, { STACK_CACHE: cache })), 'MEMO:RYEN:GINE');
    assert.equal(second.callsTo('info').length, 0, 'no /info on the second run');
  }));

test('another endpoint is asked for its own ID', () =>
  withCache(async (cache) => {
    await engineIdentity(connection(new MemoryGateway(), { STACK_CACHE: cache }));
    const other = new MemoryGateway();
    await engineIdentity(connection(other, { STACK_CACHE: cache }, 'unix:///run/docker.sock'));
    assert.equal(other.callsTo('info').length, 1);
  }));

test('a kept ID older than a day is asked for again', () =>
  withCache(async (cache) => {
    await engineIdentity(connection(new MemoryGateway(), { STACK_CACHE: cache }));
    const later = new MemoryGateway();
    await engineIdentity(connection(later, { STACK_CACHE: cache }), () => Date.now() + ENGINE_ID_MAX_AGE_MS + 60_000);
    assert.equal(later.callsTo('info').length, 1);
  }));

test('with STACK_CACHE=0 the engine is asked every time', async () => {
  for (let run = 0; run < 2; run++) {
    const g = new MemoryGateway();
    await engineIdentity(connection(g, { STACK_CACHE: '0' }));
    assert.equal(g.callsTo('info').length, 1, `run ${run + 1}`);
  }
});

test('an injected gateway (no endpoint to key by) is asked every time and nothing is kept', () =>
  withCache(async (cache) => {
    for (let run = 0; run < 2; run++) {
      const g = new MemoryGateway();
      await engineIdentity(connection(g, { STACK_CACHE: cache }, 'injected-gateway'));
      assert.equal(g.callsTo('info').length, 1, `run ${run + 1}`);
    }
    assert.deepEqual(readdirSync(cache), []);
  }));

test('a cache directory others can write to is not read: the engine is asked', () =>
  withCache(async (cache) => {
    await engineIdentity(connection(new MemoryGateway(), { STACK_CACHE: cache }));
    chmodSync(join(cache, 'engines'), 0o777);
    const g = new MemoryGateway();
    await engineIdentity(connection(g, { STACK_CACHE: cache }));
    assert.equal(g.callsTo('info').length, 1);
  }));

test('an engine without an ID is keyed by the endpoint, and nothing is kept', () =>
  withCache(async (cache) => {
    const noId = { info: async () => ({ version: '1', apiVersion: '1.41', os: 'linux', arch: 'amd64', ncpu: 1, endpoint: ENDPOINT }) } as unknown as EngineGateway;
    assert.equal(await engineIdentity(connection(noId, { STACK_CACHE: cache })), ENDPOINT);
    assert.deepEqual(readdirSync(cache), []);
  }));
