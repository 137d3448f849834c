// observe() asks the engine for the model's images in the form the engine matches a
// `reference` filter against: the familiar one (`busybox:latest`). A reference written with its
// registry (`docker.io/library/busybox`) matched nothing on Docker 20.10, so a present image
// was planned as a pull on every run (issue 12, item 6).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observe } from '../../../src/engine/observe.js';
import type { EngineGateway, ListFilter, ObservedImage } from '../../../src/engine/gateway.js';
import { model, service } from '../../helpers/planner-fixtures.js';

/** Just the list calls observe makes; the image list answers like the engine, by familiar form. */
function listingGateway(images: readonly ObservedImage[], filters: ListFilter[]): EngineGateway {
  const empty = () => Promise.resolve([]);
  return {
    listContainers: empty,
    listNetworks: empty,
    listVolumes: empty,
    listImages: (filter: ListFilter) => {
      filters.push(filter);
      const names = new Set(filter.names ?? []);
      return Promise.resolve(images.filter((i) => i.repoTags.some((t) => names.has(t))));
    },
  } as unknown as EngineGateway;
}

test('images written with their registry are looked up in the familiar form and found', async () => {
  const filters: ListFilter[] = [];
  const present: ObservedImage = { id: 'sha256:aaa', repoTags: ['busybox:latest', 'me/app:1'], repoDigests: [], labels: {} };
  const m = model({
    services: [
      service('a', { image: 'docker.io/library/busybox' }),
      service('b', { image: 'index.docker.io/me/app:1' }),
      service('c', { image: 'busybox:latest' }),
    ],
  });
  const observed = await observe(listingGateway([present], filters), m.projectName, m);
  assert.deepEqual([...(filters[0]?.names ?? [])].sort(), ['busybox:latest', 'me/app:1']);
  assert.deepEqual({ ...observed.images }, { 'busybox:latest': 'sha256:aaa', 'docker.io/library/busybox': 'sha256:aaa', 'index.docker.io/me/app:1': 'sha256:aaa' });
});
