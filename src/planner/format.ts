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
// Nothing secret is printed: causes are redacted when the planner builds them, and every
// renderer here (text, JSON, lines) redacts again against the values the plan carries
// (`plan.sensitive`), so a copy of a plan renders as safely as the plan.
// What a line says (its verb, object and target) is data the planner put on the operations
// (`change`); nothing is read back out of the display name `group`.

import { InternalError } from '../errors.js';
import { operationTarget } from './ids.js';
import { makeRedactor, redactDeep, type Redactor } from './redact.js';
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
  create: '+',
  recreate: '~',
  start: '>',
  restart: '*',
  disconnect: '~',
  remove: '-',
  wait: '=',
};
const VERB_RANK: Record<Verb, number> = { remove: 0, disconnect: 1, pull: 2, recreate: 3, create: 4, start: 5, restart: 6, wait: 7 };

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
};

function changeOf(op: Operation): PlanChange {
  if (op.change !== undefined) return op.change;
  const object: ChangeObject =
    'container' in op ? 'container' : op.kind === 'image.pull' ? 'image' : op.kind.startsWith('network.') ? 'network' : 'volume';
  return { verb: VERB_OF_KIND[op.kind], object, target: operationTarget(op) };
}

/** The operation whose cause speaks for the whole group: its container's, not its volume's. */
function primary(ops: readonly Operation[]): Operation {
  return (
    ops.find((o) => o.kind === 'container.create') ??
    ops.find((o) => o.kind.startsWith('container.')) ??
    ops.find((o) => o.kind.startsWith('network.')) ??
    ops[0]!
  );
}

/**
 * The redactor for a plan: its own sensitive values (carried inside the plan, so a copy has
 * them too) plus any extra. A plan that lost them (rebuilt from JSON, say) is refused rather
 * than printed unredacted.
 */
function redactorOf(plan: Plan, extra: readonly string[] = []): Redactor {
  const own = (plan.sensitive as { values?: unknown } | undefined)?.values;
  if (!Array.isArray(own)) throw new InternalError('a plan without its sensitive values cannot be rendered');
  return makeRedactor([...(own as string[]), ...extra]);
}

/** The plan's changes, one per group, in display order, causes redacted. */
export function planLines(plan: Plan): PlanLine[] {
  const redactor = redactorOf(plan);
  return linesOf(plan).map((l) => ({ ...l, cause: redactor.text(l.cause) }));
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
    const service = object === 'container' ? (p.service ?? ('container' in p ? p.container.service : undefined)) : undefined;
    lines.push({ verb, object, ...(service !== undefined ? { service } : {}), target, cause, number, group, operationIds: ops.map((o) => o.id) });
  }
  const section = (l: PlanLine) => (l.object === 'image' ? 0 : l.object === 'network' ? 1 : l.object === 'volume' ? 2 : 3);
  return lines.sort(
    (a, b) =>
      section(a) - section(b) ||
      cmp(a.service ?? '', b.service ?? '') ||
      a.number - b.number ||
      VERB_RANK[a.verb] - VERB_RANK[b.verb] ||
      cmp(a.target, b.target),
  );
}

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
};

/**
 * `Plan: 2 to create, 1 to recreate, 1 to remove.` or `No changes.`; in the `done` tense
 * `Done: 2 created, 1 recreated, 1 removed.` or `Nothing done.`
 */
export function planSummary(plan: Plan, tense: Tense = 'plan'): string {
  const lines = linesOf(plan);
  const count = (verbs: Verb[]) => lines.filter((l) => verbs.includes(l.verb)).length;
  const counts: [number, Verb][] = [
    [count(['pull']), 'pull'],
    [count(['create']), 'create'],
    [count(['recreate']), 'recreate'],
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
    if (verb === 'create' || verb === 'pull') return c.green(s);
    if (verb === 'recreate' || verb === 'disconnect') return c.yellow(s);
    if (verb === 'wait') return c.dim(s);
    return c.cyan(s);
  };
  const tense = options.tense ?? 'plan';
  const out: string[] = [];
  for (const l of linesOf(plan)) {
    const cause = redactor.text(l.cause);
    const verb = tense === 'done' ? DONE[l.verb] : l.verb;
    const head =
      l.object === 'container'
        ? `${l.service ?? '?'} (${verb} ${l.target})`
        : `${l.object} ${l.target} (${verb})`;
    out.push(`${paintSymbol(l.verb, SYMBOL[l.verb])} ${head}: ${cause}`);
  }
  for (const w of plan.warnings) {
    const text = `! warning: ${redactor.text(w.message)}`;
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
    changes: linesOf(plan).map((l) => ({
      action: l.verb,
      object: l.object,
      ...(l.service !== undefined ? { service: l.service } : {}),
      target: l.target,
      cause: redactor.text(l.cause),
      operations: l.operationIds,
    })),
    operations: redactDeep(plan.operations, redactor),
    warnings: redactDeep(plan.warnings, redactor),
  };
}
