// Opening the engine: resolve the endpoint like the Docker CLI, load the gateway lazily (so
// commands that never talk to the engine never pay for it), and negotiate the API version
// with the GET /_ping call that also proves the engine answers (exit 69 otherwise).

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { EngineGateway } from './gateway.js';
import { resolveEndpoint, type Endpoint, type FileReader } from './endpoint.js';

export interface OpenGatewayOptions {
  readonly host?: string;
  readonly context?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Receives one line per engine call (`--debug`). */
  readonly debug?: (line: string) => void;
  /** Per-call deadline for ordinary calls (default 30 s). Streams and waits have none. */
  readonly callTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** What `openGateway` returns: the gateway, plus where it is connected, for messages and the lock. */
export type OpenedGateway = EngineGateway & { readonly endpoint: Endpoint; readonly apiVersion: string | undefined };

/** Reads files for endpoint resolution from the real file system. */
export function realFileReader(home = homedir()): FileReader {
  return {
    homeDir: home,
    readFile(path: string): string | undefined {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw e;
      }
    },
  };
}

export async function openGateway(options: OpenGatewayOptions): Promise<OpenedGateway> {
  const endpoint = resolveEndpoint({ host: options.host, context: options.context }, options.env, realFileReader(options.env.HOME || homedir()));
  const { DockerGateway } = await import('./docker-gateway.js');
  const gateway = new DockerGateway(endpoint, {
    ...(options.debug ? { debug: options.debug } : {}),
    ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
  });
  await gateway.negotiate(options.signal);
  return gateway;
}
