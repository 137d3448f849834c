// HTTP to the Docker Engine API through dockerode's modem (docker-modem), over a unix socket,
// TCP, TLS or ssh. docker-gateway.ts loads dockerode and hands its constructor in; every call
// is one `modem.dial`. What we keep out of docker-modem's hands, because of the traps listed
// in TRAPS.md:
//   - where the engine is: the endpoint is resolved by endpoint.ts as the Docker CLI does it
//     and passed as explicit options; the modem's own reading of DOCKER_HOST,
//     DOCKER_TLS_VERIFY (wrong for `yes` on ports other than 2376), DOCKER_CERT_PATH and
//     DOCKER_CLIENT_TIMEOUT is switched off while it is constructed;
//   - deadlines: no modem `timeout` ever (an idle timeout that kills a quiet `logs -f`); the
//     gateway passes per-call abort signals instead;
//   - status codes: every status is "expected" by the modem, which then hands back the raw
//     response, so the gateway sees status, headers and body and classifies by status code;
//   - ssh: the system `ssh host docker system dial-stdio` (known_hosts checked, like the
//     Docker CLI) as the connection of a custom http agent, not the modem's ssh2 path (which
//     accepts any host key); kept alive and multiplexed over one ssh login (ssh-connection.ts);
//   - request headers (`X-Registry-Auth`, `X-Registry-Config`: credentials): never handed to
//     the modem. It prints every request's options, headers included, when its `debug` logger
//     is on (`DEBUG=modem`); our agents add these headers to the request as node creates it
//     (see `tracked`), after the modem has let go of its options.
//
// This layer knows nothing about status codes' meaning: it returns the status and the body
// (or the open stream / upgraded socket) and throws `TransportError` only when no HTTP
// response arrived at all.

import http from 'node:http';
import { createRequire } from 'node:module';
import { Duplex, type Readable } from 'node:stream';
import type DockerModem from 'docker-modem';
import { sshCommand, type Endpoint } from './endpoint.js';
import { SshAgent, SshConnector } from './ssh-connection.js';
import { takePreDialled } from '../ssh-predial.cjs';
import { ConnectionGate, type CallLength } from './connection-gate.js';

// TLS endpoints only: loading node:https (with tls) costs ~5 ms of every start, and a local
// socket does not need it (issue 5).
const require = createRequire(import.meta.url);
const lazyHttps = (): typeof import('node:https') => require('node:https') as typeof import('node:https');

export type Query = Readonly<Record<string, string | number | boolean | readonly string[] | object | undefined>>;

export interface TransportRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Absolute API path, already versioned where it should be (`/v1.41/containers/json`). */
  readonly path: string;
  readonly query?: Query;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as it is, streamed (a tar: build contexts, archives); instead of `body`. */
  readonly bodyStream?: Readable;
  /** Extra request headers. They may hold credentials: they never pass through the modem. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** A call that may run for long (a wait without deadline): never queued behind others (connection-gate.ts). */
  readonly long?: boolean;
}

export interface BufferedResponse {
  readonly statusCode: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export type StreamResponse =
  | { readonly statusCode: number; readonly ok: true; readonly stream: Readable }
  | { readonly statusCode: number; readonly ok: false; readonly body: Buffer };

export type UpgradeResponse =
  | { readonly statusCode: number; readonly ok: true; readonly socket: Duplex }
  | { readonly statusCode: number; readonly ok: false; readonly body: Buffer };

/** No HTTP response came back: the engine could not be reached (or the request was aborted). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly aborted: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** What the transport needs of dockerode: its constructor, which makes the modem. */
export type DockerodeConstructor = new (options: DockerModem.ConstructorOptions) => { readonly modem: DockerModem };

export interface TransportOptions {
  /** Replaces the ssh command (tests use a local relay instead of a remote host). */
  readonly sshCommand?: (endpoint: Endpoint) => { command: string; args: string[] };
}

/** Every HTTP status counts as an answer for the modem: the gateway classifies them itself. */
const EVERY_STATUS: Readonly<Record<number, true>> = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [i + 100, true]));
/** The environment docker-modem's constructor reads for its defaults; endpoint.ts resolves these. */
const MODEM_ENVIRONMENT = ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CLIENT_TIMEOUT', 'DOCKER_PATH_PREFIX'] as const;

export class ModemTransport {
  /** The dockerode instance every call goes through. */
  readonly docker: { readonly modem: DockerModem };
  /** ssh only: whether a call waits for a busy connection or opens one (connection-gate.ts). */
  private readonly gate?: ConnectionGate;

  constructor(
    readonly endpoint: Endpoint,
    Docker: DockerodeConstructor,
    options: TransportOptions = {},
  ) {
    const { modemOptions, connector } = explicitModemOptions(endpoint, options);
    this.docker = withoutModemEnvironment(() => new Docker(modemOptions));
    if (connector) {
      this.gate = new ConnectionGate({ openConnections: () => connector.openConnections, newConnectionCostMs: () => connector.newConnectionCostMs() });
    }
  }

  /** A request whose whole body is read (JSON calls, non-streaming). */
  async request(req: TransportRequest): Promise<BufferedResponse> {
    const release = await this.acquire(req.long ? 'long' : 'short');
    try {
      const res = await this.dialRetrying<http.IncomingMessage>(req, { isStream: true, statusCodes: EVERY_STATUS });
      return { statusCode: res.statusCode ?? 0, headers: res.headers, body: await readAll(res, req.signal) };
    } finally {
      release();
    }
  }

  /** A request whose body is streamed (logs, events): no idle deadline; abort with the signal. */
  async stream(req: TransportRequest): Promise<StreamResponse> {
    const release = await this.acquire('long');
    let res: http.IncomingMessage;
    try {
      res = await this.dialRetrying<http.IncomingMessage>(req, { isStream: true, statusCodes: EVERY_STATUS });
    } catch (e) {
      release();
      throw e;
    }
    const statusCode = res.statusCode ?? 0;
    if (statusCode >= 200 && statusCode < 300) {
      res.once('close', release);
      if (req.signal) {
        const stop = (): void => {
          res.destroy();
        };
        req.signal.addEventListener('abort', stop, { once: true });
        res.once('close', () => req.signal?.removeEventListener('abort', stop));
      }
      return { statusCode, ok: true, stream: res };
    }
    try {
      return { statusCode, ok: false, body: await readAll(res, req.signal) };
    } finally {
      release();
    }
  }

  /**
   * A hijacked connection (attach, exec start): the engine answers 101 and the socket becomes
   * the process's stdio. The request itself is ended at once (never the modem's `openStdin`,
   * which leaves a body-less attach unsent: node sends no headers until the body starts); its
   * end-of-body bytes go out in the same write as the headers, which the engine reads, and
   * drops, before it hands the connection to the process.
   */
  async upgrade(req: TransportRequest): Promise<UpgradeResponse> {
    const release = await this.acquire('long');
    let answer: Duplex | http.IncomingMessage;
    try {
      answer = await this.dial<Duplex | http.IncomingMessage>(req, { isStream: true, hijack: true, statusCodes: EVERY_STATUS }, {});
    } catch (e) {
      release();
      throw e;
    }
    if (!(answer instanceof http.IncomingMessage)) {
      answer.once('close', release);
      return { statusCode: 101, ok: true, socket: answer };
    }
    const statusCode = answer.statusCode ?? 0;
    // An engine that does not upgrade still streams the raw output over the response.
    if (statusCode >= 200 && statusCode < 300) {
      answer.once('close', release);
      return { statusCode, ok: true, socket: Duplex.from(answer) };
    }
    try {
      return { statusCode, ok: false, body: await readAll(answer, req.signal) };
    } finally {
      release();
    }
  }

  private acquire(length: CallLength): Promise<() => void> {
    return this.gate ? this.gate.acquire(length) : Promise.resolve(() => undefined);
  }

  /**
   * `dial`, tried once more when a GET or HEAD failed without an answer on a kept-alive
   * connection: the far end may have closed it (an engine restarted, an ssh ended) just as the
   * request went out, which node cannot see coming. Like Go's http client, only requests that
   * are safe to repeat are repeated, and only once. Any request without a streamed body is
   * tried once more when its ssh channel never reached the remote side (`isMultiplexRace`).
   */
  private async dialRetrying<T>(req: TransportRequest, extra: Omit<DockerModem.DialOptions, 'path'>): Promise<T> {
    const sent: SentRequest = {};
    try {
      return await this.dial<T>(req, extra, sent);
    } catch (e) {
      const retry =
        e instanceof TransportError &&
        !e.aborted &&
        (((req.method === 'GET' || req.method === 'HEAD') && sent.request?.reusedSocket === true) || (req.bodyStream === undefined && isMultiplexRace(e)));
      if (!retry) throw e;
      return this.dial<T>(req, extra, {});
    }
  }

  private dial<T>(req: TransportRequest, extra: Omit<DockerModem.DialOptions, 'path'>, sent: SentRequest): Promise<T> {
    // A fresh headers object per request: the modem adds its own (Content-Type...) to it, and
    // our agent finds the private ones, and records the request node made, by it (`tracked`).
    const headers: Record<string, string> = {};
    TRACKED.set(headers, { ...(req.headers ? { privateHeaders: req.headers } : {}), sent });
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        {
          method: req.method,
          // The query is encoded here (booleans as 1/0, no empty parameters); with a `?` in the
          // path the modem appends its own `_query`, empty. `_body: {}` serialises to `{}`,
          // which the modem drops unless `allowEmpty` (set when there is a real body).
          path: req.path + queryString(req.query),
          options: { _query: {}, _body: req.body ?? {} },
          allowEmpty: req.body !== undefined,
          headers,
          // A stream body is piped into the request by the modem, as `application/tar`.
          ...(req.bodyStream ? { file: req.bodyStream } : {}),
          ...(req.signal ? { abortSignal: req.signal } : {}),
          ...extra,
        },
        (err, data) => (err ? reject(transportError(err, req.signal)) : resolve(data as T)),
      );
    });
  }
}

/**
 * ssh's channel on the shared connection failed before it ran anything remotely: the master
 * was exiting (its ControlPersist ran out between two calls) as the client said hello
 * ("muxclient: master hello exchange failed"). Nothing reached the engine, so any request may
 * be sent again; the next ssh starts a new master. Seen in the ssh bench (bench/remote-ssh.mjs).
 */
function isMultiplexRace(e: TransportError): boolean {
  type Link = { code?: unknown; exitCode?: unknown; stderr?: unknown; cause?: unknown };
  for (let link = e.cause as Link | undefined, depth = 0; link && typeof link === 'object' && depth < 4; link = link.cause as Link | undefined, depth++) {
    if (link.code === 'ESSH') return link.exitCode === 255 && typeof link.stderr === 'string' && /mux_?client|master hello exchange failed|Control socket connect/i.test(link.stderr);
  }
  return false;
}

function transportError(e: unknown, signal: AbortSignal | undefined): TransportError {
  const err = e as NodeJS.ErrnoException;
  const aborted = signal?.aborted === true || err.name === 'AbortError';
  return new TransportError(err.message ?? String(e), err.code, aborted, { cause: e });
}

/**
 * docker-modem merges defaults read from the environment under the options it is given, and
 * reading them has effects of its own (it reads certificate files, throws on a DOCKER_HOST
 * it cannot parse, sets an idle timeout from DOCKER_CLIENT_TIMEOUT). Construction is
 * synchronous, so hiding those variables for its duration affects nothing else.
 */
function withoutModemEnvironment<T>(make: () => T): T {
  const saved = MODEM_ENVIRONMENT.map((name) => [name, process.env[name]] as const);
  for (const [name] of saved) delete process.env[name];
  try {
    return make();
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}

/** The modem's options, all from our endpoint (and, for ssh, what makes its connections). Never a `timeout`: see the header. */
function explicitModemOptions(endpoint: Endpoint, options: TransportOptions): { modemOptions: DockerModem.ConstructorOptions; connector?: SshConnector } {
  if (endpoint.kind !== 'ssh') return { modemOptions: directModemOptions(endpoint) };
  // Plain HTTP over the ssh children's stdio; neither a socket path nor a host, so every
  // connection comes from the agent. A replacement command (a test's relay) is run as it is.
  // An ssh that boot.cts started early for this endpoint becomes the first connection; one
  // started for another endpoint (or with a replacement command in place) is ended here.
  const replacement = options.sshCommand;
  const preDialled = takePreDialled();
  const connector = replacement
    ? new SshConnector(() => replacement(endpoint), { multiplex: false }, preDialled)
    : new SshConnector((extra) => sshCommand(endpoint.ssh!, extra), { multiplex: process.platform !== 'win32' }, preDialled);
  return { modemOptions: { socketPath: undefined, host: undefined, protocol: 'http', agent: tracked(new SshAgent(connector)) }, connector };
}

function directModemOptions(endpoint: Endpoint): DockerModem.ConstructorOptions {
  switch (endpoint.kind) {
    case 'unix':
      return { socketPath: endpoint.socketPath!, protocol: 'http', agent: tracked(plainAgent()) };
    case 'tcp':
      if (endpoint.tls) {
        const material = {
          ...(endpoint.tls.ca !== undefined ? { ca: endpoint.tls.ca } : {}),
          ...(endpoint.tls.cert !== undefined ? { cert: endpoint.tls.cert, key: endpoint.tls.key } : {}),
        };
        // The modem has no option for `rejectUnauthorized`: the agent carries it (and the
        // material, which node merges into every connection it makes).
        //
        // `maxCachedSessions: 0`: no TLS session resumption. Node's agent offers the session of
        // its last connection to every new one; a terminator that does not support resumption
        // then refuses every connection after the first (socat with `verify=1` aborts with
        // "session id context uninitialized", the client sees "tlsv1 alert internal error":
        // `ps` worked, `up` exited 69; issue 14). The Docker CLI never resumes either; with
        // keep-alive a command makes few connections, so few full handshakes.
        return {
          socketPath: undefined,
          host: endpoint.host!,
          port: endpoint.port!,
          protocol: 'https',
          ...material,
          agent: tracked(new (lazyHttps().Agent)({ keepAlive: true, maxCachedSessions: 0, rejectUnauthorized: endpoint.tls.verify, ...material })),
        };
      }
      return { socketPath: undefined, host: endpoint.host!, port: endpoint.port!, protocol: 'http', agent: tracked(plainAgent()) };
    case 'ssh':
      throw new Error('ssh endpoints are made by explicitModemOptions');
  }
}

/** What `dial` learns of a request once node has made it. */
interface SentRequest {
  request?: http.ClientRequest;
}

/** Request headers object (the one handed to the modem) → the headers only the agent may see, and where to note the request. */
const TRACKED = new WeakMap<object, { readonly privateHeaders?: Readonly<Record<string, string>>; readonly sent: SentRequest }>();

/**
 * Makes `agent` add each request's private headers, and note the request node made (whether
 * it went out on a reused connection decides a retry). Node hands an agent the request (not yet
 * sent: headers go out with the first write) together with a shallow copy of the options the
 * modem built, whose `headers` is the very object `dial` registered. So credentials reach the
 * wire without ever being among the options the modem logs.
 */
function tracked<A extends http.Agent>(agent: A): A {
  const target = agent as unknown as { addRequest(req: http.ClientRequest, options: { headers?: object }, ...rest: unknown[]): void };
  const addRequest = target.addRequest;
  target.addRequest = function (this: unknown, req, options, ...rest) {
    const record = options.headers ? TRACKED.get(options.headers) : undefined;
    if (record) {
      record.sent.request = req;
      if (record.privateHeaders) for (const [name, value] of Object.entries(record.privateHeaders)) req.setHeader(name, value);
    }
    return addRequest.call(this, req, options, ...rest);
  };
  return agent;
}

/**
 * The agent of plain HTTP connections (a unix socket, tcp without TLS). Keep-alive: one `up`
 * makes dozens of calls; reusing the socket saves a connect each. Idle sockets are unref'd by
 * node's agent, so they never keep the process alive.
 *
 * `servername: ''`: for every request node's agent works out a TLS server name from the Host
 * header, through net.isIP, whose IPv6 expression costs ~10 ms to compile on first use (CPU
 * profile of a no-op up, issue 5). Without TLS the name is never used; an empty one is node's
 * own way of saying "none" and skips the work.
 */
function plainAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, servername: '' } as http.AgentOptions);
}

/**
 * Booleans as 1/0, objects as JSON, arrays of strings as a repeated parameter (`t=a&t=b`: the
 * engine reads `r.Form["t"]`), undefined left out.
 */
export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as unknown[]) params.append(key, String(item));
    else if (typeof value === 'boolean') params.set(key, value ? '1' : '0');
    else if (typeof value === 'object') params.set(key, JSON.stringify(value));
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function readAll(res: http.IncomingMessage, signal: AbortSignal | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onAbort = (): void => {
      res.destroy();
      reject(new TransportError('aborted', 'ABORT_ERR', true, { cause: signal?.reason }));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(Buffer.concat(chunks));
    });
    res.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new TransportError(e.message, (e as NodeJS.ErrnoException).code, signal?.aborted === true, { cause: e }));
    });
  });
}
