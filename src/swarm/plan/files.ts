// Configs and secrets on a swarm. The engine cannot change their content (an update of the
// data is refused), which is why `docker stack deploy` fails on a changed one until somebody
// renames it by hand. Here each version of a content is its own object, named after the
// content (`<stack>_<key>_<hash>`, names.ts): a changed file is a new object, the services
// that mount it are updated to the new name in the same plan, and the old version is removed
// once no service refers to it any more (the engine refuses to remove one in use, and a
// rolled-back service needs its old version again: so "unused" is judged on the snapshot,
// never on what this plan is about to do).
//
// A config or secret whose name the file fixes (`name:`) cannot be versioned: a change to it
// is refused with a hint rather than silently kept.

import { STACK, SWARM, isSwarmManagedBy, swarmOwnershipLabels } from '../../api/labels.js';
import type { ObservedSwarmFile } from '../../api/swarm-types.js';
import type { SecretSpec } from '../../model/types.js';
import { inChange } from '../../planner/ids.js';
import type { Cause } from '../../planner/types.js';
import type { SwarmPlanContext } from './context.js';
import { CONTENT_HASH_CHARS, swarmFileName } from './names.js';

/**
 * The content's fingerprint kept in a label: no more of the hash than the name shows already,
 * so a label (printed by `plan --json`, `docker secret inspect`) tells nothing the name does
 * not. 40 bits tell a change from no change with a chance of error of 1 in 10^12.
 */
function contentFingerprint(sha256: string): string {
  return sha256.slice(0, CONTENT_HASH_CHARS);
}

export type FileKind = 'config' | 'secret';

export interface SwarmFileRef {
  readonly name: string;
  /** Known when it exists; filled in by the executor from this run's create otherwise. */
  readonly id?: string;
  readonly createOp?: string;
}

const MODEL_KEY = { config: 'configs', secret: 'secrets' } as const;

/** `config:<key>` / `secret:<key>` → the version the services should mount. */
export function planSwarmFiles(ctx: SwarmPlanContext): Map<string, SwarmFileRef> {
  const out = new Map<string, SwarmFileRef>();
  for (const kind of ['config', 'secret'] as const) {
    const keys = new Set<string>();
    for (const name of ctx.scope) for (const ref of ctx.model.services[name]![MODEL_KEY[kind]]) keys.add(ref.source);
    for (const key of [...keys].sort()) {
      const def = ctx.model[MODEL_KEY[kind]][key];
      if (!def) continue; // the loader reports undeclared references
      const ref = planFile(ctx, kind, def);
      if (ref) out.set(`${kind}:${key}`, ref);
    }
  }
  return out;
}

function observedOf(ctx: SwarmPlanContext, kind: FileKind): readonly ObservedSwarmFile[] {
  return kind === 'config' ? ctx.observed.configs : ctx.observed.secrets;
}

function planFile(ctx: SwarmPlanContext, kind: FileKind, def: SecretSpec): SwarmFileRef | undefined {
  const observed = observedOf(ctx, kind);
  if (def.external) {
    const found = observed.find((f) => f.name === def.name);
    if (!found) ctx.problems.push(`${kind} ${def.name} is external but does not exist on the swarm`);
    return found ? { name: found.name, id: found.id } : undefined;
  }
  const content = (kind === 'config' ? ctx.inputs.configs : ctx.inputs.secrets).get(def.key);
  if (!content) {
    ctx.problems.push(`${MODEL_KEY[kind]}.${def.key}: its content could not be read`);
    return undefined;
  }
  const fixedName = def.name !== `${ctx.projectName}_${def.key}`;
  const name = fixedName ? def.name : swarmFileName(def.name, content.sha256);
  const existing = observed.find((f) => f.name === name);
  if (existing) {
    if (!isSwarmManagedBy(existing.labels, ctx.projectName)) {
      ctx.problems.push(`${kind} ${name} exists and was not created by stack: remove it, or declare ${MODEL_KEY[kind]}.${def.key} external`);
      return undefined;
    }
    if (existing.labels[SWARM.contentHash] !== contentFingerprint(content.sha256)) {
      ctx.problems.push(
        `${MODEL_KEY[kind]}.${def.key}: its content changed, but \`name: ${name}\` fixes its name and a swarm cannot change a ${kind}'s content; drop \`name:\` (stack then names each version itself) or give it a new name`,
      );
      return undefined;
    }
    return { name, id: existing.id };
  }
  const labels: Record<string, string> = Object.create(null);
  Object.assign(labels, def.labels, swarmOwnershipLabels(ctx.projectName));
  labels[SWARM.fileKey] = def.key;
  labels[SWARM.contentHash] = contentFingerprint(content.sha256);
  if (ctx.options.stackVersion !== undefined) labels[STACK.version] = ctx.options.stackVersion;
  const previous = observed.filter((f) => isSwarmManagedBy(f.labels, ctx.projectName) && f.labels[SWARM.fileKey] === def.key);
  const cause: Cause =
    previous.length > 0
      ? { kind: 'rotated', text: `content changed (in use: ${previous.map((f) => f.name).sort().join(', ')})` }
      : { kind: 'missing', text: `no ${kind}` };
  const createOp = ctx.builder.add({
    id: `create ${kind} ${name}`,
    kind: `${kind}.create`,
    fileName: name,
    labels,
    content,
    after: [],
    cause,
    ...inChange('create', kind, name),
  });
  return { name, createOp };
}

/**
 * Old versions (and the files of removed keys) that no service refers to in the snapshot,
 * nor will in this plan: removed after `after` (the plan's service removals, which may be
 * what frees them).
 */
export function removeUnusedFiles(ctx: SwarmPlanContext, desired: ReadonlyMap<string, SwarmFileRef>, removedServiceIds: ReadonlySet<string>, after: readonly string[]): void {
  const wanted = new Set([...desired.values()].map((r) => r.name));
  for (const kind of ['config', 'secret'] as const) {
    const inUse = new Set<string>();
    for (const s of ctx.observed.services) {
      if (removedServiceIds.has(s.id)) continue;
      for (const n of kind === 'config' ? s.configNames : s.secretNames) inUse.add(n);
    }
    const unused = observedOf(ctx, kind).filter((f) => isSwarmManagedBy(f.labels, ctx.projectName) && !wanted.has(f.name) && !inUse.has(f.name) && keptKeyOrGone(ctx, kind, f));
    for (const f of [...unused].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      ctx.builder.add({
        id: `remove ${kind} ${f.name}`,
        kind: `${kind}.remove`,
        fileName: f.name,
        fileId: f.id,
        after: [...after],
        cause: { kind: 'unused', text: f.labels[SWARM.fileKey] !== undefined && f.labels[SWARM.fileKey] in ctx.model[MODEL_KEY[kind]] ? 'an old version no service uses' : `no longer in the stack file, and no service uses it` },
        ...inChange('remove', kind, f.name),
      });
    }
  }
}

/**
 * In a run limited to some services (`up web`), a version another service may still be
 * about to need is not judged: only keys that the services in scope use, or keys gone from the
 * file, are cleaned.
 */
function keptKeyOrGone(ctx: SwarmPlanContext, kind: FileKind, f: ObservedSwarmFile): boolean {
  if (!ctx.options.services || ctx.options.services.length === 0) return true;
  const key = f.labels[SWARM.fileKey];
  if (key === undefined || !(key in ctx.model[MODEL_KEY[kind]])) return true;
  return ctx.scope.some((name) => ctx.model.services[name]![MODEL_KEY[kind]].some((r) => r.source === key));
}
