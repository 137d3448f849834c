// Loading the stack file(s) for the façade's commands and for `stack config`: the model (from
// the model cache when it answers), its warnings as redacted events, and the document forms
// `config` prints. Never talks to the engine.
//
// The loader is imported when a command needs it, not when the façade is: `stack ls` and
// `stack -p NAME stop` never read a stack file.

import type { LoadedDocument, LoadOptions } from '../model/load-options.js';
import type { StackModel } from '../model/types.js';
import type { RunHooks } from './events.js';
import { redactor } from './redaction.js';

/** Loads the model (parse → … → normalise); its warnings go out as `model-warning` events, redacted. Throws StackFileError (exit 65). */
export async function loadModel(options: LoadOptions, hooks: RunHooks = {}): Promise<StackModel> {
  const { loadModel: loadFromFiles } = await import('../model/load.js');
  const model = await loadFromFiles(options);
  if (hooks.onEvent && model.warnings.length > 0) {
    const redact = redactor(model.sensitiveValues, model.secretValues);
    for (const w of model.warnings) {
      hooks.onEvent({ type: 'model-warning', at: Date.now(), message: redact(w.message), ...(w.path ? { path: w.path } : {}) });
    }
  }
  return model;
}

/** Loads the model without reporting anything. Throws StackFileError (exit 65). */
export async function load(options: LoadOptions): Promise<StackModel> {
  return loadModel(options);
}

/** The merged document before validation (`config --profiles` lists profiles of services that are not enabled). */
export async function loadDocument(options: LoadOptions): Promise<LoadedDocument> {
  const { loadDocument: loadMerged } = await import('../model/load.js');
  return loadMerged(options);
}

/** The model as a Compose document (`stack config`); inline secret contents only with `showSecrets`. */
export async function composeDocument(model: StackModel, options: { readonly showSecrets?: boolean } = {}): Promise<Record<string, unknown>> {
  const { toComposeDocument } = await import('../model/serialise.js');
  return toComposeDocument(model, options) as Record<string, unknown>;
}
