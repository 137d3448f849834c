// `pull_policy` (and the schema's `pull_refresh_after`) to a PullPolicy and, for the policies
// that pull again after a while, the interval in milliseconds. compose-go's GetPullPolicy is
// the reference: `if_not_present` is `missing`; `daily` is 24 h, `weekly` 7 days, `every_<d>`
// the duration d (w, d, h, m, s, combined: `every_1d12h`). The schema admits only those words
// and that duration syntax, so what reaches here is well formed up to the duration's value.
//
// `refresh` is in the Compose schema but undocumented, and compose-go treats it as `missing`;
// the schema's `pull_refresh_after` ("used with pull_policy=refresh") is read by nobody. Here
// `refresh` with `pull_refresh_after` is a refresh policy with that interval, and `refresh`
// alone behaves as in Compose (`missing`), with a warning saying so.

import { parseDuration } from '../durations.js';
import type { Milliseconds, PullPolicy } from '../types.js';
import { type Doc, type Env, has, type Path, toStr } from './support.js';

export interface NormalisedPullPolicy {
  readonly policy?: PullPolicy;
  readonly refreshAfterMs?: Milliseconds;
}

const DAY_MS = 24 * 3600 * 1000;
const FIXED: Readonly<Record<string, NormalisedPullPolicy>> = {
  always: { policy: 'always' },
  never: { policy: 'never' },
  missing: { policy: 'missing' },
  if_not_present: { policy: 'missing' },
  build: { policy: 'build' },
  daily: { policy: 'refresh', refreshAfterMs: DAY_MS },
  weekly: { policy: 'refresh', refreshAfterMs: 7 * DAY_MS },
};

export function normalisePullPolicy(env: Env, s: Doc, at: (...rest: (string | number)[]) => Path): NormalisedPullPolicy {
  const written = toStr(s['pull_policy']);
  const refreshAfter = toStr(s['pull_refresh_after']);
  if (written !== 'refresh' && refreshAfter !== undefined) {
    env.problems.warn(at('pull_refresh_after'), 'pull_refresh_after is used only with pull_policy: refresh; ignored');
  }
  if (written === undefined) return {};

  if (written === 'build' && !has(s, 'build')) {
    env.problems.add(at('pull_policy'), 'pull_policy is build but the service has no build section', 'add `build: <directory>`, or choose another pull_policy');
  }
  const fixed = Object.prototype.hasOwnProperty.call(FIXED, written) ? FIXED[written] : undefined;
  if (fixed) return fixed;
  if (written.startsWith('every_')) {
    const ms = toMilliseconds(env, written.slice('every_'.length), at('pull_policy'));
    return ms === undefined ? {} : { policy: 'refresh', refreshAfterMs: ms };
  }
  if (written === 'refresh') {
    if (refreshAfter === undefined) {
      env.problems.warn(at('pull_policy'), 'pull_policy: refresh without pull_refresh_after pulls only a missing image (as in Compose); add pull_refresh_after, or use daily, weekly or every_<duration>');
      return { policy: 'missing' };
    }
    const ms = toMilliseconds(env, refreshAfter, at('pull_refresh_after'));
    return ms === undefined ? {} : { policy: 'refresh', refreshAfterMs: ms };
  }
  // Unreachable through the schema's pattern; kept so that a schema change cannot slip an
  // unknown word into the model.
  env.problems.add(at('pull_policy'), `'${written}' is not a pull policy`);
  return {};
}

function toMilliseconds(env: Env, text: string, path: Path): Milliseconds | undefined {
  const ns = parseDuration(text);
  if (ns instanceof Error) {
    env.problems.add(path, ns.message);
    return undefined;
  }
  if (ns < 0) {
    env.problems.add(path, `must not be negative (got '${text}')`);
    return undefined;
  }
  return Math.round(ns / 1e6);
}
