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
// Nothing secret is printed: causes are redacted when the planner builds them, and the JSON
// form redacts every string of the operation bodies against the model's sensitive values.

import type { Painter } from '../cli/style.js';
import { makeRedactor, redactDeep } from './redact.js';
import type { Operation, Plan } from './types.js';

export interface FormatOptions {
  readonly color?: Painter;
  /** Defaults to the values `reconcile` recorded for this plan. */
  readonly sensitiveValues?: readonly string[];
}

type Verb = 'pull' | 'create' | 'recreate' | 'start' | 'restart' | 'disconnect' | 'remove' | 'wait';

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

export interface PlanLine {
  readonly verb: Verb;
  /** `image`, `network`, `volume` or `container`. */
  readonly object: 'image' | 'network' | 'volume' | 'container';
  readonly service?: string;
  /** The container, network, volume or image name (plus the condition for waits). */
  readonly target: string;
  readonly cause: string;
  readonly number: number;
  readonly group: string;
  readonly operations: readonly Operation[];
}

function verbOf(group: string): Verb {
  const word = group.split(' ')[0] as Verb;
  return word in SYMBOL ? word : 'create';
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

/** The plan's changes, one per group, in display order. */
export function planLines(plan: Plan): PlanLine[] {
  const groups = new Map<string, Operation[]>();
  for (const op of plan.operations) {
    const g = op.group ?? op.id;
    (groups.get(g) ?? groups.set(g, []).get(g)!).push(op);
  }
  const lines: PlanLine[] = [];
  for (const [group, ops] of groups) {
    const p = primary(ops);
    const verb = verbOf(group);
    const rest = group.slice(group.indexOf(' ') + 1);
    let object: PlanLine['object'] = 'container';
    let target = rest;
    if (p.kind === 'image.pull') {
      object = 'image';
      target = p.image;
    } else if (!('container' in p) && p.kind.startsWith('network.')) {
      object = 'network';
      target = rest.replace(/^network /, '');
    } else if (!('container' in p) && p.kind.startsWith('volume.')) {
      object = 'volume';
      target = rest.replace(/^volume /, '');
    }
    const number = 'container' in p ? p.container.number : 0;
    // -V inside a container's change: say which anonymous volumes start empty.
    const renewed = object === 'container' ? ops.filter((o) => o.kind === 'volume.remove' && o.cause.kind === 'renew-anonymous-volumes') : [];
    const cause = renewed.length > 0 ? `${p.cause.text}; renews ${renewed.map((o) => (o.kind === 'volume.remove' ? o.volume : '')).join(', ')} (-V)` : p.cause.text;
    const service = object === 'container' ? (p.service ?? ('container' in p ? p.container.service : undefined)) : undefined;
    lines.push({ verb, object, ...(service !== undefined ? { service } : {}), target, cause, number, group, operations: ops });
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

/** `Plan: 2 to create, 1 to recreate, 1 to remove.` or `No changes.` */
export function planSummary(plan: Plan): string {
  const lines = planLines(plan);
  const count = (verbs: Verb[]) => lines.filter((l) => verbs.includes(l.verb)).length;
  const parts: string[] = [];
  const pull = count(['pull']);
  const create = count(['create']);
  const recreate = count(['recreate']);
  const start = count(['start']);
  const restart = count(['restart']);
  const remove = count(['remove', 'disconnect']);
  const wait = count(['wait']);
  if (pull) parts.push(`${pull} to pull`);
  if (create) parts.push(`${create} to create`);
  if (recreate) parts.push(`${recreate} to recreate`);
  if (start) parts.push(`${start} to start`);
  if (restart) parts.push(`${restart} to restart`);
  if (remove) parts.push(`${remove} to remove`);
  if (wait) parts.push(plural(wait, 'wait', 'waits'));
  return parts.length === 0 ? 'No changes.' : `Plan: ${parts.join(', ')}.`;
}

export function formatPlan(plan: Plan, options: FormatOptions = {}): string {
  const c = options.color;
  const redactor = makeRedactor(options.sensitiveValues ?? plan.sensitive.values);
  const paintSymbol = (verb: Verb, s: string) => {
    if (!c) return s;
    if (verb === 'remove') return c.red(s);
    if (verb === 'create' || verb === 'pull') return c.green(s);
    if (verb === 'recreate' || verb === 'disconnect') return c.yellow(s);
    if (verb === 'wait') return c.dim(s);
    return c.cyan(s);
  };
  const out: string[] = [];
  for (const l of planLines(plan)) {
    const cause = redactor.text(l.cause);
    const head =
      l.object === 'container'
        ? `${l.service ?? '?'} (${l.verb} ${l.target})`
        : `${l.object} ${l.target} (${l.verb})`;
    out.push(`${paintSymbol(l.verb, SYMBOL[l.verb])} ${head}: ${cause}`);
  }
  for (const w of plan.warnings) {
    const text = `! warning: ${redactor.text(w.message)}`;
    out.push(c ? c.yellow(text) : text);
  }
  out.push(c ? c.bold(planSummary(plan)) : planSummary(plan));
  return out.join('\n') + '\n';
}

/** The plan as data for `stack plan --json`: every string checked against the sensitive values. */
export function planToJson(plan: Plan, options: { sensitiveValues?: readonly string[] } = {}): unknown {
  const redactor = makeRedactor(options.sensitiveValues ?? plan.sensitive.values);
  return {
    projectName: plan.projectName,
    summary: planSummary(plan),
    changes: planLines(plan).map((l) => ({
      action: l.verb,
      object: l.object,
      ...(l.service !== undefined ? { service: l.service } : {}),
      target: l.target,
      cause: redactor.text(l.cause),
      operations: l.operations.map((o) => o.id),
    })),
    operations: redactDeep(plan.operations, redactor),
    warnings: redactDeep(plan.warnings, redactor),
  };
}
