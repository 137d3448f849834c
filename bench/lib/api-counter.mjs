// Counts the engine API calls a command makes: a small HTTP proxy on a unix socket in front
// of the engine's socket. Used in an untimed pass only (the proxy adds its own latency),
// to explain where time goes: TRAPS measured 260 calls for docker-compose 1.29's no-op
// `up` of 30 services where one filtered list answers almost all of it.

import http from 'node:http';
import { rmSync } from 'node:fs';

const ENGINE_SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');

/** `/v1.41/containers/3f2a.../json?x=1` -> `GET /containers/{id}/json` */
export function callKind(method, url) {
  const path = url.split('?')[0].replace(/^\/v[0-9.]+/, '');
  const parts = path.split('/').filter(Boolean);
  const collections = new Set(['containers', 'networks', 'volumes', 'images', 'exec']);
  // Image names hold slashes (`stack-test/busybox:1`): everything between `images/` and the
  // last segment is one name.
  if (parts[0] === 'images' && parts.length > 3) return `${method} /images/{name}/${parts[parts.length - 1]}`;
  const shape = parts.map((p, i) => (i === 1 && collections.has(parts[0]) && !['json', 'create', 'prune'].includes(p) ? '{id}' : p));
  return `${method} /${shape.join('/')}`;
}

/** Starts the proxy; returns its DOCKER_HOST value, the counts and a close function. */
export async function startApiCounter(socketPath) {
  rmSync(socketPath, { force: true });
  /** @type {Map<string, number>} */
  const counts = new Map();
  const server = http.createServer((req, res) => {
    const kind = callKind(req.method ?? 'GET', req.url ?? '/');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const upstream = http.request({ socketPath: ENGINE_SOCKET, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(socketPath, resolve));
  return {
    dockerHost: `unix://${socketPath}`,
    take() {
      const snapshot = new Map(counts);
      counts.clear();
      return snapshot;
    },
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections?.(); }),
  };
}

export const totalCalls = (counts) => [...counts.values()].reduce((a, b) => a + b, 0);
