// Service `volumes:` to mounts. Short syntax as compose-go reads it:
//   "/data"                    anonymous volume at /data
//   "data:/var/lib/x"          named volume (key in top-level `volumes`)
//   "./src:/app:ro"            bind mount; sources starting with . / ~ are host paths,
//                              resolved against the project directory (~ = home)
//   "data:/x:ro,nocopy"        options: ro rw z Z nocopy, propagation, consistency
// Long syntax: {type, source, target, read_only, bind{...}, volume{...}, tmpfs{...}}.

import { isAbsolute } from 'node:path/posix';
import type { MountSpec } from '../types.js';
import { containerPath, type Env, hostPath, isMapping, type Path, toBool, toMode, toSize, toStr } from './support.js';

const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
const CONSISTENCY = new Set(['consistent', 'cached', 'delegated']);

export function normaliseMounts(env: Env, value: unknown, path: Path): MountSpec[] {
  if (!Array.isArray(value)) return [];
  const out: MountSpec[] = [];
  value.forEach((item, i) => {
    const at = [...path, i];
    const mount = typeof item === 'string' ? parseShort(env, item, at) : isMapping(item) ? parseLong(env, item, at) : undefined;
    if (mount) out.push(mount);
  });
  return out;
}

/** Compose's rule: a source that looks like a path is a bind mount, anything else a volume name. */
function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

function parseShort(env: Env, spec: string, at: Path): MountSpec | undefined {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p, k) => p === '' && k < 2)) {
    env.problems.add(at, `invalid volume '${spec}'`, 'use SOURCE:TARGET[:MODE], a named volume `name:/path`, or `/path` for an anonymous volume');
    return undefined;
  }
  if (parts.length === 1) {
    const target = containerPath(parts[0]!);
    if (!isAbsolute(target)) {
      env.problems.add(at, `invalid volume '${spec}': the container path must be absolute`);
      return undefined;
    }
    return { type: 'volume', target, readOnly: false, volume: { nocopy: false } };
  }
  const [source, written, modeText] = parts as [string, string, string | undefined];
  const target = containerPath(written);
  if (!isAbsolute(target)) {
    env.problems.add(at, `invalid volume '${spec}': the container path '${target}' must be absolute`);
    return undefined;
  }
  let readOnly = false;
  let nocopy = false;
  let propagation: string | undefined;
  let consistency: string | undefined;
  let selinux: 'z' | 'Z' | undefined;
  for (const option of (modeText ?? '').split(',').filter(Boolean)) {
    if (option === 'ro') readOnly = true;
    else if (option === 'rw') readOnly = false;
    else if (option === 'nocopy') nocopy = true;
    else if (option === 'z' || option === 'Z') selinux = option;
    else if (PROPAGATION.has(option)) propagation = option;
    else if (CONSISTENCY.has(option)) consistency = option;
    else {
      env.problems.add(at, `invalid volume '${spec}': unknown option '${option}' (ro, rw, z, Z, nocopy, shared, slave, private...)`);
      return undefined;
    }
  }
  if (isHostPath(source)) {
    return {
      type: 'bind',
      source: hostPath(env, source),
      target,
      readOnly,
      ...(consistency ? { consistency } : {}),
      // Short syntax creates a missing host directory, as docker-compose always did.
      bind: { createHostPath: true, ...(propagation ? { propagation } : {}), ...(selinux ? { selinux } : {}) },
    };
  }
  return { type: 'volume', source, target, readOnly, ...(consistency ? { consistency } : {}), volume: { nocopy } };
}

function parseLong(env: Env, item: Record<string, unknown>, at: Path): MountSpec | undefined {
  const type = String(item['type']) as MountSpec['type'];
  const written = toStr(item['target']);
  if (written === undefined || written === '') {
    env.problems.add([...at], `a ${type} mount needs a 'target' (the path in the container)`);
    return undefined;
  }
  if (!isAbsolute(written)) {
    env.problems.add([...at, 'target'], `the container path '${written}' must be absolute`);
    return undefined;
  }
  const target = containerPath(written);
  const readOnly = toBool(env, item['read_only'], [...at, 'read_only']) ?? false;
  const consistency = toStr(item['consistency']);
  const common = { target, readOnly, ...(consistency ? { consistency } : {}) };
  const source = toStr(item['source']);
  switch (type) {
    case 'bind': {
      if (!source) {
        env.problems.add(at, "a bind mount needs a 'source' (the host path)");
        return undefined;
      }
      const bind = isMapping(item['bind']) ? item['bind'] : {};
      const selinux = toStr(bind['selinux']);
      const propagation = toStr(bind['propagation']);
      return {
        type,
        source: hostPath(env, source),
        ...common,
        bind: {
          createHostPath: toBool(env, bind['create_host_path'], [...at, 'bind', 'create_host_path']) ?? false,
          ...(propagation ? { propagation } : {}),
          ...(selinux === 'z' || selinux === 'Z' ? { selinux } : {}),
        },
      };
    }
    case 'volume': {
      const volume = isMapping(item['volume']) ? item['volume'] : {};
      if (source !== undefined && isHostPath(source)) {
        env.problems.add([...at, 'source'], `'${source}' is a path: use type: bind for host paths, or the key of a top-level volume`);
        return undefined;
      }
      const subpath = toStr(volume['subpath']);
      return {
        type,
        ...(source ? { source } : {}),
        ...common,
        volume: { nocopy: toBool(env, volume['nocopy'], [...at, 'volume', 'nocopy']) ?? false, ...(subpath ? { subpath } : {}) },
      };
    }
    case 'tmpfs': {
      if (source) {
        env.problems.add([...at, 'source'], 'a tmpfs mount has no source');
        return undefined;
      }
      const tmpfs = isMapping(item['tmpfs']) ? item['tmpfs'] : {};
      const size = toSize(env, tmpfs['size'], [...at, 'tmpfs', 'size']);
      const mode = toMode(env, tmpfs['mode'], [...at, 'tmpfs', 'mode']);
      return {
        type,
        ...common,
        tmpfs: { ...(size !== undefined ? { size } : {}), ...(mode !== undefined ? { mode } : {}) },
      };
    }
    default:
      // npipe, cluster, image: kept as written for the engine to judge.
      return { type, ...(source ? { source } : {}), ...common };
  }
}
