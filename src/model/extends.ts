// `extends:` — a service starts from another service's definition, in the same file
// (`extends: base` or `{service: base}`) or in another file (`{file: common.yaml, service:
// base}`), and its own keys merge on top with the usual merge rules. The extended file's
// relative paths resolve against that file's directory; the other file's own `extends`
// are followed too. Cycles are an error that names the whole chain.
//
// Runs on the merged document. A relative `file:` resolves against the directory of the
// file that wrote the `extends` key (known from its recorded position).

import { dirname, resolve } from 'node:path';
import { StackFileError, type SourceLocation } from '../errors.js';
import { cloneTree, isPlainMap, mergeServices, removePath } from './merge.js';
import { childPosition, copyChildPosition, formatPath, selfPosition } from './positions.js';
import { absolutiseServicePaths } from './relative-paths.js';
import { displayName, loadStackFile, type FileContext } from './stack-file.js';

type Plain = Record<string, unknown>;

interface Scope {
  /** Absolute path of the file these services come from (undefined: the merged main document). */
  readonly file?: string;
  readonly services: Plain;
}

export interface ExtendsOptions {
  readonly ctx: FileContext;
  /** Absolute path of a file by its display name (positions carry display names). */
  readonly fileOfDisplayName: (name: string) => string | undefined;
  readonly projectDirectory: string;
  /**
   * Key paths, relative to a service of the main document, where its files wrote `!reset` or
   * `!override`: removed from the extended base before the service merges onto it, as Compose
   * does, so the inherited value does not come back (the tags themselves were resolved when the
   * -f files were merged).
   */
  readonly taggedPaths?: (serviceName: string) => readonly (readonly string[])[];
}

/** Resolve every `extends` in `doc.services` (in place). */
export function applyExtends(doc: Plain, options: ExtendsOptions): void {
  const services = doc.services;
  if (!isPlainMap(services)) return;
  const resolver = new ExtendsResolver(options);
  const main: Scope = { services };
  for (const name of Object.keys(services)) {
    if (isPlainMap(services[name])) services[name] = resolver.resolve(main, name, []);
  }
}

class ExtendsResolver {
  private readonly done = new Map<string, Plain>();
  private readonly files = new Map<string, Scope>();

  constructor(private readonly options: ExtendsOptions) {}

  private keyOf(scope: Scope, name: string): string {
    return `${scope.file ?? ''}\u0000${name}`;
  }

  resolve(scope: Scope, name: string, chain: readonly string[]): Plain {
    const key = this.keyOf(scope, name);
    const cached = this.done.get(key);
    if (cached) return cached;
    const service = scope.services[name];
    if (!isPlainMap(service)) return service as Plain;
    const ext = service.extends;
    if (ext === undefined) {
      this.done.set(key, service);
      return service;
    }
    const location = childPosition(service, 'extends') ?? selfPosition(service);
    const path = scope.file ? `services.${name}.extends` : formatPath(['services', name, 'extends']);
    const fail = (message: string, hint?: string): never => {
      throw new StackFileError([{ message, path, ...(location ? { location } : {}), ...(hint ? { hint } : {}) }]);
    };

    let baseName: string;
    let baseFile: string | undefined;
    if (typeof ext === 'string') baseName = ext;
    else if (isPlainMap(ext) && typeof ext.service === 'string') {
      baseName = ext.service;
      if (ext.file !== undefined) {
        if (typeof ext.file !== 'string') fail('extends.file must be a path');
        baseFile = resolve(this.dirOf(scope, location), ext.file as string);
      }
    } else return fail('extends needs a service name: `extends: base` or `extends: {service: base, file: other.yaml}`');

    const here = `${scope.file ? displayName(scope.file, this.options.ctx.cwd) + ':' : ''}${name}`;
    const baseScope = baseFile ? this.fileScope(baseFile, fail) : scope;
    const baseLabel = `${baseScope.file ? displayName(baseScope.file, this.options.ctx.cwd) + ':' : ''}${baseName}`;
    if (chain.includes(baseLabel) || baseLabel === here) {
      fail(`extends cycle: ${[...chain, here, baseLabel].join(' → ')}`);
    }
    if (!Object.prototype.hasOwnProperty.call(baseScope.services, baseName) || !isPlainMap(baseScope.services[baseName])) {
      fail(
        `extends refers to service "${baseName}", which is not defined${baseFile ? ` in ${displayName(baseFile, this.options.ctx.cwd)}` : ''}`,
      );
    }

    const resolvedBase = cloneTree(this.resolve(baseScope, baseName, [...chain, here]));
    // The extended file's relative paths mean "next to that file".
    if (baseScope.file && baseScope.file !== scope.file) absolutiseServicePaths(resolvedBase, dirname(baseScope.file));

    if (!scope.file) for (const p of this.options.taggedPaths?.(name) ?? []) removePath(resolvedBase, p);

    const own = cloneTree(service);
    delete own.extends;
    const merged = mergeServices(resolvedBase, own);
    copyChildPosition(service, 'extends', merged, 'extends');
    this.done.set(key, merged);
    return merged;
  }

  private dirOf(scope: Scope, location: SourceLocation | undefined): string {
    if (scope.file) return dirname(scope.file);
    const fromPosition = location ? this.options.fileOfDisplayName(location.file) : undefined;
    return fromPosition ? dirname(fromPosition) : this.options.projectDirectory;
  }

  private fileScope(file: string, fail: (message: string) => never): Scope {
    const cached = this.files.get(file);
    if (cached) return cached;
    let doc: Plain;
    try {
      doc = loadStackFile(file, this.options.ctx);
    } catch (e) {
      if (e instanceof StackFileError && e.problems.length === 1 && !e.problems[0]!.location) {
        return fail(`extended file not found: ${displayName(file, this.options.ctx.cwd)}`);
      }
      throw e;
    }
    const services = isPlainMap(doc.services) ? doc.services : ({} as Plain);
    const scope: Scope = { file, services };
    this.files.set(file, scope);
    return scope;
  }
}
