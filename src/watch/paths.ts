// Host-path helpers shared by the rules, the watcher and the manifest. Paths are absolute and
// resolved; containment is on whole segments (`/a/src` does not contain `/a/src2`).

/** The path of `path` below `root`, '/'-separated; '' for the root itself; undefined outside it. */
export function relativeTo(root: string, path: string): string | undefined {
  if (path === root) return '';
  const prefix = root.endsWith('/') ? root : root + '/';
  return path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
}

/** Is `path` equal to `parent` or below it? */
export function isWithin(parent: string, path: string): boolean {
  return relativeTo(parent, path) !== undefined;
}

/** The given paths without those inside another one, sorted. */
export function outermost(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  const kept: string[] = [];
  for (const p of sorted) if (!kept.some((k) => isWithin(k, p))) kept.push(p);
  return kept;
}
