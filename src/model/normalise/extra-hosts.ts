// `extra_hosts` of a service or of a build, to the Engine API's `host:ip` list. The rules are
// compose-go's (types/hostList.go): a list entry splits at its first `=`, else at its first
// `:` (so `myhostv6:::1` is host `myhostv6`, address `::1`); the address part may hold several
// addresses separated by commas; `[::1]` loses its brackets; a mapping gives one address or a
// list of them per host. An entry without an address, or a host name holding `:` or `=`, is
// refused here rather than by the engine, with the entry's place in the file.

import { type Env, isMapping, type Path } from './support.js';

export function extraHostsOf(env: Env, value: unknown, path: Path): string[] {
  const out: string[] = [];
  if (Array.isArray(value)) {
    value.forEach((entry, i) => {
      const text = String(entry);
      const at = firstSeparator(text);
      if (at < 0) {
        env.problems.add([...path, i], `extra host '${text}' has no address`, 'write it as host=address, e.g. db=10.0.0.2');
        return;
      }
      addHost(env, out, text.slice(0, at), text.slice(at + 1).split(','), [...path, i]);
    });
  } else if (isMapping(value)) {
    for (const host of Object.keys(value)) {
      const ips = value[host];
      addHost(env, out, host, (Array.isArray(ips) ? ips : [ips]).map((ip) => (ip === null || ip === undefined ? '' : String(ip))), [...path, host]);
    }
  }
  return out;
}

function firstSeparator(text: string): number {
  const eq = text.indexOf('=');
  return eq >= 0 ? eq : text.indexOf(':');
}

function addHost(env: Env, out: string[], host: string, addresses: readonly string[], path: Path): void {
  if (host === '' || /[:=]/.test(host)) {
    env.problems.add(path, `'${host}' is not a host name`);
    return;
  }
  for (const raw of addresses) {
    const ip = raw.length > 2 && raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
    if (ip === '') {
      env.problems.add(path, `extra host '${host}' has no address`, 'write it as host=address, e.g. db=10.0.0.2');
      continue;
    }
    out.push(`${host}:${ip}`);
  }
}
