// The closing lines of `up` and `down`: what was applied, on stdout. `up` prints the applied
// plan in the planner's own words (`formatPlan`, the lines `stack plan` shows) so what a
// person reads after a run is exactly what was decided, in the past tense: it was done (a
// "Plan: 8 to create" printed after the progress had finished read as work still to come,
// issue 14 item 7); `down` counts what it removed.

import type { DownResult, Operation, UpResult } from '../../stack/index.js';
import { paint } from '../style.js';
import { formatDuration } from './renderer.js';

export async function summariseApplied(result: UpResult, stream: { isTTY?: boolean }): Promise<string> {
  const { plan, model } = result;
  const imageOps = result.imagePlan?.operations.length ?? 0;
  if (plan.operations.length === 0 && imageOps === 0) {
    const n = Object.keys(model.services).length;
    return `project ${model.projectName}: nothing to do, ${n} service${n === 1 ? '' : 's'} up to date\n`;
  }
  const { formatPlan } = await import('../../stack/index.js');
  // Warnings were shown with the progress already. The copy keeps `plan.sensitive`, the
  // secrets the formatter scrubs; the model's secrets are passed too, for good measure (never
  // its other sensitive values: those are hidden by field, and must not cut into names).
  const format = (p: typeof plan) => {
    const text = formatPlan({ ...p, warnings: [] }, { color: paint(stream), sensitiveValues: model.secretValues, tense: 'done' });
    return text === '' || text.endsWith('\n') ? text : `${text}\n`;
  };
  // The images came first (builds and pulls), then the plan made from what they gave.
  const images = result.imagePlan && imageOps > 0 ? format(result.imagePlan) : '';
  const text = plan.operations.length > 0 || images === '' ? format(plan) : '';
  const total = plan.operations.length + imageOps;
  return `${images}${text}applied ${total} operation${total === 1 ? '' : 's'} in ${formatDuration(result.durationMs)}\n`;
}

export function summariseDown(result: DownResult): string {
  const { plan } = result;
  if (plan.operations.length === 0) return `project ${result.projectName}: nothing to remove\n`;
  const count = (kind: Operation['kind']) => plan.operations.filter((o) => o.kind === kind).length;
  const parts = [
    plural(count('container.remove'), 'container'),
    plural(count('service.remove'), 'service'),
    plural(count('config.remove'), 'config'),
    plural(count('secret.remove'), 'secret'),
    plural(count('network.remove'), 'network'),
    plural(count('volume.remove'), 'volume'),
  ].filter((s): s is string => s !== undefined);
  return `project ${result.projectName}: removed ${parts.length > 0 ? parts.join(', ') : 'nothing'} in ${formatDuration(result.durationMs)}\n`;
}

function plural(n: number, word: string): string | undefined {
  if (n === 0) return undefined;
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
