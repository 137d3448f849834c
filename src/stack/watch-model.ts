// The model as watch needs it: loaded with a record of every file the load read (so that the
// stack files, overrides, included and extended files, `.env`, `--env-file` and `env_file`
// files are watched too), the config and secret files the model points at, and the services'
// `develop.watch` rules in the shape the watch core compiles.
//
// The load goes through the model's RecordingFs (model-fs.ts), the same record the model cache
// keeps: whatever the loader reads is watched, with no second list to keep in step.

import { dirname, resolve } from 'node:path';
import type { LoadOptions } from '../model/load-options.js';
import type { ServiceSpec, StackModel, WatchRuleSpec } from '../model/types.js';
import type { WatchRulesInput, WatchServiceInput } from '../watch/rules.js';
import { UsageError } from '../errors.js';

export interface WatchedModel {
  readonly model: StackModel;
  /** Absolute paths whose change means "load the model again". */
  readonly inputFiles: readonly string[];
}

/**
 * Loads the model fresh (never from the model cache: the cache does not say what it read),
 * recording its inputs. Throws StackFileError (exit 65) as every load does.
 */
export async function loadWatchedModel(options: LoadOptions): Promise<WatchedModel> {
  const [{ loadFresh }, { RecordingFs }] = await Promise.all([import('../model/pipeline.js'), import('../model/model-fs.js')]);
  const fs = new RecordingFs();
  const model = await loadFresh(options, fs);
  return { model, inputFiles: inputFilesOf(model, fs.inputs()) };
}

/**
 * Every file read, the missing files probed next to them (a `.env` or an override created
 * later counts too), and the model's config and secret files.
 */
export function inputFilesOf(model: StackModel, inputs: { readonly probes: Readonly<Record<string, string>>; readonly reads: Readonly<Record<string, string>> }): string[] {
  const read = Object.keys(inputs.reads).filter((p) => p !== '-');
  const readDirs = new Set(read.map((p) => dirname(p)));
  const appearing = Object.keys(inputs.probes).filter((p) => inputs.probes[p] === 'missing' && readDirs.has(dirname(p)));
  const referenced = [...Object.values(model.configs), ...Object.values(model.secrets)].flatMap((s) => (!s.external && s.file ? [s.file] : []));
  return [...new Set([...read, ...appearing, ...referenced].map((p) => resolve(p)))].sort();
}

/** The services to watch: those named (all when none is), that have `develop.watch` rules. */
export function watchedServices(model: StackModel, named: readonly string[]): ServiceSpec[] {
  for (const name of named) {
    if (!Object.hasOwn(model.services, name)) {
      throw new UsageError(`no such service: ${name}`, { hint: `services in the stack file: ${Object.keys(model.services).sort().join(', ')}` });
    }
  }
  const candidates = named.length > 0 ? named.map((n) => model.services[n]!) : Object.values(model.services);
  return candidates.filter((s) => s.watch.length > 0).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What the rule compiler takes: each watched service's rules, its build's ignore file, the input files. */
export async function watchRulesInput(services: readonly ServiceSpec[], inputFiles: readonly string[]): Promise<WatchRulesInput<WatchRuleSpec>> {
  const { readBuildIgnore } = await import('../watch/build-ignore.js');
  const inputs: WatchServiceInput<WatchRuleSpec>[] = [];
  for (const service of services) {
    for (const rule of service.watch) {
      if (rule.action === 'rebuild' && !localBuild(service)) {
        const where = rule.origin?.location ? `${rule.origin.location.file}:${rule.origin.location.line}:${rule.origin.location.col}: ` : '';
        throw new UsageError(`${where}${rule.origin?.path ?? `services.${service.name}.develop.watch`}: a 'rebuild' rule needs a local 'build' for service ${service.name}`, {
          hint: 'add a build section (build: .) or use sync, restart or sync+restart',
        });
      }
    }
    const build = localBuild(service);
    inputs.push({
      service: service.name,
      rules: service.watch,
      ...(build ? { build: await readBuildIgnore(build.context, build.dockerfile ?? 'Dockerfile') } : {}),
    });
  }
  return { services: inputs, stackFiles: inputFiles };
}

function localBuild(service: ServiceSpec): ServiceSpec['build'] | undefined {
  return service.build && service.build.contextKind === 'local' ? service.build : undefined;
}
