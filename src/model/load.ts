// Loading a stack: the model of an earlier load when the model cache has it (model-cache.ts),
// else the pipeline (pipeline.ts): which files → variables (.env / --env-file under the shell
// environment) → per file: parse with positions, interpolate, include → merge the files in
// order → extends → project name and profiles → validate (schema) → normalise (typed model).

import { cacheKey, lookupModel, storeModel, whyNotCacheable } from './model-cache.js';
import { plainFs, RecordingFs, type ModelFs } from './model-fs.js';
import type { LoadedDocument, LoadOptions } from './load-options.js';
import type { StackModel } from './types.js';

export type { LoadedDocument, LoadOptions, ModelCacheOptions } from './load-options.js';

// The pipeline itself (pipeline.ts: yaml, the generated validator, the normaliser...) is
// loaded only when the model cache does not answer: a no-op `up` on a hit never runs it, and
// does not pay for its modules' start-up either (yaml's alone is ~4 ms; issue 5).
const pipeline = () => import('./pipeline.js');

/** Everything up to (not including) schema validation. Throws StackFileError (exit 65). */
export async function loadDocument(options: LoadOptions, fs: ModelFs = plainFs): Promise<LoadedDocument> {
  return (await pipeline()).loadDocument(options, fs);
}

export async function loadModel(options: LoadOptions): Promise<StackModel> {
  const cache = options.cache;
  const say = (outcome: string): void => options.debug?.(`model cache: ${outcome}`);
  if (!cache || 'off' in cache) {
    say(`skipped (${cache ? cache.off : 'off'})`);
    return (await pipeline()).loadFresh(options, plainFs);
  }
  // stdin cannot be checked again: never cached, never looked up.
  if (options.files?.includes('-')) {
    say('skipped (stdin)');
    return (await pipeline()).loadFresh(options, plainFs);
  }

  const key = cacheKey(options, cache.codeId);
  const found = lookupModel(cache.dir, key);
  if ('model' in found) {
    say('hit');
    return found.model;
  }

  const fs = new RecordingFs();
  const fromEnvironment = new Set<string>();
  let model: StackModel;
  try {
    model = await (await pipeline()).loadFresh(options, fs, fromEnvironment);
  } catch (e) {
    // Errors are always computed fresh, with their positions.
    say('skipped (the load failed)');
    throw e;
  }
  const why = fs.unstable
    ? 'a file changed while it was being read'
    : (whyNotCacheable(model) ??
      (fromEnvironment.size > 0 ? 'the model holds values taken from the environment' : undefined));
  if (why) {
    say(`skipped (${why})`);
    return model;
  }
  const stored = storeModel(cache.dir, key, fs.inputs(), model);
  say('stored' in stored ? `miss (${found.miss})` : `skipped (${stored.skipped})`);
  return model;
}
