// Where the gateway's dockerode comes from. A seam of its own so that the CLI bundle
// (scripts/bundle-cli.mjs) can swap this module for one that returns the copy of dockerode
// bundled into the CLI itself, which the V8 code cache then covers like the rest.
//
// Unbundled (dist/src run directly, as the unit tests do): the dockerode bundle `npm run build`
// makes (scripts/bundle-dockerode.mjs, dist/vendor/dockerode.cjs). The package itself costs
// ~0.2 s of start-up to load, mostly ssh2 and grpc/protobufjs that only ssh:// through the
// modem and BuildKit sessions use; in the bundle they load on first use. Without that bundle
// (a bare `tsc` build) the package is loaded as it is: slower, same code.

import { createRequire } from 'node:module';
import type { DockerodeConstructor } from './modem-transport.js';

export function loadDockerode(): DockerodeConstructor {
  const require = createRequire(import.meta.url);
  try {
    return require('../../vendor/dockerode.cjs') as DockerodeConstructor;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    return require('dockerode') as DockerodeConstructor;
  }
}
