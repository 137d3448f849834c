// `ports:` in all Compose forms, to long syntax. Short syntax follows docker/go-connections'
// ParsePortSpec as compose-go uses it:
//   "3000"                       container port, host port chosen by the engine
//   "3000-3005"                  a range: one entry per port
//   "8000:8000"                  host:container
//   "9090-9091:8080-8081"        ranges of equal length, paired one by one
//   "12400-12500:1240"           a host range for one container port (engine picks one)
//   "127.0.0.1:8001:8001/udp"    host IP, protocol
//   "127.0.0.1::5000"            host IP, engine-chosen host port
//   "[::1]:80:80"                IPv6 host IP in brackets
// and numbers (3000) and the long form {target, published, host_ip, protocol, mode, ...}.

import type { PortSpec } from '../types.js';
import { type Env, isMapping, type Path, toStr } from './support.js';

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

export function normalisePorts(env: Env, value: unknown, path: Path): PortSpec[] {
  if (!Array.isArray(value)) return [];
  const out: PortSpec[] = [];
  value.forEach((item, i) => {
    const at = [...path, i];
    if (typeof item === 'number') {
      const port = checkPort(env, item, at);
      if (port !== undefined) out.push({ target: port, protocol: 'tcp', mode: 'ingress' });
    } else if (typeof item === 'string') {
      out.push(...parseShortPort(env, item, at));
    } else if (isMapping(item)) {
      const long = parseLongPort(env, item, at);
      if (long) out.push(long);
    }
  });
  return out;
}

function parseLongPort(env: Env, item: Record<string, unknown>, at: Path): PortSpec | undefined {
  const target = checkPort(env, item['target'], [...at, 'target']);
  if (target === undefined) return undefined;
  const protocol = (toStr(item['protocol']) ?? 'tcp').toLowerCase();
  if (!PROTOCOLS.has(protocol)) {
    env.problems.add([...at, 'protocol'], `unknown protocol '${protocol}': use tcp, udp or sctp`);
    return undefined;
  }
  let published = toStr(item['published']);
  if (published === '') published = undefined;
  if (published !== undefined && !checkRange(env, published, [...at, 'published'])) return undefined;
  const mode = toStr(item['mode']) ?? 'ingress';
  return {
    target,
    ...(published !== undefined ? { published } : {}),
    ...(toStr(item['host_ip']) ? { hostIp: toStr(item['host_ip'])! } : {}),
    protocol: protocol as PortSpec['protocol'],
    mode: mode as PortSpec['mode'],
    ...(toStr(item['name']) !== undefined ? { name: toStr(item['name'])! } : {}),
    ...(toStr(item['app_protocol']) !== undefined ? { appProtocol: toStr(item['app_protocol'])! } : {}),
  };
}

function parseShortPort(env: Env, text: string, at: Path): PortSpec[] {
  const bad = (why: string): PortSpec[] => {
    env.problems.add(at, `invalid port '${text}': ${why}`, 'use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. "127.0.0.1:8080:80/tcp"');
    return [];
  };
  let rest = text.trim();
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
    if (!PROTOCOLS.has(protocol)) return bad(`unknown protocol '${protocol}' (tcp, udp or sctp)`);
  }
  let hostIp: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') return bad('an IPv6 host address must be written [addr]:');
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  let hostPart: string | undefined;
  let containerPart: string;
  if (hostIp !== undefined) {
    if (parts.length === 1) containerPart = parts[0]!;
    else if (parts.length === 2) [hostPart, containerPart] = parts as [string, string];
    else return bad('too many colons');
  } else if (parts.length === 1) {
    containerPart = parts[0]!;
  } else if (parts.length === 2) {
    [hostPart, containerPart] = parts as [string, string];
  } else if (parts.length === 3) {
    hostIp = parts[0]!;
    hostPart = parts[1]!;
    containerPart = parts[2]!;
  } else {
    return bad('too many colons (an IPv6 address must be in brackets: "[::1]:80:80")');
  }
  if (hostIp === '') hostIp = undefined;
  if (hostPart === '') hostPart = undefined;

  const container = parseRange(containerPart);
  if (!container) return bad(`'${containerPart}' is not a port or a port range`);
  const host = hostPart === undefined ? undefined : parseRange(hostPart);
  if (hostPart !== undefined && !host) return bad(`'${hostPart}' is not a port or a port range`);
  for (const n of [container[0], container[1], ...(host ?? [])]) if (n < 1 || n > 65535) return bad(`port ${n} is out of range 1-65535`);

  const base = { protocol: protocol as PortSpec['protocol'], mode: 'ingress' as const, ...(hostIp ? { hostIp } : {}) };
  const count = container[1] - container[0] + 1;
  if (!host) {
    return Array.from({ length: count }, (_, k) => ({ ...base, target: container[0] + k }));
  }
  const hostCount = host[1] - host[0] + 1;
  if (count === 1) {
    // One container port: the host side may be one port or a range the engine picks from.
    return [{ ...base, target: container[0], published: hostCount === 1 ? String(host[0]) : `${host[0]}-${host[1]}` }];
  }
  if (hostCount !== count) return bad(`the host range has ${hostCount} ports and the container range ${count}`);
  return Array.from({ length: count }, (_, k) => ({ ...base, target: container[0] + k, published: String(host[0] + k) }));
}

function parseRange(text: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return b < a ? undefined : [a, b];
}

function checkPort(env: Env, value: unknown, at: Path): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    env.problems.add(at, `'${String(value)}' is not a port number (1-65535)`);
    return undefined;
  }
  return n;
}

function checkRange(env: Env, text: string, at: Path): boolean {
  const r = parseRange(text);
  if (!r || r[0] < 1 || r[1] > 65535) {
    env.problems.add(at, `'${text}' is not a port or a port range (1-65535)`);
    return false;
  }
  return true;
}
