// Which kind of engine a command deploys to: one Docker engine (`engine`, the default: a
// container per replica) or a Docker Swarm (`swarm`: a service per service, the engine being
// a manager). Said by, in this order: `--target`, STACK_TARGET, `x-stack: {target: ...}` in
// the stack file.

import type { StackModel } from '../model/types.js';
import { UsageError } from '../errors.js';

export type Target = 'engine' | 'swarm';

const TARGETS: readonly Target[] = ['engine', 'swarm'];

function parse(value: string, where: string): Target {
  if ((TARGETS as readonly string[]).includes(value)) return value as Target;
  throw new UsageError(`${where}: unknown target "${value}"`, { hint: `one of: ${TARGETS.join(', ')}` });
}

/** The target, from the command line, the environment, then the file; `engine` when none says. */
export function resolveTarget(requested: string | undefined, env: Readonly<Record<string, string | undefined>>, model?: StackModel): Target {
  if (requested !== undefined) return parse(requested, '--target');
  if (env.STACK_TARGET) return parse(env.STACK_TARGET, 'STACK_TARGET');
  const ext = model?.extensions['x-stack'];
  const fromFile = ext !== null && typeof ext === 'object' ? (ext as Record<string, unknown>)['target'] : undefined;
  if (typeof fromFile === 'string') return parse(fromFile, 'x-stack.target');
  return 'engine';
}
