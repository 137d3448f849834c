// The one place that opens the engine. Every façade call reaches the engine through a
// connection made here; the CLI never opens a gateway of its own.
//
// The endpoint's URL names the connection in messages. The project lock is keyed on the
// engine's identity instead (its /info ID: lock.ts), so two spellings of one socket share it.

import type { EngineGateway } from '../engine/gateway.js';

/** Where the engine is, as the user said it; resolved the way the Docker CLI does. */
export interface ConnectOptions {
  readonly host?: string;
  readonly context?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Receives one line per engine call (`--debug`); the CLI decides where it goes. */
  readonly debug?: (line: string) => void;
}

export interface ConnectRequest {
  readonly connect: ConnectOptions;
  /**
   * An engine already open (long-lived callers such as watch, and tests with an in-memory
   * engine); `connect` is then only used for the lock's environment.
   */
  readonly gateway?: EngineGateway;
}

/** An open engine and what names it. */
export interface EngineConnection {
  readonly gateway: EngineGateway;
  /** The endpoint's URL (`unix:///var/run/docker.sock`), or `injected-gateway` for one passed in. */
  readonly endpoint: string;
  /** The environment the user gave (the lock directory follows XDG_RUNTIME_DIR). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Opens the engine (GET /_ping negotiates the API version; exit 69 when nothing answers), or wraps the one passed in. */
export async function connect(request: ConnectRequest): Promise<EngineConnection> {
  const env = request.connect.env;
  if (request.gateway) return { gateway: request.gateway, endpoint: endpointOf(request.gateway), env };
  // The gateway (and dockerode behind it) is loaded only by commands that talk to the engine.
  const { openGateway } = await import('../engine/connect.js');
  const gateway = await openGateway(request.connect);
  return { gateway, endpoint: gateway.endpoint.url, env };
}

/** A gateway opened by `openGateway` knows its endpoint; an injected one may not. */
function endpointOf(gateway: EngineGateway): string {
  const endpoint = (gateway as { endpoint?: { url?: unknown } }).endpoint;
  return typeof endpoint?.url === 'string' ? endpoint.url : 'injected-gateway';
}
