// Summarises a V8 CPU profile (`node --cpu-prof`) into where the time went: self time per
// package or stack module, plus the heaviest functions. Enough to say "loading X costs Y ms"
// in RESULTS.md without opening a profiler.

import { readFileSync } from 'node:fs';

/** Which bucket a function's self time belongs to, from its script URL. */
export function bucketOf(url, functionName) {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle (waiting for the engine or I/O)';
    if (functionName === '(program)') return 'V8/Node native (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:')) return 'Node built-ins (ES module loader, fs, net...)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `npm: ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const src = url.match(/\/dist\/src\/(?:([^/]+)\/)?/);
  if (src) return `stack: src/${src[1] ?? '(top)'}`;
  return url.replace(/^file:\/\//, '');
}

/**
 * Self time per sample, attributed two ways:
 *  - `buckets`: to the nearest frame on the stack that belongs to a package or to stack's
 *    own code, so Node's module loader time counts for the code that required the module
 *    (CommonJS chains keep their requirer on the stack; ES module loading does not, and
 *    shows as Node built-ins);
 *  - `functions`: to the JavaScript function itself.
 * @param {string} file a .cpuprofile
 * @returns {{ totalMs: number, buckets: [string, number][], functions: [string, number][] }}
 */
export function summariseProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfMs = new Map();
  // timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const attributed = (id) => {
    const own = byId.get(id).callFrame;
    if (!own.url && ['(garbage collector)', '(idle)', '(program)'].includes(own.functionName)) return bucketOf('', own.functionName);
    let firstUrl;
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const { url } = byId.get(at).callFrame;
      if (!url) continue;
      firstUrl ??= url;
      if (!url.startsWith('node:')) return bucketOf(url, '');
    }
    return firstUrl ? bucketOf(firstUrl, '') : bucketOf('', own.functionName);
  };
  const buckets = new Map();
  const functions = new Map();
  for (const [id, ms] of selfMs) {
    const { callFrame } = byId.get(id);
    const bucket = attributed(id);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + ms);
    if (callFrame.url) {
      const where = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${callFrame.lineNumber + 1}`;
      functions.set(where, (functions.get(where) ?? 0) + ms);
    }
  }
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: (profile.endTime - profile.startTime) / 1000, buckets: sorted(buckets), functions: sorted(functions) };
}
