// Compose's pull_policy: what each value means, and the pure decision the planner takes for
// one service's image. Pure: no I/O, no clock (`now` is passed in).
//
// Values, as compose-go reads them (types.ServiceConfig.GetPullPolicy, loader/normalize.go):
//   always | never | missing (default) | if_not_present (= missing) | build
//   daily (every 24h) | weekly (every 7d) | every_<duration> (Compose durations: 12h, 1h30m, 2d, 1w)
//   refresh: accepted by the Compose schema but not by compose-go's switch, which falls back to
//            missing for it; pull_refresh_after is in the schema and read by no code. We do
//            the same: `refresh` is missing.
//
// What `up` does with them follows docker/compose (pkg/compose/pull.go mustPull, build.go,
// pullRequiredImages):
//   - an image that is pulled for a service that also has `build:` may fail to pull: Compose
//     ignores that failure and builds (buildIfPullFails);
//   - a service with `build:` and no `image:` has nothing to pull: it is built when its image
//     is missing (or always, with pull_policy build);
//   - `refresh` pulls when the last pull is more than its period ago, or unknown (Compose reads
//     the image's LastTagTime, which some engines leave empty: pull-times.ts keeps our own).
// `stack pull` decides differently (pullCommandDecision), as `docker compose pull` does.

import { UsageError } from '../errors.js';
import { parseDuration } from '../model/durations.js';

export type PullPolicy =
  | { readonly kind: 'always' }
  | { readonly kind: 'never' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'build' }
  /** Pull when the last pull is older than `everyMs`. `text` is how it was written (`daily`, `every_12h`). */
  | { readonly kind: 'refresh'; readonly everyMs: number; readonly text: string };

export type PullAction = 'pull' | 'use' | 'build' | 'missing-error';

export interface ImageState {
  /** Whether the engine has the image. */
  readonly present: boolean;
  /** When stack last pulled it (ms since the epoch), if it knows. */
  readonly lastPulledAt?: number;
  /** The service has `build:`. Default false. */
  readonly buildable?: boolean;
  /** The service names an image (`image:`) that a registry could have. Default true. */
  readonly pullable?: boolean;
}

export interface PullDecision {
  readonly action: PullAction;
  /** Why, for the plan and for errors: `image not present`, `last pulled 26h ago (daily)`. */
  readonly reason: string;
  /** For 'pull': a failed pull falls back to a build (the service has `build:`). */
  readonly buildIfPullFails: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MISSING: PullPolicy = { kind: 'missing' };

/** pull_policy as written (undefined when absent) → its meaning, or an Error saying what is wrong. */
export function parsePullPolicy(text: string | undefined): PullPolicy | Error {
  switch (text) {
    case undefined:
    case '':
    case 'missing':
    case 'if_not_present':
    case 'refresh':
      return MISSING;
    case 'always':
    case 'never':
    case 'build':
      return { kind: text };
    case 'daily':
      return { kind: 'refresh', everyMs: DAY_MS, text };
    case 'weekly':
      return { kind: 'refresh', everyMs: 7 * DAY_MS, text };
  }
  if (text.startsWith('every_')) {
    const ns = parseDuration(text.slice('every_'.length));
    if (ns instanceof Error) return new Error(`pull_policy ${text}: ${ns.message}`);
    if (ns < 0) return new Error(`pull_policy ${text}: the period cannot be negative`);
    return { kind: 'refresh', everyMs: Math.round(ns / 1e6), text };
  }
  return new Error(`unknown pull_policy "${text}" (use always, never, missing, build, daily, weekly or every_<duration> such as every_12h)`);
}

/**
 * `up --pull <value>`: undefined keeps each service's own policy (`policy`, Compose's default
 * for the flag); always, missing, never (and build, if_not_present, which Compose also accepts)
 * replace every service's.
 */
export function parsePullOverride(value: string | undefined): PullPolicy | undefined {
  if (value === undefined || value === 'policy') return undefined;
  if (value === 'always' || value === 'missing' || value === 'never' || value === 'build' || value === 'if_not_present') {
    return parsePullPolicy(value) as PullPolicy;
  }
  throw new UsageError(`invalid --pull value "${value}"`, { hint: 'use --pull always, missing or never' });
}

/** What `up` does about one service's image. */
export function pullDecision(policy: PullPolicy, state: ImageState, now: number): PullDecision {
  const buildable = state.buildable ?? false;
  const pullable = state.pullable ?? true;
  if (!pullable) return buildOnlyDecision(policy, state.present, buildable);
  const pull = (reason: string): PullDecision => ({ action: 'pull', reason, buildIfPullFails: buildable });
  switch (policy.kind) {
    case 'always':
      return pull('pull_policy always');
    case 'never':
      if (state.present) return use('image present (pull_policy never)');
      return buildable ? decide('build', 'image not present, and pull_policy never forbids a pull') : decide('missing-error', 'image not present, and pull_policy never forbids a pull');
    case 'build':
      if (buildable) return decide('build', 'pull_policy build');
      return state.present ? use('image present (pull_policy build, but the service has no build section)') : decide('missing-error', 'image not present: pull_policy build, but the service has no build section');
    case 'missing':
      return state.present ? use('image present') : pull('image not present');
    case 'refresh':
      if (!state.present) return pull('image not present');
      if (state.lastPulledAt === undefined) return pull(`no pull of it recorded (pull_policy ${policy.text})`);
      if (now > state.lastPulledAt + policy.everyMs) return pull(`last pulled ${age(now - state.lastPulledAt)} ago (pull_policy ${policy.text})`);
      return use(`pulled ${age(now - state.lastPulledAt)} ago (pull_policy ${policy.text})`);
  }
}

/**
 * What `stack pull` does about one service's image (docker compose pull): without a
 * pull_policy it pulls; `refresh` policies pull now; `missing` pulls a `latest` tag again
 * (it moves) and skips another tag already present; `never` and `build` skip.
 */
export function pullCommandDecision(
  policy: PullPolicy | undefined,
  state: ImageState,
  now: number,
  isLatestTag: boolean,
): { readonly action: 'pull' | 'skip'; readonly reason: string } {
  if (!(state.pullable ?? true)) return { action: 'skip', reason: 'no image to pull (built by stack)' };
  if (policy === undefined) return { action: 'pull', reason: 'no pull_policy' };
  const upWould = pullDecision(policy, { ...state, buildable: false }, now);
  if (upWould.action === 'pull') return { action: 'pull', reason: upWould.reason };
  switch (policy.kind) {
    case 'refresh':
      return { action: 'pull', reason: `an explicit pull (pull_policy ${policy.text})` };
    case 'missing':
      return isLatestTag ? { action: 'pull', reason: 'a latest tag is pulled again' } : { action: 'skip', reason: 'image already present' };
    default:
      return { action: 'skip', reason: `pull_policy ${policy.kind}` };
  }
}

function buildOnlyDecision(policy: PullPolicy, present: boolean, buildable: boolean): PullDecision {
  if (!buildable) return decide('missing-error', 'the service has neither an image to pull nor a build section');
  if (policy.kind === 'build') return decide('build', 'pull_policy build');
  return present ? use('image present (built by stack)') : decide('build', 'image not present');
}

function use(reason: string): PullDecision {
  return decide('use', reason);
}

function decide(action: PullAction, reason: string): PullDecision {
  return { action, reason, buildIfPullFails: false };
}

/** `26h`, `3d4h`, `12m`: a rough age, at most two units. */
function age(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.floor(ms / 1000))}s`;
  const days = Math.floor(ms / DAY_MS);
  const rest = ms - days * DAY_MS;
  const hours = Math.floor(rest / HOUR_MS);
  const minutes = Math.floor((rest - hours * HOUR_MS) / 60_000);
  if (days > 0) return hours > 0 ? `${days}d${hours}h` : `${days}d`;
  if (hours > 0) return minutes > 0 ? `${hours}h${minutes}m` : `${hours}h`;
  return `${minutes}m`;
}
