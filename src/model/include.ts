// `include:` — pull other stack files in as sub-projects (Compose Specification, include.md;
// compose-go loader/include.go):
//
//   include:
//     - ../shared/db.yaml                      # short form
//     - path: [a.yaml, a.override.yaml]       # long form: merged like -f a -f b
//       project_directory: ../shared          # default: the first file's directory
//       env_file: ../shared/.env              # default: .env in project_directory
//
// Included files are interpolated with the including project's variables overlaid by the
// include's env files, their relative paths resolve against their own project directory,
// and a resource defined both by an included file and by the including file is an error
// unless both definitions are identical.

import { dirname, resolve } from 'node:path';
import { StackFileError } from '../errors.js';
import { canonicalJson } from './hash.js';
import { parseDotenv } from './dotenv.js';
import { cloneTree, isPlainMap, mergeDocuments, stripTags } from './merge.js';
import { childPosition, copyChildPosition, formatPath, selfPosition } from './positions.js';
import { absolutiseDocumentPaths } from './relative-paths.js';
import { displayName, loadStackFile, readTextFile, type FileContext } from './stack-file.js';
import { dict } from './types.js';
import type { ModelFs } from './model-fs.js';

type Plain = Record<string, unknown>;

const importedSections = ['services', 'networks', 'volumes', 'secrets', 'configs', 'models'] as const;

interface IncludeEntry {
  readonly paths: string[];
  readonly projectDirectory: string;
  readonly envFiles: string[];
  readonly index: number;
}

/**
 * Resolve the `include:` section of `doc` (a file from `file`, whose relative paths resolve
 * against `workingDir`) and merge what it brings in. `chain` holds the files being
 * included, to report cycles. Returns the document without its `include` key.
 */
export function applyIncludes(doc: Plain, file: string, workingDir: string, ctx: FileContext, chain: readonly string[] = []): Plain {
  const raw = doc.include;
  if (raw === undefined) return doc;
  delete doc.include;
  if (raw === null) return doc;
  if (!Array.isArray(raw)) {
    throw new StackFileError([{ message: 'include must be a list of files or {path, project_directory, env_file} entries', path: 'include', location: selfPosition(raw as object) ?? selfPosition(doc) }]);
  }

  const entries = raw.map((item, index) => readEntry(item, index, workingDir, ctx.fs, () => childPosition(raw, index) ?? selfPosition(raw) ?? selfPosition(doc)));
  for (const entry of entries) {
    const location = childPosition(raw, entry.index);
    for (const p of entry.paths) {
      const including = [...chain, file];
      if (including.includes(p)) {
        throw new StackFileError([
          {
            message: `include cycle: ${[...chain, file, p].map((f) => displayName(f, ctx.cwd)).join(' → ')}`,
            path: `include[${entry.index}]`,
            ...(location ? { location } : {}),
          },
        ]);
      }
      if (ctx.fs.stat(p).kind === 'missing') {
        throw new StackFileError([
          {
            message: `included file not found: ${displayName(p, ctx.cwd)}`,
            path: `include[${entry.index}]`,
            ...(location ? { location } : {}),
          },
        ]);
      }
    }

    // Variables: the including project's, overlaid by the include's env files.
    const includeVars = dict<string>();
    for (const envFile of entry.envFiles) {
      const text = readTextFile(envFile, ctx.cwd, ctx.limits, 'env file', ctx.fs);
      const parsed = parseDotenv(text, displayName(envFile, ctx.cwd), (name) => includeVars[name] ?? ctx.lookup(name));
      for (const k of Object.keys(parsed)) includeVars[k] = parsed[k]!;
    }
    const childCtx: FileContext = {
      ...ctx,
      lookup: (name) => (Object.prototype.hasOwnProperty.call(includeVars, name) ? includeVars[name] : ctx.lookup(name)),
    };

    let included: Plain | undefined;
    for (const p of entry.paths) {
      let part = loadStackFile(p, childCtx);
      part = applyIncludes(part, p, entry.projectDirectory, childCtx, [...chain, file]);
      included = included ? mergeDocuments(included, part) : (stripTags(part) as Plain);
    }
    if (!included) continue;
    absolutiseDocumentPaths(included, entry.projectDirectory);
    importResources(doc, included, entry, ctx, location);
  }
  return doc;
}

function readEntry(item: unknown, index: number, workingDir: string, fs: ModelFs, where: () => ReturnType<typeof childPosition>): IncludeEntry {
  const bad = (message: string): never => {
    const location = where();
    throw new StackFileError([{ message, path: `include[${index}]`, ...(location ? { location } : {}) }]);
  };
  let paths: string[];
  let projectDirectory: string | undefined;
  let envFiles: string[] | undefined;
  if (typeof item === 'string') paths = [item];
  else if (isPlainMap(item)) {
    const p = item.path;
    if (typeof p === 'string') paths = [p];
    else if (Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string')) paths = p as string[];
    else return bad('include needs a path (a file or a list of files)');
    for (const k of Object.keys(item)) {
      if (k !== 'path' && k !== 'project_directory' && k !== 'env_file' && !k.startsWith('x-')) bad(`unknown key "${k}" in include (allowed: path, project_directory, env_file)`);
    }
    if (item.project_directory !== undefined) {
      if (typeof item.project_directory !== 'string') bad('include project_directory must be a path');
      projectDirectory = resolve(workingDir, item.project_directory as string);
    }
    const e = item.env_file;
    if (typeof e === 'string') envFiles = [resolve(workingDir, e)];
    else if (Array.isArray(e) && e.every((x) => typeof x === 'string')) envFiles = (e as string[]).map((x) => resolve(workingDir, x));
    else if (e !== undefined) bad('include env_file must be a path or a list of paths');
  } else return bad('include entries are file paths or {path, project_directory, env_file}');
  const absPaths = paths.map((p) => resolve(workingDir, p));
  const dir = projectDirectory ?? dirname(absPaths[0]!);
  if (!envFiles) {
    const dotenv = resolve(dir, '.env');
    envFiles = fs.stat(dotenv).kind !== 'missing' ? [dotenv] : [];
  }
  return { paths: absPaths, projectDirectory: dir, envFiles, index };
}

function importResources(target: Plain, source: Plain, entry: IncludeEntry, ctx: FileContext, includeLocation: ReturnType<typeof childPosition>): void {
  for (const section of importedSections) {
    const from = source[section];
    if (!isPlainMap(from)) continue;
    let into = target[section];
    if (!isPlainMap(into)) {
      into = dict<unknown>();
      target[section] = into;
      if (includeLocation) copyChildPosition(source, section, target, section);
    }
    const intoMap = into as Plain;
    for (const name of Object.keys(from)) {
      if (Object.prototype.hasOwnProperty.call(intoMap, name)) {
        if (canonicalJson(intoMap[name]) === canonicalJson(from[name])) continue;
        const location = childPosition(intoMap, name) ?? includeLocation;
        throw new StackFileError([
          {
            message: `${section}.${name} conflicts with a resource of the same name imported from ${entry.paths.map((p) => displayName(p, ctx.cwd)).join(', ')}`,
            path: formatPath([section, name]),
            ...(location ? { location } : {}),
            hint: 'rename one of them, or remove the definition from one of the files',
          },
        ]);
      }
      intoMap[name] = cloneTree(from[name]);
      copyChildPosition(from, name, intoMap, name);
    }
  }
}
