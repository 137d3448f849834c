// `pre_start`, `post_start` and `pre_stop` (Compose lifecycle hooks) and `provider:`, read into
// the model so that a stack file using them loads, prints in `stack config`, and is judged by
// the planner (which refuses a provider service and warns that hooks are not run) instead of
// failing as an unknown key or as "neither an image nor a build section".

import { dict, type HookSpec, type PreStartHookSpec, type ProviderSpec, type ServiceHooks } from '../types.js';
import { commandOf } from './command.js';
import { passedThrough } from './environment.js';
import { containerPath, type Doc, type Env, isMapping, listOrDict, type Path, toBool, toStr } from './support.js';

/** The service's hooks; undefined when it declares none. */
export function hooksOf(env: Env, s: Doc, at: (...rest: (string | number)[]) => Path): ServiceHooks | undefined {
  const list = (key: string) => (Array.isArray(s[key]) ? (s[key] as unknown[]) : []);
  const preStart = list('pre_start').flatMap((h, i) => (isMapping(h) ? [preStartHookOf(env, h, at('pre_start', i))] : []));
  const postStart = list('post_start').flatMap((h, i) => (isMapping(h) ? hookOf(env, h, at('post_start', i)) : []));
  const preStop = list('pre_stop').flatMap((h, i) => (isMapping(h) ? hookOf(env, h, at('pre_stop', i)) : []));
  if (preStart.length + postStart.length + preStop.length === 0) return undefined;
  return { preStart, postStart, preStop };
}

function commonOf(env: Env, h: Doc, at: Path): Omit<HookSpec, 'command'> {
  const user = toStr(h['user']);
  const workingDir = toStr(h['working_dir']);
  return {
    ...(user !== undefined ? { user } : {}),
    privileged: toBool(env, h['privileged'], [...at, 'privileged']) ?? false,
    ...(workingDir !== undefined ? { workingDir: containerPath(workingDir) } : {}),
    // As for the service's own environment: a bare KEY comes from the variables, and is then sensitive.
    environment: listOrDict(h['environment'], passedThrough(env)),
  };
}

/** A hook run in the service's container: none when its command is missing (the schema requires one). */
function hookOf(env: Env, h: Doc, at: Path): HookSpec[] {
  const command = commandOf(env, h['command'], [...at, 'command']);
  return command === undefined ? [] : [{ command, ...commonOf(env, h, at) }];
}

function preStartHookOf(env: Env, h: Doc, at: Path): PreStartHookSpec {
  const command = commandOf(env, h['command'], [...at, 'command']);
  const image = toStr(h['image']);
  const perReplica = toBool(env, h['per_replica'], [...at, 'per_replica']);
  return {
    ...(command !== undefined ? { command } : {}),
    ...(image !== undefined ? { image } : {}),
    ...(perReplica !== undefined ? { perReplica } : {}),
    ...commonOf(env, h, at),
  };
}

/** `provider: {type, options}`; option values are strings, or lists of strings. */
export function providerOf(value: unknown): ProviderSpec | undefined {
  if (!isMapping(value)) return undefined;
  const options = dict<string | readonly string[]>();
  const raw = isMapping(value['options']) ? value['options'] : {};
  for (const key of Object.keys(raw)) {
    const v = raw[key];
    if (v === null || v === undefined) continue;
    options[key] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return { type: String(value['type']), options };
}
