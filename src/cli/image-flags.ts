// The image flags `up` and `plan` share (so that `stack plan` shows exactly what `stack up`
// would do): `--build`, `--no-build`, `--pull always|missing|never`; and `--build-arg K=V`,
// which `stack build` takes.

import { InvalidArgumentError, Option, type Command } from 'commander';
import type { BuildPolicy, PullOverride } from '../stack/index.js';
import { UsageError } from '../errors.js';

export interface ImageFlags {
  /** `--build`: true; `--no-build`: false; neither: undefined. */
  readonly build?: boolean;
  readonly pull?: PullOverride;
}

export function addImageFlags(cmd: Command): Command {
  return cmd
    .option('--build', 'build the images of the services before starting them, changed or not')
    .option('--no-build', 'do not build images, even missing or changed ones')
    .addOption(new Option('--pull <policy>', 'pull images: always, missing (only those not present) or never; replaces every pull_policy').choices(['always', 'missing', 'never']));
}

/** The façade's build and pull choices for `up` and `plan`. */
export function imageOptionsFrom(flags: ImageFlags): { build?: BuildPolicy; pull?: PullOverride } {
  return {
    ...(flags.build === true ? { build: { policy: 'always' } } : flags.build === false ? { build: { policy: 'never' } } : {}),
    ...(flags.pull !== undefined ? { pull: flags.pull } : {}),
  };
}

/**
 * `--build-arg K=V` (repeatable), collected; `--build-arg K` takes K's value from the
 * environment, as `docker build` does (unset: the arg is left out).
 */
export function collectBuildArg(value: string, previous: string[] | undefined): string[] {
  if (value === '' || value.startsWith('=')) throw new InvalidArgumentError(`expected NAME=VALUE or NAME, got "${value}"`);
  return [...(previous ?? []), value];
}

export function buildArgsFrom(values: readonly string[] | undefined, env: Readonly<Record<string, string | undefined>>): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const args = Object.create(null) as Record<string, string>;
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq === 0) throw new UsageError(`--build-arg expects NAME=VALUE or NAME, got "${v}"`);
    if (eq > 0) args[v.slice(0, eq)] = v.slice(eq + 1);
    else if (env[v] !== undefined) args[v] = env[v]!;
  }
  return args;
}
