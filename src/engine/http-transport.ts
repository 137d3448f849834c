// HTTP to the Docker Engine API over a unix socket, TCP, TLS or ssh, with node's own http
// client. Why not docker-modem: loading it costs ~100 ms per command even for a unix socket
// (it requires ssh2 eagerly) and dockerode adds ~90 ms more (grpc, protobufjs for BuildKit);
// it also carries the traps listed in TRAPS.md (DOCKER_TLS_VERIFY misread, an idle timeout
// that kills streams, Buffers instead of streams). The API itself is plain JSON over HTTP.
//
// This layer knows nothing about status codes' meaning: it returns the status and the body
// (or the open stream / upgraded socket) and throws `TransportError` only when no HTTP
// response arrived at all. `docker-gateway.ts` classifies.

import http from 'node:http';
import https from 'node:https';
import { spawn } from 'node:child_process';
import { Duplex, PassThrough, type Readable } from 'node:stream';
import { sshCommand, type Endpoint } from './endpoint.js';

export type Query = Readonly<Record<string, string | number | boolean | object | undefined>>;

export interface TransportRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Absolute API path, already versioned where it should be (`/v1.41/containers/json`). */
  readonly path: string;
  readonly query?: Query;
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly signal?: AbortSignal;
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

/** The way one request reaches the engine: how sockets are made. */
type Connector = Pick<http.RequestOptions, 'socketPath' | 'host' | 'port' | 'agent' | 'createConnection'> & {
  readonly secure: boolean;
  readonly tls?: https.RequestOptions;
};

export interface TransportOptions {
  /** Replaces the ssh command (tests use a local relay instead of a remote host). */
  readonly sshCommand?: (endpoint: Endpoint) => { command: string; args: string[] };
}

export class HttpTransport {
  private readonly connector: Connector;

  constructor(
    readonly endpoint: Endpoint,
    options: TransportOptions = {},
  ) {
    this.connector = makeConnector(endpoint, options);
  }

  /** A request whose whole body is read (JSON calls, non-streaming). */
  async request(req: TransportRequest): Promise<BufferedResponse> {
    const res = await this.send(req, {});
    return { statusCode: res.statusCode ?? 0, headers: res.headers, body: await readAll(res, req.signal) };
  }

  /** A request whose body is streamed (logs, events): no idle deadline; abort with the signal. */
  async stream(req: TransportRequest): Promise<StreamResponse> {
    const res = await this.send(req, {});
    const statusCode = res.statusCode ?? 0;
    if (statusCode >= 200 && statusCode < 300) {
      if (req.signal) {
        const stop = (): void => {
          res.destroy();
        };
        req.signal.addEventListener('abort', stop, { once: true });
        res.once('close', () => req.signal?.removeEventListener('abort', stop));
      }
      return { statusCode, ok: true, stream: res };
    }
    return { statusCode, ok: false, body: await readAll(res, req.signal) };
  }

  /**
   * A hijacked connection (attach, exec start): the engine answers 101 and the socket becomes
   * the process's stdio.
   */
  upgrade(req: TransportRequest): Promise<UpgradeResponse> {
    return new Promise((resolve, reject) => {
      const cr = this.open(req, { Connection: 'Upgrade', Upgrade: 'tcp' });
      cr.on('upgrade', (res, socket, head: Buffer) => {
        if (head.length > 0) socket.unshift(head);
        resolve({ statusCode: res.statusCode ?? 101, ok: true, socket });
      });
      cr.on('response', (res) => {
        const statusCode = res.statusCode ?? 0;
        if (statusCode >= 200 && statusCode < 300) {
          // An engine that does not upgrade still streams the raw output over the response.
          resolve({ statusCode, ok: true, socket: Duplex.from({ readable: res, writable: cr }) });
        } else {
          readAll(res, req.signal).then((body) => resolve({ statusCode, ok: false, body }), reject);
        }
      });
      cr.on('error', (e) => reject(this.transportError(e, req.signal)));
      this.writeBody(cr, req);
    });
  }

  private send(req: TransportRequest, headers: Record<string, string>): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const cr = this.open(req, headers);
      cr.on('response', resolve);
      cr.on('error', (e) => reject(this.transportError(e, req.signal)));
      this.writeBody(cr, req);
    });
  }

  private open(req: TransportRequest, headers: Record<string, string>): http.ClientRequest {
    const { secure, tls, ...connection } = this.connector;
    const options: https.RequestOptions = {
      ...connection,
      ...(tls ?? {}),
      method: req.method,
      path: req.path + queryString(req.query),
      headers: { Host: 'docker', ...headers },
      ...(req.signal ? { signal: req.signal } : {}),
    };
    if (req.body !== undefined) (options.headers as Record<string, string>)['Content-Type'] = 'application/json';
    return (secure ? https : http).request(options);
  }

  private writeBody(cr: http.ClientRequest, req: TransportRequest): void {
    cr.end(req.body === undefined ? undefined : JSON.stringify(req.body));
  }

  private transportError(e: unknown, signal: AbortSignal | undefined): TransportError {
    const err = e as NodeJS.ErrnoException;
    const aborted = signal?.aborted === true || err.name === 'AbortError';
    return new TransportError(err.message ?? String(e), err.code, aborted, { cause: e });
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === 'boolean') params.set(key, value ? '1' : '0');
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

function makeConnector(endpoint: Endpoint, options: TransportOptions): Connector {
  switch (endpoint.kind) {
    case 'unix':
      // Keep-alive: one `up` makes dozens of calls; reusing the socket saves a connect each.
      // Idle sockets are unref'd by node's agent, so they never keep the process alive.
      return { secure: false, socketPath: endpoint.socketPath!, agent: new http.Agent({ keepAlive: true }) };
    case 'tcp':
      if (endpoint.tls) {
        return {
          secure: true,
          host: endpoint.host!,
          port: endpoint.port!,
          agent: new https.Agent({ keepAlive: true }),
          tls: {
            rejectUnauthorized: endpoint.tls.verify,
            ...(endpoint.tls.ca !== undefined ? { ca: endpoint.tls.ca } : {}),
            ...(endpoint.tls.cert !== undefined ? { cert: endpoint.tls.cert, key: endpoint.tls.key } : {}),
          },
        };
      }
      return { secure: false, host: endpoint.host!, port: endpoint.port!, agent: new http.Agent({ keepAlive: true }) };
    case 'ssh': {
      const build = options.sshCommand ?? ((e: Endpoint) => sshCommand(e.ssh!));
      // One ssh process per request (no pooling), like docker-modem; the CLI does the same.
      // No `agent` at all: with `agent: false` node would make its own sockets and ignore createConnection.
      return {
        secure: false,
        createConnection: () => sshConnection(build(endpoint)) as unknown as ReturnType<NonNullable<http.RequestOptions['createConnection']>>,
      };
    }
  }
}

/** A duplex over `ssh host docker system dial-stdio`; stderr is kept for the error message. */
function sshConnection(cmd: { command: string; args: string[] }): Duplex {
  const child = spawn(cmd.command, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 4000) stderr += c.toString();
  });
  // The output ends only once ssh has exited, so that a failure (host key refused, no
  // route...) reaches the HTTP client as ssh's own message rather than "socket hang up".
  const output = new PassThrough();
  child.stdout.pipe(output, { end: false });
  // Likewise writing to an ssh that already died must not fail first with a bare EPIPE.
  const input = new PassThrough();
  input.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  const duplex = Duplex.from({ readable: output, writable: input });
  child.on('error', (e) => duplex.destroy(e));
  child.on('close', (code) => {
    if (code === 0 || code === null) return void output.end();
    const e = new Error(`ssh exited with code ${code}${stderr.trim() ? `: ${stderr.trim()}` : ''}`) as NodeJS.ErrnoException;
    e.code = 'ESSH';
    duplex.destroy(e);
  });
  duplex.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return duplex;
}
