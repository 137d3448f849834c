// Turns the command line's global options into what the façade needs: how to load the stack
// file(s), where the engine is, and how progress is shown. Every command that talks to the
// engine or reads a stack file goes through here, so `-f`, `-p`, `--profile`, `-H`... mean the
// same thing everywhere.

import { InvalidArgumentError, Option, type Command } from 'commander';
import type { GlobalOptions } from './options.js';
import type { ConnectOptions, LoadOptions, ReconcileOptions } from '../stack/index.js';
import { UsageError } from '../errors.js';
import { buildId } from '../build-info.js';
import { cacheDir } from '../cache-dir.cjs';

/** How progress is shown once `auto` is resolved against the terminal and the environment. */
export type ProgressMode = 'tty' | 'plain' | 'json' | 'quiet';

export interface CommandContext {
  readonly load: LoadOptions;
  readonly connect: ConnectOptions;
  readonly progress: ProgressMode;
  readonly parallel?: number;
  readonly debug: boolean;
  /** The project name given with -p (or the environment), for commands that work without a file. */
  readonly projectName?: string;
  /** True when the user named files with -f (down then requires them to load). */
  readonly filesGiven: boolean;
  /** `--target`, when given (the façade also reads STACK_TARGET and the file's x-stack.target). */
  readonly target?: string;
}

export interface ContextEnvironment {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { isTTY?: boolean };
  readonly readStdin?: () => Promise<string>;
}

function processEnvironment(): ContextEnvironment {
  return { cwd: process.cwd(), env: process.env, stdout: process.stdout, readStdin: readAllStdin };
}

/** Builds the context of one command run from its merged (global + own) options. */
export function commandContext(
  opts: GlobalOptions,
  services: readonly string[] = [],
  environment: ContextEnvironment = processEnvironment(),
): CommandContext {
  const { cwd, env } = environment;
  const projectName = opts.projectName ?? nonEmpty(env.STACK_PROJECT_NAME) ?? nonEmpty(env.COMPOSE_PROJECT_NAME);
  const debug = opts.debug === true || env.STACK_DEBUG === '1';
  const debugLine = (line: string): void => void process.stderr.write(`debug: ${line}\n`);
  const load: LoadOptions = {
    cwd,
    env,
    ...(opts.file && opts.file.length > 0 ? { files: opts.file } : {}),
    ...(opts.projectName !== undefined ? { projectName: opts.projectName } : {}),
    ...(opts.projectDirectory !== undefined ? { projectDirectory: opts.projectDirectory } : {}),
    ...(opts.profile && opts.profile.length > 0 ? { profiles: opts.profile } : {}),
    ...(opts.envFile && opts.envFile.length > 0 ? { envFiles: opts.envFile } : {}),
    ...(services.length > 0 ? { services } : {}),
    ...(environment.readStdin ? { readStdin: environment.readStdin } : {}),
    cache: modelCache(env),
    ...(debug ? { debug: debugLine } : {}),
  };
  const connect: ConnectOptions = {
    env,
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.context !== undefined ? { context: opts.context } : {}),
    ...(opts.debug ? { debug: debugLine } : {}),
  };
  return {
    load,
    connect,
    progress: resolveProgressMode(opts.progress ?? 'auto', environment.stdout, env),
    ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
    debug,
    ...(projectName !== undefined ? { projectName } : {}),
    filesGiven: (opts.file?.length ?? 0) > 0,
    ...(opts.target !== undefined ? { target: opts.target } : {}),
  };
}

/**
 * `auto` becomes the live task view only in an interactive terminal outside CI; anywhere else
 * (pipes, log files, CI runners, TERM=dumb) one plain line per finished operation reads better
 * and never rewrites lines.
 */
export function resolveProgressMode(
  requested: NonNullable<GlobalOptions['progress']>,
  stdout: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): ProgressMode {
  if (requested !== 'auto') return requested;
  if (stdout.isTTY !== true) return 'plain';
  if (isCi(env) || env.TERM === 'dumb') return 'plain';
  return 'tty';
}

function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return true;
  return env.GITHUB_ACTIONS === 'true' || env.BUILDKITE === 'true' || env.GITLAB_CI !== undefined;
}

/**
 * The model cache (model/model-cache.ts) is on only for the bundled CLI: its entries are keyed
 * by the bundle's build id, so a rebuilt CLI never reuses what older code computed. Unbundled
 * code (a bare `tsc` build, STACK_BUNDLE=0) has no id that names it, so it does not cache.
 * STACK_CACHE=0 turns it off (cacheDir).
 */
function modelCache(env: Readonly<Record<string, string | undefined>>): NonNullable<LoadOptions['cache']> {
  const codeId = buildId();
  if (codeId === undefined) return { off: 'unbundled: no build id' };
  const dir = cacheDir('model', env as NodeJS.ProcessEnv);
  if (dir === undefined) return { off: 'STACK_CACHE is off, or there is no cache directory' };
  return { dir, codeId };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

// --- flags shared by `up` and `plan` ----------------------------------------------------------

/** The options `up` and `plan` share, so `stack plan` shows exactly what `stack up` would do. */
export interface ReconcileFlags {
  readonly forceRecreate?: boolean;
  /** commander's `--no-recreate`: false when given. */
  readonly recreate?: boolean;
  readonly alwaysRecreateDeps?: boolean;
  /** `--no-deps`: false when given. */
  readonly deps?: boolean;
  /** `--no-start`: false when given. */
  readonly start?: boolean;
  readonly removeOrphans?: boolean;
  readonly scale?: string[];
  readonly renewAnonVolumes?: boolean;
  readonly yes?: boolean;
  readonly takeOver?: boolean;
  readonly wait?: boolean;
  readonly waitTimeout?: number;
  readonly timeout?: number;
  readonly resolveImage?: 'always' | 'never';
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function nonNegativeSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of seconds, got "${value}"`);
  return n;
}

export function addReconcileFlags(cmd: Command): Command {
  return cmd
    .option('--force-recreate', 'recreate containers even if their configuration has not changed')
    .option('--no-recreate', 'never recreate existing containers (create only what is missing)')
    .option('--always-recreate-deps', 'recreate the dependencies of the services that are recreated')
    .option('--no-deps', 'do not bring up the dependencies of the named services')
    .option('--no-start', 'create what is missing but start nothing')
    .option('--remove-orphans', 'remove containers of services that are no longer in the stack file')
    .option('--scale <service=n>', 'run n replicas of a service (repeatable; overrides `scale`)', collect)
    .option('-V, --renew-anon-volumes', 'recreate anonymous volumes instead of keeping their data')
    .option('-y, --yes', 'allow destructive changes (a changed volume is removed and created again)')
    .option('--take-over', 'the project was brought up from another folder: make this folder\'s file the project\'s (recreate and remove its containers)')
    .option('--wait', 'wait until every started service is running (healthy when it has a healthcheck)')
    .option('--wait-timeout <seconds>', 'bound on each wait (dependency conditions and --wait)', nonNegativeSeconds)
    .option('-t, --timeout <seconds>', 'seconds to wait for a container to stop before it is killed', nonNegativeSeconds)
    .addOption(new Option('--resolve-image <when>', 'swarm target: pin each image to the digest a registry gives (always, the default) or deploy it as written (never)').choices(['always', 'never']));
}

/** `--scale web=3 --scale worker=0` → `{ web: 3, worker: 0 }`. */
export function parseScale(values: readonly string[] | undefined): Record<string, number> | undefined {
  if (!values || values.length === 0) return undefined;
  const out = Object.create(null) as Record<string, number>;
  for (const v of values) {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m) throw new UsageError(`--scale expects service=number, got "${v}"`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function reconcileOptionsFrom(flags: ReconcileFlags, services: readonly string[]): ReconcileOptions {
  if (flags.forceRecreate && flags.recreate === false) throw new UsageError('--force-recreate and --no-recreate cannot be used together');
  const scale = parseScale(flags.scale);
  return {
    ...(services.length > 0 ? { services } : {}),
    ...(flags.forceRecreate ? { forceRecreate: true } : {}),
    ...(flags.recreate === false ? { noRecreate: true } : {}),
    ...(flags.alwaysRecreateDeps ? { alwaysRecreateDeps: true } : {}),
    ...(flags.deps === false ? { noDeps: true } : {}),
    ...(flags.start === false ? { noStart: true } : {}),
    ...(flags.removeOrphans ? { removeOrphans: true } : {}),
    ...(scale ? { scale } : {}),
    ...(flags.renewAnonVolumes ? { renewAnonVolumes: true } : {}),
    ...(flags.yes ? { assumeYes: true } : {}),
    ...(flags.takeOver ? { takeOver: true } : {}),
    ...(flags.wait ? { wait: true } : {}),
    ...(flags.waitTimeout !== undefined ? { waitTimeoutMs: Math.round(flags.waitTimeout * 1000) } : {}),
    ...(flags.timeout !== undefined ? { stopTimeoutSeconds: flags.timeout } : {}),
  };
}
