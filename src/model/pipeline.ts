// The uncached loading pipeline, behind load.ts (which answers from the model cache when it
// can, and imports this module only when it cannot): which files → variables → per file:
// parse with positions, interpolate, include → merge → extends → project name and profiles →
// validate (schema) → normalise (typed model).

import { dirname, resolve } from 'node:path';
import { StackFileError } from '../errors.js';
import { parseDotenv } from './dotenv.js';
import { discoverFiles, resolveFiles, resolveProfiles, resolveProjectName } from './discover.js';
import { applyExtends } from './extends.js';
import { applyIncludes } from './include.js';
import { plainFs, type ModelFs } from './model-fs.js';
import { isPlainMap, mergeDocuments, stripTags, taggedPaths } from './merge.js';
import { normalise } from './normalise.js';
import { defaultParseLimits, type ParseLimits } from './parse.js';
import { childPosition, locatorFor } from './positions.js';
import { displayName, loadStackText, readTextFile, type FileContext } from './stack-file.js';
import { dict, type ModelWarning, type StackModel } from './types.js';
import type { LoadedDocument, LoadOptions } from './load-options.js';
import { validateDocument } from './validate.js';

/** Everything up to (not including) schema validation. Throws StackFileError (exit 65). */
export async function loadDocument(options: LoadOptions, fs: ModelFs = plainFs): Promise<LoadedDocument> {
  const cwd = resolve(options.cwd);
  const limits = options.limits ?? defaultParseLimits;
  const configFiles = options.files && options.files.length > 0 ? resolveFiles(options.files, cwd, fs) : discoverFiles(cwd, fs);
  if (configFiles.filter((f) => f === '-').length > 1) {
    throw new StackFileError([{ message: 'stdin (-f -) can be read only once' }]);
  }
  const firstFile = configFiles[0]!;
  const projectDirectory = options.projectDirectory
    ? resolve(cwd, options.projectDirectory)
    : firstFile === '-'
      ? cwd
      : dirname(firstFile);

  const warnings: ModelWarning[] = [];
  const sensitiveValues = new Set<string>();
  const secretValues = new Set<string>();
  const variables = readVariables(options, cwd, projectDirectory, limits, warnings, fs);
  const lookup = (name: string): string | undefined =>
    Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : undefined;
  const ctx: FileContext = { lookup, warnings, warnedVariables: new Set(), sensitiveValues, secretValues, cwd, limits, fs };

  let merged: Record<string, unknown> | undefined;
  const taggedInService = new Map<string, string[][]>();
  for (const file of configFiles) {
    const text = file === '-' ? await readStdinText(options) : readTextFile(file, cwd, limits, 'stack file', fs);
    let doc = loadStackText(text, file, ctx);
    // As in Compose, relative paths in every -f file resolve against the project directory.
    doc = applyIncludes(doc, file, projectDirectory, ctx);
    recordTaggedPaths(doc, taggedInService);
    merged = merged ? mergeDocuments(merged, doc) : (stripTags(doc) as Record<string, unknown>);
  }
  const doc = merged!;
  if (Object.keys(doc).length === 0) {
    // Compose refuses it too ("empty compose file"): an empty file is a mistake, not a stack.
    const names = configFiles.map((f) => displayName(f, cwd));
    throw new StackFileError([
      {
        message: `empty stack file${names.length > 1 ? 's' : ''}: ${names.join(', ')}`,
        ...(names.length === 1 ? { location: { file: names[0]!, line: 1, col: 1 } } : {}),
        hint: 'a stack file needs at least a `services:` section',
      },
    ]);
  }

  const byDisplayName = new Map(configFiles.map((f) => [displayName(f, cwd), f] as const));
  applyExtends(doc, {
    ctx,
    projectDirectory,
    fileOfDisplayName: (name) => byDisplayName.get(name) ?? resolve(cwd, name),
    taggedPaths: (service) => taggedInService.get(service) ?? [],
  });

  if ('version' in doc) {
    // Compose ignores it too; schema validation need not know it.
    warnings.push({ message: 'the top-level `version` is obsolete and ignored', path: 'version', ...locationOf(doc, 'version') });
    delete doc.version;
  }

  const projectName = resolveProjectName({
    ...(options.projectName !== undefined ? { flag: options.projectName } : {}),
    variables,
    fileName: doc.name,
    ...locationOf(doc, 'name', 'fileNameLocation'),
    projectDirectory,
  });
  const profiles = resolveProfiles(options.profiles, variables);

  return {
    doc,
    locate: locatorFor(doc),
    projectName,
    projectDirectory,
    configFiles,
    variables,
    profiles,
    sensitiveValues: [...sensitiveValues],
    secretValues: [...secretValues],
    warnings,
  };
}

/**
 * parse → interpolate → include/extends → merge → validate → normalise. Throws StackFileError
 * (exit 65). With `options.cache`, the model of an earlier identical load is reused when every
 * file it looked at is as it was (model-cache.ts).
 */
/**
 * The uncached pipeline. Every file access goes through `fs`. `fromEnvironment`, when given,
 * collects the variables whose non-empty values the normaliser copied into the model
 * (`environment: [FOO]`, build `args: [FOO]`, `secrets.x.environment`): such values are not in
 * the stack files, so a model holding them is not cached. HOME is left out: the normaliser
 * reads it for `~` in paths, and a home directory in a path is no secret.
 */
export async function loadFresh(options: LoadOptions, fs: ModelFs, fromEnvironment?: Set<string>): Promise<StackModel> {
  const loaded = await loadDocument(options, fs);
  const problems = validateDocument(loaded.doc, loaded.locate);
  if (problems.length > 0) throw new StackFileError(problems);
  const variables = fromEnvironment ? watchReads(loaded.variables, fromEnvironment) : loaded.variables;
  return normalise(loaded.doc, {
    projectName: loaded.projectName,
    projectDirectory: loaded.projectDirectory,
    configFiles: loaded.configFiles,
    locate: loaded.locate,
    variables,
    profiles: loaded.profiles,
    selectedServices: options.services ?? [],
    interpolatedValues: loaded.sensitiveValues,
    secretValues: loaded.secretValues,
    warnings: loaded.warnings,
    fs,
  });
}

function watchReads(variables: Readonly<Record<string, string>>, read: Set<string>): Readonly<Record<string, string>> {
  return new Proxy(variables, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof name === 'string' && name !== 'HOME' && typeof value === 'string' && value !== '') read.add(name);
      return value;
    },
  });
}

/**
 * `!reset` / `!override` under each service, by service name. The merge of the -f files
 * resolves the tags before `extends` runs on the merged document; Compose applies them to the
 * extended base as well (compose-go's reset processor on the base service), so extends must
 * still know where they were.
 */
function recordTaggedPaths(doc: Record<string, unknown>, into: Map<string, string[][]>): void {
  const services = doc.services;
  if (!isPlainMap(services)) return;
  for (const name of Object.keys(services)) {
    const paths = taggedPaths(services[name]);
    if (paths.length > 0) into.set(name, [...(into.get(name) ?? []), ...paths]);
  }
}

function locationOf(doc: object, key: string, as: 'location' | 'fileNameLocation' = 'location') {
  const loc = childPosition(doc, key);
  return loc ? { [as]: loc } : {};
}

async function readStdinText(options: LoadOptions): Promise<string> {
  if (!options.readStdin) throw new StackFileError([{ message: 'cannot read the stack file from stdin here (-f -)' }]);
  return options.readStdin();
}

/**
 * The variables interpolation sees: `.env` in the project directory (or every --env-file,
 * in order, later ones winning), with the shell environment on top. Values in env files
 * may refer to the shell environment and to keys defined before them.
 */
function readVariables(
  options: LoadOptions,
  cwd: string,
  projectDirectory: string,
  limits: ParseLimits,
  warnings: ModelWarning[],
  fs: ModelFs,
): Record<string, string> {
  const shell = dict<string>();
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) shell[k] = v;

  const explicit = options.envFiles && options.envFiles.length > 0;
  const files = explicit ? options.envFiles!.map((f) => resolve(cwd, f)) : [resolve(projectDirectory, '.env')];
  const fromFiles = dict<string>();
  for (const file of files) {
    if (!explicit && fs.stat(file).kind === 'missing') continue;
    const text = readTextFile(file, cwd, limits, 'env file', fs);
    const name = displayName(file, cwd);
    const parsed = parseDotenv(
      text,
      name,
      (key) => (Object.prototype.hasOwnProperty.call(shell, key) ? shell[key] : Object.prototype.hasOwnProperty.call(fromFiles, key) ? fromFiles[key] : undefined),
      { onMissing: (v) => warnings.push({ message: `the "${v}" variable is not set (in ${name}); defaulting to a blank string` }) },
    );
    for (const k of Object.keys(parsed)) fromFiles[k] = parsed[k]!;
  }
  const variables = dict<string>();
  for (const k of Object.keys(fromFiles)) variables[k] = fromFiles[k]!;
  for (const k of Object.keys(shell)) variables[k] = shell[k]!;
  return variables;
}
