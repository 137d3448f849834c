// `ulimits` of a service or of a build: a number sets soft and hard; a mapping sets each.

import { dict, type UlimitSpec } from '../types.js';
import { type Env, isMapping, type Path, toInt } from './support.js';

export function ulimitsOf(env: Env, value: unknown, path: Path): Record<string, UlimitSpec> {
  const out = dict<UlimitSpec>();
  if (!isMapping(value)) return out;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (isMapping(v)) {
      const soft = toInt(env, v['soft'], [...path, key, 'soft']);
      const hard = toInt(env, v['hard'], [...path, key, 'hard']);
      if (soft === undefined || hard === undefined) continue;
      if (soft > hard && hard !== -1) env.problems.add([...path, key], `the soft limit (${soft}) is above the hard limit (${hard})`);
      out[key] = { soft, hard };
    } else {
      const n = toInt(env, v, [...path, key]);
      if (n !== undefined) out[key] = { soft: n, hard: n };
    }
  }
  return out;
}
