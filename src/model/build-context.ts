// What a build context string names. One classification for the loader (which makes only
// local folders absolute, in every file, included and extended ones too) and for the build
// step (which sends a tar for a local folder and passes anything else to the engine as
// `remote`).
//
// The rules are compose-go's (paths/context.go: anything with `://`, `service:`, and the
// prefixes https://, http://, git://, ssh://, github.com/, git@ are not paths) and the Docker
// CLI's (DetectContextType: an http(s) URL is a git repository when its path ends in `.git`,
// optionally followed by a `#ref[:dir]` fragment, and a remote tarball or Dockerfile otherwise).

import type { BuildContextKind } from './types.js';

const GIT_PREFIXES = ['git://', 'ssh://', 'git@', 'github.com/'];
const GIT_URL_PATH = /\.git(?:#.+)?$/;

export function buildContextKind(context: string): BuildContextKind {
  if (context.startsWith('service:')) return 'service';
  if (GIT_PREFIXES.some((p) => context.startsWith(p))) return 'git';
  if (context.startsWith('http://') || context.startsWith('https://')) return GIT_URL_PATH.test(context) ? 'git' : 'url';
  if (context.includes('://')) return 'builder';
  return 'local';
}

/** True when the string is a path on this machine (to be resolved against a directory). */
export function isLocalContext(context: string): boolean {
  return buildContextKind(context) === 'local';
}
