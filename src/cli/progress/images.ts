// The closing lines of `pull` and `push`: what was skipped and why, and what failed (with
// --ignore-pull-failures / --ignore-push-failures; without, a failure is the command's error).

import type { TransferResult } from '../../stack/index.js';

export function reportTransfer(result: TransferResult, verb: 'pull' | 'push'): string {
  const lines: string[] = [];
  for (const s of result.skipped) lines.push(`skipped ${s.service} (${s.image}): ${s.reason}`);
  for (const f of result.failed) lines.push(`could not ${verb} ${f.image}${f.service !== undefined ? ` (${f.service})` : ''}: ${f.message}`);
  const done = result.done.length;
  lines.push(`${verb === 'pull' ? 'pulled' : 'pushed'} ${done} image${done === 1 ? '' : 's'}${result.failed.length > 0 ? `, ${result.failed.length} failed` : ''}`);
  return lines.join('\n') + '\n';
}
