// The plan as text (what `stack plan` prints and what unit tests compare) and as JSON.
// One line per change (a change is a group of operations: a recreate is stop, remove,
// create, connect, start), grouped by service, in a stable order:
//
//   + network demo_default (create): no network
//   ~ web (recreate demo-web-1): environment.LOG_LEVEL "info" → "debug"
//   + db (create demo-db-1): no container
//   = db (wait demo-db-1 healthy): web depends on db (service_healthy)
//   - old (remove demo-old-1): orphan
//   Plan: 1 to create, 1 to recreate, 1 to remove, 1 wait.
//
// Nothing secret is printed, and nothing that is not secret is hidden. Causes are redacted by
// field when the planner builds them (a sensitive field prints as `(sensitive)`); every
// renderer here (text, JSON, lines) also scrubs the plan's secret values (`plan.sensitive`:
// tokens, wherever they are, an image tag included) out of names, ids and causes, keeping the
// rest of each name readable; request bodies in JSON hide the sensitive fields the container's
// own labels list (dev.stack.sensitive-paths) and any string holding a secret. Values that
// are sensitive only by field (an env_file's `app`) are never hunted for in names. A copy of a
// plan renders as safely as the plan.
// What a line says (its verb, object and target) is data the planner put on the operations
// (`change`); nothing is read back out of the display name `group`.

import { InternalError } from '../errors.js';
import { operationTarget } from './ids.js';
import { REDACTED, makeRedactor, redactDeep, type Redactor } from './redact.js';
import { parseSensitivePaths } from '../api/labels.js';
import { pathKeys } from '../model/sensitive.js';
import type { ContainerCreateBody } from '../api/engine-types.js';
import type { ChangeObject, ChangeVerb, Operation, OperationKind, Plan, PlanChange } from './types.js';

/** The colours the plan text uses. The CLI's painter has them; the planner knows nothing of terminals. */
export interface PlanColors {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export interface FormatOptions {
  readonly color?: PlanColors;
  /** Values to hide in addition to the plan's own (`plan.sensitive`), which are always hidden. */
  readonly sensitiveValues?: readonly string[];
  /**
   * `plan` (default): what will be done (`+ web (create demo-web-1)`, `Plan: 1 to create.`);
   * `done`: what was done, once the plan ran (`+ web (created demo-web-1)`, `Done: 1 created.`),
   * so that the text after `up` never reads as a plan still to come.
   */
  readonly tense?: Tense;
}

export type Tense = 'plan' | 'done';

type Verb = ChangeVerb;

const SYMBOL: Record<Verb, string> = {
  pull: '+',
  build: '+',
  rebuild: '~',
  tag: '+',
  push: '>',
  create: '+',
  recreate: '~',
  start: '>',
  restart: '*',
  disconnect: '~',
  remove: '-',
  wait: '=',
  update: '~',
};
const VERB_RANK: Record<Verb, number> = { remove: 0, disconnect: 1, pull: 2, build: 2, rebuild: 2, tag: 2, push: 2, recreate: 3, update: 3, create: 4, start: 5, restart: 6, wait: 7 };

/** One change of the plan, ready to render: nothing in it is secret. */
export interface PlanLine {
  readonly verb: Verb;
  readonly object: ChangeObject;
  readonly service?: string;
  /** The container, network, volume or image name (plus the condition for waits). */
  readonly target: string;
  /** Redacted against the plan's sensitive values. */
  readonly cause: string;
  readonly number: number;
  readonly group: string;
  /** Ids of the operations of this change, in plan order. */
  readonly operationIds: readonly string[];
}

/** What an operation without a `change` (made by hand, e.g. in a test) says, from its kind alone. */
const VERB_OF_KIND: Record<OperationKind, Verb> = {
  'image.pull': 'pull',
  'image.build': 'build',
  'image.tag': 'tag',
  'image.push': 'push',
  'image.remove': 'remove',
  'network.create': 'create',
  'network.remove': 'remove',
  'network.connect': 'create',
  'network.disconnect': 'disconnect',
  'volume.create': 'create',
  'volume.remove': 'remove',
  'container.create': 'create',
  'container.start': 'start',
  'container.stop': 'remove',
  'container.restart': 'restart',
  'container.remove': 'remove',
  'container.wait': 'wait',
  'service.create': 'create',
  'service.update': 'update',
  'service.remove': 'remove',
  'config.create': 'create',
  'config.remove': 'remove',
  'secret.create': 'create',
  'secret.remove': 'remove',
  'container.copy-files': 'create',
};

/** The object a hand-made operation (no `change`) is about, from its kind alone. */
function objectOfKind(kind: OperationKind): ChangeObject {
  const prefix = kind.slice(0, kind.indexOf('.'));
  return prefix === 'image' ? 'image' : (prefix as ChangeObject);
}

function changeOf(op: Operation): PlanChange {
  if (op.change !== undefined) return op.change;
  const object: ChangeObject = 'container' in op ? 'container' : objectOfKind(op.kind);
  return { verb: VERB_OF_KIND[op.kind], object, target: operationTarget(op) };
}

/** The operation whose cause speaks for the whole group: its container's, not its volume's. */
function primary(ops: readonly Operation[]): Operation {
  return (
    ops.find((o) => o.kind === 'container.create') ??
    ops.find((o) => o.kind.startsWith('container.')) ??
    ops.find((o) => o.kind.startsWith('service.')) ??
    ops.find((o) => o.kind.startsWith('network.')) ??
    ops[0]!
  );
}

/**
 * The redactor for a plan: its own secret values (carried inside the plan, so a copy has them
 * too) plus any extra. A plan that lost them (rebuilt from JSON, say) is refused rather than
 * printed unredacted.
 */
function redactorOf(plan: Plan, extra: readonly string[] = []): Redactor {
  const own = (plan.sensitive as { secrets?: unknown } | undefined)?.secrets;
  if (!Array.isArray(own)) throw new InternalError('a plan without its sensitive values cannot be rendered');
  return makeRedactor([...(own as string[]), ...extra]);
}

/** The plan's changes, one per group, in display order, secrets scrubbed out of names and causes. */
export function planLines(plan: Plan): PlanLine[] {
  const redactor = redactorOf(plan);
  return linesOf(plan).map((l) => scrubLine(l, redactor));
}

function scrubLine(l: PlanLine, redactor: Redactor): PlanLine {
  return {
    ...l,
    target: redactor.scrub(l.target),
    cause: redactor.scrub(l.cause),
    group: redactor.scrub(l.group),
    operationIds: l.operationIds.map((id) => redactor.scrub(id)),
  };
}

/** The lines with causes as the planner wrote them (redacted when written; renderers redact again). */
function linesOf(plan: Plan): PlanLine[] {
  const groups = new Map<string, Operation[]>();
  for (const op of plan.operations) {
    const g = op.group ?? op.id;
    (groups.get(g) ?? groups.set(g, []).get(g)!).push(op);
  }
  const lines: PlanLine[] = [];
  for (const [group, ops] of groups) {
    const p = primary(ops);
    const { verb, object, target } = changeOf(p);
    const number = 'container' in p ? p.container.number : 0;
    // -V inside a container's change: say which anonymous volumes start empty.
    const renewed = object === 'container' ? ops.filter((o) => o.kind === 'volume.remove' && o.cause.kind === 'renew-anonymous-volumes') : [];
    const cause = renewed.length > 0 ? `${p.cause.text}; renews ${renewed.map((o) => (o.kind === 'volume.remove' ? o.volume : '')).join(', ')} (-V)` : p.cause.text;
    const service = object === 'container' || object === 'service' ? (p.service ?? ('container' in p ? p.container.service : undefined)) : undefined;
    lines.push({ verb, object, ...(service !== undefined ? { service } : {}), target, cause, number, group, operationIds: ops.map((o) => o.id) });
  }
  const section = (l: PlanLine) => SECTION[l.object];
  return lines.sort(
    (a, b) =>
      section(a) - section(b) ||
      cmp(a.service ?? '', b.service ?? '') ||
      a.number - b.number ||
      VERB_RANK[a.verb] - VERB_RANK[b.verb] ||
      cmp(a.target, b.target),
  );
}

/** The order of a plan's parts: what services need comes before the services. */
const SECTION: Record<ChangeObject, number> = { image: 0, network: 1, volume: 2, config: 3, secret: 4, container: 5, service: 5 };

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A verb as a line of a plan that ran shows it. */
const DONE: Record<Verb, string> = {
  pull: 'pulled',
  create: 'created',
  recreate: 'recreated',
  start: 'started',
  restart: 'restarted',
  disconnect: 'disconnected',
  remove: 'removed',
  wait: 'waited for',
  build: 'built',
  rebuild: 'rebuilt',
  tag: 'tagged',
  push: 'pushed',
  update: 'updated',
};

/**
 * `Plan: 2 to create, 1 to recreate, 1 to remove.` or `No changes.`; in the `done` tense
 * `Done: 2 created, 1 recreated, 1 removed.` or `Nothing done.`
 */
export function planSummary(plan: Plan, tense: Tense = 'plan'): string {
  const lines = linesOf(plan);
  const count = (verbs: Verb[]) => lines.filter((l) => verbs.includes(l.verb)).length;
  const counts: [number, Verb][] = [
    [count(['build']), 'build'],
    [count(['rebuild']), 'rebuild'],
    [count(['tag']), 'tag'],
    [count(['pull']), 'pull'],
    [count(['push']), 'push'],
    [count(['create']), 'create'],
    [count(['recreate']), 'recreate'],
    [count(['update']), 'update'],
    [count(['start']), 'start'],
    [count(['restart']), 'restart'],
    [count(['remove', 'disconnect']), 'remove'],
  ];
  const wait = count(['wait']);
  const parts = counts.filter(([n]) => n > 0).map(([n, verb]) => (tense === 'done' ? `${n} ${DONE[verb]}` : `${n} to ${verb}`));
  if (wait) parts.push(tense === 'done' ? plural(wait, 'wait', 'waits') + ' passed' : plural(wait, 'wait', 'waits'));
  if (tense === 'done') return parts.length === 0 ? 'Nothing done.' : `Done: ${parts.join(', ')}.`;
  return parts.length === 0 ? 'No changes.' : `Plan: ${parts.join(', ')}.`;
}

export function formatPlan(plan: Plan, options: FormatOptions = {}): string {
  const c = options.color;
  const redactor = redactorOf(plan, options.sensitiveValues);
  const paintSymbol = (verb: Verb, s: string) => {
    if (!c) return s;
    if (verb === 'remove') return c.red(s);
    if (verb === 'create' || verb === 'pull' || verb === 'build' || verb === 'tag') return c.green(s);
    if (verb === 'recreate' || verb === 'rebuild' || verb === 'disconnect' || verb === 'update') return c.yellow(s);
    if (verb === 'wait') return c.dim(s);
    return c.cyan(s);
  };
  const tense = options.tense ?? 'plan';
  const out: string[] = [];
  for (const l of linesOf(plan).map((line) => scrubLine(line, redactor))) {
    const cause = l.cause;
    const verb = tense === 'done' ? DONE[l.verb] : l.verb;
    const head =
      l.object === 'container' || l.object === 'service'
        ? `${l.service ?? '?'} (${verb} ${l.target})`
        : `${l.object} ${l.target} (${verb})`;
    out.push(`${paintSymbol(l.verb, SYMBOL[l.verb])} ${head}: ${cause}`);
  }
  for (const w of plan.warnings) {
    const text = `! warning: ${redactor.scrub(w.message)}`;
    out.push(c ? c.yellow(text) : text);
  }
  const summary = planSummary(plan, tense);
  out.push(c ? c.bold(summary) : summary);
  return out.join('\n') + '\n';
}

/** The plan as data for `stack plan --json`: every string checked against the plan's sensitive values (and any extra). */
export function planToJson(plan: Plan, options: { sensitiveValues?: readonly string[] } = {}): unknown {
  const redactor = redactorOf(plan, options.sensitiveValues);
  return {
    projectName: plan.projectName,
    summary: planSummary(plan),
    changes: linesOf(plan)
      .map((line) => scrubLine(line, redactor))
      .map((l) => ({
        action: l.verb,
        object: l.object,
        ...(l.service !== undefined ? { service: l.service } : {}),
        target: l.target,
        cause: l.cause,
        operations: l.operationIds,
      })),
    operations: plan.operations.map((op) => operationJson(op, redactor)),
    warnings: plan.warnings.map((w) => ({ ...w, message: redactor.scrub(w.message) })),
  };
}

/** Fields of an operation that name things (ids, names, references): secrets scrubbed out, the rest readable. */
const NAME_FIELDS = new Set(['id', 'after', 'group', 'change', 'service', 'container', 'network', 'networkId', 'volume', 'image', 'kind', 'serialKey']);

/**
 * One operation as JSON: its names scrubbed; its request body (what the engine is sent) with
 * the sensitive fields hidden, as the container's own labels list them, and every string that
 * holds a secret.
 */
function operationJson(op: Operation, redactor: Redactor): unknown {
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(op)) {
    if (NAME_FIELDS.has(key)) out[key] = scrubDeep(value, redactor);
    else if (key === 'cause') out[key] = scrubDeep(value, redactor);
    else if (key === 'body' && op.kind === 'container.create') out[key] = redactDeep(hideSensitiveFields(op.body), redactor);
    // Delivered files' contents are secrets: only their count is shown.
    else if (key === 'contents' && op.kind === 'container.copy-files') out[key] = op.contents.toJSON();
    else out[key] = redactDeep(value, redactor);
  }
  return out;
}

function scrubDeep(value: unknown, redactor: Redactor): unknown {
  if (typeof value === 'string') return redactor.scrub(value);
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, redactor));
  if (value !== null && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, redactor);
    return out;
  }
  return value;
}

/** Spec fields (model field names) → where a container create body holds them. */
const BODY_FIELD: Readonly<Record<string, string>> = {
  command: 'Cmd',
  entrypoint: 'Entrypoint',
  workingDir: 'WorkingDir',
  user: 'User',
  image: 'Image',
  hostname: 'Hostname',
  domainname: 'Domainname',
};

/** The body with the fields its labels call sensitive (dev.stack.sensitive-paths) hidden: environment entries, labels, command... */
function hideSensitiveFields(body: ContainerCreateBody): ContainerCreateBody {
  const paths = parseSensitivePaths(body.Labels ?? {});
  if (paths.length === 0) return body;
  const envKeys = new Set<string>();
  const labelKeys = new Set<string>();
  const copy: Record<string, unknown> = { ...body };
  for (const path of paths) {
    const [field, key] = pathKeys(path);
    if (field === 'environment' && typeof key === 'string') envKeys.add(key);
    else if (field === 'labels' && typeof key === 'string') labelKeys.add(key);
    else if (typeof field === 'string' && BODY_FIELD[field] !== undefined && copy[BODY_FIELD[field]] !== undefined) copy[BODY_FIELD[field]] = REDACTED;
  }
  if (envKeys.size > 0 && body.Env) {
    copy.Env = body.Env.map((entry) => {
      const eq = entry.indexOf('=');
      return eq > 0 && envKeys.has(entry.slice(0, eq)) ? `${entry.slice(0, eq)}=${REDACTED}` : entry;
    });
  }
  if (labelKeys.size > 0 && body.Labels) {
    const labels = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(body.Labels)) labels[k] = labelKeys.has(k) ? REDACTED : v;
    copy.Labels = labels;
  }
  return copy as unknown as ContainerCreateBody;
}
