// `develop.watch` rules to WatchRuleSpecs: every attribute of the Compose Develop
// Specification. The loader checks what compose-go checks (a sync action needs a `target`)
// and what a rule cannot run without (`sync+exec` needs `exec.command`); whether a `rebuild`
// rule has a build to run is the watch step's to refuse (Compose accepts the file, and only
// `watch` fails), which is why each rule keeps where it was written (`origin`).
//
// Compose still honours the deprecated `x-initialSync: true` extension (with a warning) for
// `initial_sync`; so does stack. Stack's own extras live under `x-stack-*` and are kept in
// `extensions` for the watch step to read.

import { type WatchAction, type WatchExecSpec, type WatchRuleSpec } from '../types.js';
import { commandOf } from './command.js';
import { passedThrough } from './environment.js';
import { type Doc, type Env, extensionsOf, hostPath, isMapping, listOrDict, type Path, stringList, toBool, toStr } from './support.js';

const SYNC_ACTIONS: ReadonlySet<WatchAction> = new Set<WatchAction>(['sync', 'sync+restart', 'sync+exec']);

export function normaliseWatch(env: Env, develop: unknown, path: Path): WatchRuleSpec[] {
  if (!isMapping(develop) || !Array.isArray(develop['watch'])) return [];
  const rules: WatchRuleSpec[] = [];
  develop['watch'].forEach((rule, i) => {
    if (isMapping(rule)) rules.push(watchRuleOf(env, rule, [...path, 'watch', i]));
  });
  return rules;
}

function watchRuleOf(env: Env, rule: Doc, at: Path): WatchRuleSpec {
  const action = String(rule['action']) as WatchAction;
  const target = toStr(rule['target']);
  if (SYNC_ACTIONS.has(action) && !target) {
    env.problems.add(at, `a '${action}' rule needs a 'target' (the path in the container)`);
  }
  const exec = isMapping(rule['exec']) ? execOf(env, rule['exec'], [...at, 'exec']) : undefined;
  if (action === 'sync+exec' && !exec) {
    env.problems.add(at, "a 'sync+exec' rule needs 'exec.command'", 'e.g. exec: {command: kill -HUP 1}');
  }
  if (action !== 'sync+exec' && rule['exec'] !== undefined) {
    env.problems.warn([...at, 'exec'], `exec is used only by 'sync+exec' rules; this '${action}' rule ignores it`);
  }
  return {
    action,
    path: hostPath(env, String(rule['path'])),
    ...(target !== undefined ? { target } : {}),
    ignore: stringList(rule['ignore']),
    include: stringList(rule['include']),
    initialSync: initialSyncOf(env, rule, at),
    ...(exec ? { exec } : {}),
    origin: env.problems.origin(at),
    extensions: extensionsOf(rule),
  };
}

/** The command and how to run it; undefined when there is no command to run. */
function execOf(env: Env, exec: Doc, at: Path): WatchExecSpec | undefined {
  const command = commandOf(env, exec['command'], [...at, 'command']);
  if (command === undefined) return undefined;
  const user = toStr(exec['user']);
  const workingDir = toStr(exec['working_dir']);
  return {
    command,
    ...(user !== undefined ? { user } : {}),
    privileged: toBool(env, exec['privileged'], [...at, 'privileged']) ?? false,
    ...(workingDir !== undefined ? { workingDir } : {}),
    // As for the service's own environment: a bare KEY comes from the variables, and is then sensitive.
    environment: listOrDict(exec['environment'], passedThrough(env)),
  };
}

function initialSyncOf(env: Env, rule: Doc, at: Path): boolean {
  const official = toBool(env, rule['initial_sync'], [...at, 'initial_sync']);
  if (official !== undefined) return official;
  // An extension field: never an error, whatever it holds.
  const legacy = rule['x-initialSync'];
  if (legacy === undefined) return false;
  env.problems.warn([...at, 'x-initialSync'], 'x-initialSync is deprecated: use initial_sync');
  return legacy === true || legacy === 'true';
}
