// Compiles the services' `develop.watch` rules into the two questions watch asks:
//   - matchesFor(hostPath): which services must do what about this changed path, and where it
//     goes in the container;
//   - ignored(path, stats?): may chokidar skip this path (and, for a directory, never descend)?
//
// Semantics follow the Compose Specification and docker/compose (pkg/compose/watch.go,
// pkg/watch/dockerignore.go), read at commit f72979427:
//   - a rule covers its `path` and everything below it (a path prefix on whole segments);
//   - `target` + the path relative to `path` ('/'-joined) is the container path;
//   - `ignore` and `include` are `.dockerignore`-syntax patterns relative to the rule's `path`;
//     a pattern that matches a parent directory matches everything below it; `include`, when
//     given, must match and `ignore` must not;
//   - the service's build context `.dockerignore` applies to every rule of that service, for
//     paths inside the context (relative to the context); the sets are separate matchers and a
//     path ignored by any of them is ignored (Compose's composite matcher);
//   - `.git` and editor temp files are always ignored;
//   - every rule that matches a path counts, across and within services (Compose loops over
//     all rules for each event); the batch decides what a combination means.
// Where we deliberately differ from Compose:
//   - `*` + `!dir` works: Compose drops every non-`!` pattern when it sees `*` and matches
//     names instead of relative paths in its initial walk (docker/compose#12236). Here the
//     patterns are kept as written, matched on the path relative to their root, and a
//     directory is only left undescended when no `!` exception could re-include below it;
//   - the stack files (watched to reload the model) never produce an action, a Dockerfile is
//     never synced, and `.git` is never watched, unless a rule's `include` names the path
//     literally (a pattern without wildcards equal to the path or one of its parents);
//   - for a rebuild rule the Dockerfile and the ignore file are never `.dockerignore`d:
//     the builder always receives them, so a change to them must rebuild.
import { basename, resolve, posix } from 'node:path';
import { compileIgnore, type IgnoreMatcher } from '../image/ignore.js';
import { isEditorTempFile } from './editor-temp.js';
import { isWithin, outermost, relativeTo } from './paths.js';
import type { WatchAction, WatchMatch, WatchRuleInput } from './types.js';

/** The build of a service, as far as watch needs it. */
export interface WatchBuildInput {
  /** Absolute build context directory. */
  readonly contextDir: string;
  /** Absolute path of the Dockerfile. */
  readonly dockerfile: string;
  /** Patterns of the context's ignore file (see readBuildIgnore), [] when it has none. */
  readonly ignorePatterns: readonly string[];
  /** Absolute path of that ignore file, when there is one. */
  readonly ignoreFile?: string;
}

export interface WatchServiceInput<R extends WatchRuleInput = WatchRuleInput> {
  readonly service: string;
  /** The service's `develop.watch` rules in file order. */
  readonly rules: readonly R[];
  readonly build?: WatchBuildInput;
}

export interface WatchRulesInput<R extends WatchRuleInput = WatchRuleInput> {
  readonly services: readonly WatchServiceInput<R>[];
  /**
   * Absolute paths of every file the model was loaded from (stack files, overrides, included
   * files, `.env`, env_file, config and secret files): watched for a reload, never synced.
   */
  readonly stackFiles: readonly string[];
  /** More Dockerfiles never to sync (each service's build.dockerfile is added already). */
  readonly dockerfiles?: readonly string[];
}

/** What chokidar passes as the second argument of `ignored`. */
export interface PathStats {
  isDirectory(): boolean;
}

export type IgnoredFn = (path: string, stats?: PathStats) => boolean;

/** One compiled rule: its questions, answered for this rule alone. */
export interface CompiledRule<R extends WatchRuleInput = WatchRuleInput> {
  readonly service: string;
  readonly rule: R;
  readonly ruleIndex: number;
  /** The rule's path, resolved. */
  readonly root: string;
  match(hostPath: string, isDirectory: boolean): WatchMatch<R> | undefined;
  /** For a walk below `root` (the manifest, the initial sync): may this path be skipped? */
  ignored: IgnoredFn;
}

export interface CompiledWatchRules<R extends WatchRuleInput = WatchRuleInput> {
  readonly rules: readonly CompiledRule<R>[];
  /** The paths to watch: every rule path and stack file, none inside another. */
  readonly roots: readonly string[];
  /** Every rule a changed path matched, in service then rule order. */
  matchesFor(hostPath: string, isDirectory: boolean): WatchMatch<R>[];
  isStackFile(hostPath: string): boolean;
  /** For chokidar: true when no rule wants this path and it is not a stack file. */
  ignored: IgnoredFn;
}

const SYNC_ACTIONS: ReadonlySet<WatchAction> = new Set(['sync', 'sync+restart', 'sync+exec']);
const GLOB_CHARS = /[*?[\\]/;

export function compileWatchRules<R extends WatchRuleInput>(input: WatchRulesInput<R>): CompiledWatchRules<R> {
  const stackFiles = new Set(input.stackFiles.map((p) => resolve(p)));
  const dockerfiles = new Set([
    ...(input.dockerfiles ?? []).map((p) => resolve(p)),
    ...input.services.flatMap((s) => (s.build ? [resolve(s.build.dockerfile)] : [])),
  ]);
  const protect: ProtectedPaths = { stackFiles, dockerfiles };
  const rules = input.services.flatMap((s) => s.rules.map((rule, i) => compileRule(s, rule, i, protect)));
  const anchors = [...rules.map((r) => r.root), ...stackFiles];
  const roots = outermost(anchors);
  const isStackFile = (hostPath: string): boolean => stackFiles.has(hostPath);
  return {
    rules,
    roots,
    isStackFile,
    matchesFor(hostPath, isDirectory) {
      const matches: WatchMatch<R>[] = [];
      for (const rule of rules) {
        const match = rule.match(hostPath, isDirectory);
        if (match) matches.push(match);
      }
      return matches;
    },
    ignored(path, stats) {
      if (isStackFile(path)) return false;
      // A directory above a rule's path or a stack file must be descended to reach it (the
      // watcher watches the directory of a single file: chokidar loses a file watched on its
      // own once an editor saves it by rename).
      for (const anchor of anchors) if (path !== anchor && isWithin(path, anchor)) return false;
      for (const rule of rules) if (!rule.ignored(path, stats)) return false;
      return true;
    },
  };
}

interface ProtectedPaths {
  readonly stackFiles: ReadonlySet<string>;
  readonly dockerfiles: ReadonlySet<string>;
}

/** The rule's matchers, each with the root its patterns are relative to. */
interface RuleMatchers {
  readonly root: string;
  readonly include?: IgnoreMatcher;
  /** Literal include patterns: the only way to watch a protected path. */
  readonly namedIncludes: readonly string[];
  readonly ignore: IgnoreMatcher;
  readonly context?: { readonly dir: string; readonly ignore: IgnoreMatcher; readonly alwaysSent: ReadonlySet<string> };
}

function compileRule<R extends WatchRuleInput>(
  service: WatchServiceInput<R>,
  rule: R,
  ruleIndex: number,
  protect: ProtectedPaths,
): CompiledRule<R> {
  const root = resolve(rule.path);
  const build = service.build;
  const m: RuleMatchers = {
    root,
    ...(rule.include.length > 0 ? { include: compileIgnore(rule.include) } : {}),
    namedIncludes: rule.include.filter((p) => !GLOB_CHARS.test(p) && !p.startsWith('!')).map(cleanPattern),
    ignore: compileIgnore(rule.ignore),
    ...(build
      ? {
          context: {
            dir: resolve(build.contextDir),
            ignore: compileIgnore(build.ignorePatterns),
            // The builder always gets these two, whatever the ignore file says.
            alwaysSent: new Set(
              rule.action === 'rebuild'
                ? [resolve(build.dockerfile), ...(build.ignoreFile ? [resolve(build.ignoreFile)] : [])]
                : [],
            ),
          },
        }
        : {}),
  };
  const isSync = SYNC_ACTIONS.has(rule.action);
  const counts = (hostPath: string, isDirectory: boolean): boolean =>
    pathCounts(m, protect, isSync, hostPath, isDirectory);
  return {
    service: service.service,
    rule,
    ruleIndex,
    root,
    match(hostPath, isDirectory) {
      if (!counts(hostPath, isDirectory)) return undefined;
      const rel = relativeTo(root, hostPath)!;
      return {
        service: service.service,
        rule,
        ruleIndex,
        action: rule.action,
        ...(isSync && rule.target !== undefined ? { containerPath: posix.join(rule.target, rel) } : {}),
      };
    },
    ignored(path, stats) {
      if (stats) return stats.isDirectory() ? directoryPrunable(m, path) : !counts(path, false);
      // Unknown type (chokidar asks before its stat): skip only what is skipped either way.
      return directoryPrunable(m, path) && !counts(path, false);
    },
  };
}

/** Does a changed path under this rule lead to its action? */
function pathCounts(
  m: RuleMatchers,
  protect: ProtectedPaths,
  isSync: boolean,
  hostPath: string,
  isDirectory: boolean,
): boolean {
  const rel = relativeTo(m.root, hostPath);
  if (rel === undefined) return false;
  const named = (): boolean => isNamedByInclude(m, rel);
  if (protect.stackFiles.has(hostPath) && !named()) return false;
  if (isSync && protect.dockerfiles.has(hostPath) && !named()) return false;
  if (hasGitSegment(rel) && !named()) return false;
  if (!isDirectory && isEditorTempFile(basename(hostPath))) return false;
  if (rel !== '') {
    if (m.include && !m.include.ignores(rel, isDirectory)) return false;
    if (m.ignore.ignores(rel, isDirectory)) return false;
  }
  if (m.context && !m.context.alwaysSent.has(hostPath)) {
    const relCtx = relativeTo(m.context.dir, hostPath);
    if (relCtx !== undefined && relCtx !== '' && m.context.ignore.ignores(relCtx, isDirectory)) return false;
  }
  return true;
}

/**
 * May a walk skip this directory and everything below it for this rule? Only when a matcher
 * ignores it and none of that matcher's `!` exceptions could re-include something below
 * (the `*` + `!dir` case must still descend). `include` never prunes: a file deep below
 * may match it.
 */
function directoryPrunable(m: RuleMatchers, dir: string): boolean {
  const rel = relativeTo(m.root, dir);
  if (rel === undefined) return true;
  if (rel === '') return false;
  if (hasGitSegment(rel) && !m.namedIncludes.some((named) => isWithin(rel, named) || isWithin(named, rel))) return true;
  if (m.ignore.ignores(rel, true) && !m.ignore.mayReincludeUnder(rel)) return true;
  if (m.context) {
    const relCtx = relativeTo(m.context.dir, dir);
    if (relCtx !== undefined && relCtx !== '' && m.context.ignore.ignores(relCtx, true) && !m.context.ignore.mayReincludeUnder(relCtx)) {
      return [...m.context.alwaysSent].every((kept) => !isWithin(dir, kept));
    }
  }
  return false;
}

function isNamedByInclude(m: RuleMatchers, rel: string): boolean {
  return m.namedIncludes.some((named) => isWithin(named, rel));
}

function hasGitSegment(rel: string): boolean {
  return rel === '.git' || rel.startsWith('.git/') || rel.includes('/.git/') || rel.endsWith('/.git');
}

/** `./a/b/`, `/a/b` → `a/b`: an include as a path relative to the rule. */
function cleanPattern(pattern: string): string {
  return posix.normalize(pattern.trim()).replace(/^(?:\.\/|\/)+/, '').replace(/\/+$/, '');
}
