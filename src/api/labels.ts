// Labels: the one place that knows every label stack reads or writes, how each is formatted
// and parsed, and the rules built on them (ownership, one-off containers, replica numbers).
//
// Compose's identity labels make Docker Desktop and `docker compose ps/down` see our stacks;
// our own facts (ownership, hash, last applied spec) live under our prefix. Everything that
// reads labels off an engine object goes through the functions here, so a rule (say, how a
// one-off container is recognised) cannot differ between `up`, `down`, `ps` and `logs`.

import type { Labels } from './engine-types.js';

export type { Labels };

export const COMPOSE = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  dependsOn: 'com.docker.compose.depends_on',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  version: 'com.docker.compose.version',
  configHash: 'com.docker.compose.config-hash',
  image: 'com.docker.compose.image',
} as const;

export const STACK_PREFIX = 'dev.stack.';

export const STACK = {
  /** Present (value `true`) on every object stack created: the ownership mark. */
  managed: 'dev.stack.managed',
  /** Canonical hash of the container's desired spec. */
  configHash: 'dev.stack.config-hash',
  /** The last applied canonical spec (JSON), for reasons down to the field. Sensitive leaves hold a digest, never the value. */
  spec: 'dev.stack.spec',
  /** Canonical hash of a network's or volume's desired spec. */
  resourceHash: 'dev.stack.resource-hash',
  /** Anonymous volumes we create ourselves: `<service>/<number>/<target>`. */
  anonymousVolume: 'dev.stack.anonymous-volume',
  /** Spec paths that held secret values when the container was made (JSON list), so a later plan hides the old value even after the secret rotates. */
  sensitivePaths: 'dev.stack.sensitive-paths',
  /** The stack version that created the object. */
  version: 'dev.stack.version',
  /**
   * On a create probe (a never-started container that checks a recreate's create body before
   * the old container is stopped): the name of the container it stands for. A probe left by
   * a killed run is removed by the next one.
   */
  probe: 'dev.stack.probe',
  /**
   * On an image stack built: the content hash of what went into the build (the filtered
   * context, the Dockerfile, args, target, platform: src/image/context-hash.ts), so that a
   * later plan can tell whether a rebuild is needed without building.
   */
  buildHash: 'dev.stack.build-hash',
  /** The base images a build started from (a digest of `reference=id` lines): `stack build` skips a build whose inputs and bases are unchanged. */
  buildBases: 'dev.stack.build-bases',
  /**
   * On a container created to replace a dependency: the ids of the running dependents with
   * `depends_on.restart: true` that must restart after it (comma-separated). A dependent
   * that started before this container was created has not restarted yet: a run died in
   * between, and the next one finishes the restart.
   */
  restartDependents: 'dev.stack.restart-dependents',
  /**
   * The engine-side project lock (engine/engine-lock.ts): a volume that is never mounted,
   * labelled with the project it locks (`lock`), a random token of its holder (`lockToken`),
   * and who holds it, for the waiter's message and for taking over a stale one.
   */
  lock: 'dev.stack.lock',
  lockToken: 'dev.stack.lock.token',
  lockCommand: 'dev.stack.lock.command',
  lockPid: 'dev.stack.lock.pid',
  lockPidStart: 'dev.stack.lock.pid-start',
  lockHost: 'dev.stack.lock.host',
  lockSince: 'dev.stack.lock.since',
  lockExpires: 'dev.stack.lock.expires',
} as const;

/**
 * The value of `com.docker.compose.version` on what we create: our own version, as a number.
 * Compose writes its version there on every object it creates. docker-compose 1.29 parses
 * the label of every project container as a version (`LooseVersion`, to spot pre-1.21 project
 * names) and crashes without it, or on a value not starting with a number (a string compared
 * with an int); Compose v2 only writes it. So: the dotted numbers our version starts with
 * (`0.1.0` of `0.1.0-rc.1`: a suffix could be compared with a number), else `0.0.0`.
 */
export function composeVersionLabel(stackVersion: string | undefined): string {
  return /^\d+(\.\d+)*/.exec(stackVersion ?? '')?.[0] ?? '0.0.0';
}

/**
 * Labels of the Swarm target. `docker stack` marks every object of a stack with the namespace
 * label (and `docker stack ls/ps/rm` find stacks by it), so ours carry it too; ownership is
 * still our own mark, `dev.stack.managed`.
 */
export const SWARM = {
  namespace: 'com.docker.stack.namespace',
  /** The image as written in the file, before a digest was pinned (as `docker stack deploy` writes it). */
  image: 'com.docker.stack.image',
  /** The key of a config or secret in the stack file (its engine name carries a content hash). */
  fileKey: 'dev.stack.file-key',
  /** The first hex digits of the sha256 of a config's or secret's content (as many as its name shows). */
  contentHash: 'dev.stack.content-hash',
} as const;

/** The filter that selects every swarm object (service, network, config, secret) of one stack. */
export function swarmProjectFilter(projectName: string): string[] {
  return [`${SWARM.namespace}=${projectName}`];
}

/** Ownership on the Swarm target: our mark and the stack's namespace. */
export function isSwarmManagedBy(labels: Labels, projectName: string): boolean {
  return labels[STACK.managed] === 'true' && labels[SWARM.namespace] === projectName;
}

/** The labels every swarm object stack creates carries: the namespace, and our mark. */
export function swarmOwnershipLabels(projectName: string): Record<string, string> {
  const labels: Record<string, string> = Object.create(null);
  labels[SWARM.namespace] = projectName;
  labels[STACK.managed] = 'true';
  return labels;
}

/** The filter that selects everything of one project (ours and foreign objects alike). */
export function projectFilter(projectName: string): string[] {
  return [`${COMPOSE.project}=${projectName}`];
}

/**
 * The engine-side filter for what `isManagedBy` accepts (the same rule, for list and event
 * calls that cannot run a function): the project label and our mark.
 */
export function ownedFilter(projectName: string): string[] {
  return [`${COMPOSE.project}=${projectName}`, `${STACK.managed}=true`];
}

/** Ownership: stack created this object for this project. Objects without the mark are never adopted or touched. */
export function isManagedBy(labels: Labels, projectName: string): boolean {
  return labels[STACK.managed] === 'true' && labels[COMPOSE.project] === projectName;
}

/** The ownership mark and project label every object stack creates carries. */
export function ownershipLabels(projectName: string): Record<string, string> {
  const labels: Record<string, string> = Object.create(null);
  labels[COMPOSE.project] = projectName;
  labels[STACK.managed] = 'true';
  return labels;
}

/** A create probe (see STACK.probe): never a replica, never an orphan, always removed. */
export function isProbe(labels: Labels): boolean {
  return labels[STACK.probe] !== undefined;
}

/** Compose writes `True`/`False`; Compose 1.x and hand-made containers vary in case, so compare without it. */
export function isOneOff(labels: Labels): boolean {
  return (labels[COMPOSE.oneoff] ?? '').toLowerCase() === 'true';
}

export function formatOneOff(oneoff: boolean): string {
  return oneoff ? 'True' : 'False';
}

export function serviceOf(labels: Labels): string {
  return labels[COMPOSE.service] ?? '';
}

/** The replica number, or undefined when the label is absent or not a positive integer (a one-off, or a damaged container). */
export function replicaNumberOf(labels: Labels): number | undefined {
  const n = Number(labels[COMPOSE.containerNumber]);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** The replica number for display and sorting: 0 when there is none. */
export function displayNumberOf(labels: Labels): number {
  return replicaNumberOf(labels) ?? 0;
}

export type DependencyConditionLabel = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface DependsOnEntry {
  readonly service: string;
  readonly condition: DependencyConditionLabel;
  readonly restart: boolean;
}

/** `db:service_healthy:false,cache:service_started:true`, sorted by service, as Compose writes it. */
export function formatDependsOn(entries: readonly DependsOnEntry[]): string {
  return [...entries]
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0))
    .map((d) => `${d.service}:${d.condition}:${d.restart ? 'true' : 'false'}`)
    .join(',');
}

/** Parse a `com.docker.compose.depends_on` label; unknown conditions read as `service_started`. */
export function parseDependsOn(value: string | undefined): DependsOnEntry[] {
  if (!value) return [];
  const out: DependsOnEntry[] = [];
  for (const entry of value.split(',')) {
    const [service, condition, restart] = entry.split(':').map((part) => part.trim());
    if (!service) continue;
    const c: DependencyConditionLabel =
      condition === 'service_healthy' || condition === 'service_completed_successfully' ? condition : 'service_started';
    out.push({ service, condition: c, restart: restart === 'true' });
  }
  return out;
}

/**
 * How the spec label records a sensitive leaf: `(sensitive) sha256:<64 hex>`, a digest in
 * place of the value. A string, so a field compares as one value at its own path (old and
 * new digests of a rotated secret differ exactly there); self-describing in `docker
 * inspect`, with the word our redaction prints. A fingerprint, not encryption: see
 * src/planner/sensitive-spec.ts for what it does and does not protect.
 */
export const SENSITIVE_DIGEST_PREFIX = '(sensitive) sha256:';

export function formatSensitiveDigest(hexDigest: string): string {
  return `${SENSITIVE_DIGEST_PREFIX}${hexDigest}`;
}

export function isSensitiveDigest(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SENSITIVE_DIGEST_PREFIX) && /^[0-9a-f]{64}$/.test(value.slice(SENSITIVE_DIGEST_PREFIX.length));
}

/** The last applied spec recorded on an object (container, network, volume); undefined when absent or unreadable. */
export function parseSpecLabel(labels: Labels): unknown {
  const raw = labels[STACK.spec];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export function formatSensitivePaths(paths: readonly string[]): string | undefined {
  return paths.length > 0 ? JSON.stringify(paths) : undefined;
}

/** The spec paths that were sensitive when the container was made. */
export function parseSensitivePaths(labels: Labels): string[] {
  try {
    const parsed = JSON.parse(labels[STACK.sensitivePaths] ?? '[]') as unknown;
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Labels whose values stack wrote itself (our prefix, and Compose labels we fill in). Output
 * that echoes engine objects' labels (events) leaves these out: they can carry a spec.
 */
export function isWrittenByStack(name: string): boolean {
  return name.startsWith(STACK_PREFIX) || (Object.values(COMPOSE) as string[]).includes(name) || (Object.values(SWARM) as string[]).includes(name);
}

export function formatRestartDependents(containerIds: readonly string[]): string | undefined {
  return containerIds.length > 0 ? [...containerIds].sort().join(',') : undefined;
}

/** The dependents (container ids) a container's creation asked to restart. */
export function parseRestartDependents(labels: Labels): string[] {
  const raw = labels[STACK.restartDependents];
  return raw ? raw.split(',').filter((id) => /^[0-9a-zA-Z]+$/.test(id)) : [];
}
