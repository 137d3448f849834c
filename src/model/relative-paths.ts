// Relative paths in an included file, or in a service extended from another file, mean
// "relative to THAT file's directory". Before such a document is merged into the main one
// (whose relative paths resolve against the project directory), its relative paths are made
// absolute. Only values that are paths are touched: build contexts (not URLs), env_file,
// label_file, bind-mount sources (`./x`, `../x`, `.`), extends.file, develop.watch paths and
// top-level secrets/configs `file:`.

import { isAbsolute, resolve } from 'node:path';
import { isPlainMap } from './merge.js';

type Plain = Record<string, unknown>;

const isRemoteContext = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@') || s.startsWith('github.com/');

function absolute(value: unknown, dir: string): unknown {
  if (typeof value !== 'string' || value === '' || isAbsolute(value) || value.startsWith('~')) return value;
  return resolve(dir, value);
}

function isRelativeMountSource(s: string): boolean {
  return s === '.' || s === '..' || s.startsWith('./') || s.startsWith('../');
}

/** Make the relative paths of one service definition absolute against `dir` (in place). */
export function absolutiseServicePaths(service: Plain, dir: string): void {
  const build = service.build;
  if (typeof build === 'string') {
    if (!isRemoteContext(build)) service.build = absolute(build, dir);
  } else if (isPlainMap(build)) {
    const context = build.context ?? '.';
    if (typeof context === 'string' && !isRemoteContext(context)) build.context = absolute(context, dir);
  }
  for (const key of ['env_file', 'label_file']) {
    const v = service[key];
    if (typeof v === 'string') service[key] = absolute(v, dir);
    else if (Array.isArray(v)) {
      v.forEach((entry, i) => {
        if (typeof entry === 'string') v[i] = absolute(entry, dir);
        else if (isPlainMap(entry)) entry.path = absolute(entry.path, dir);
      });
    }
  }
  const volumes = service.volumes;
  if (Array.isArray(volumes)) {
    volumes.forEach((entry, i) => {
      if (typeof entry === 'string') {
        const colon = entry.indexOf(':');
        if (colon > 0 && isRelativeMountSource(entry.slice(0, colon))) {
          volumes[i] = resolve(dir, entry.slice(0, colon)) + entry.slice(colon);
        }
      } else if (isPlainMap(entry) && entry.type === 'bind' && typeof entry.source === 'string') {
        entry.source = absolute(entry.source, dir);
      }
    });
  }
  const ext = service.extends;
  if (isPlainMap(ext) && typeof ext.file === 'string') ext.file = absolute(ext.file, dir);
  const develop = service.develop;
  if (isPlainMap(develop) && Array.isArray(develop.watch)) {
    for (const rule of develop.watch) if (isPlainMap(rule)) rule.path = absolute(rule.path, dir);
  }
}

/** Make every relative path of a whole document absolute against `dir` (in place). */
export function absolutiseDocumentPaths(doc: Plain, dir: string): void {
  if (isPlainMap(doc.services)) {
    for (const name of Object.keys(doc.services)) {
      const svc = doc.services[name];
      if (isPlainMap(svc)) absolutiseServicePaths(svc, dir);
    }
  }
  for (const kind of ['secrets', 'configs']) {
    const section = doc[kind];
    if (!isPlainMap(section)) continue;
    for (const name of Object.keys(section)) {
      const def = section[name];
      if (isPlainMap(def) && typeof def.file === 'string') def.file = absolute(def.file, dir);
    }
  }
}
