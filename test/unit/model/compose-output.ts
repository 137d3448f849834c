// What `stack config` prints for a model, and that output loaded again: the printed document
// must be a stack file that means the same thing.
import { stringify } from 'yaml';
import { toComposeDocument, type SerialiseOptions } from '../../../src/model/serialise.js';
import type { ServiceSpec, StackModel } from '../../../src/model/types.js';
import { loadModelText, type LoadTextOptions } from '../../helpers/load-text.js';

/** A stack file given as lines. */
export const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** The `stack config` document of one service, as plain JSON data. */
export function printedService(model: StackModel, name: string, options: SerialiseOptions = {}): Record<string, unknown> {
  const doc = JSON.parse(JSON.stringify(toComposeDocument(model, options))) as { services: Record<string, Record<string, unknown>> };
  return doc.services[name]!;
}

/** The model's `stack config` YAML, loaded again (with the same shell environment). */
export async function reloadPrinted(model: StackModel, options: LoadTextOptions = {}, printing: SerialiseOptions = {}): Promise<StackModel> {
  const text = stringify(toComposeDocument(model, printing), { lineWidth: 0, aliasDuplicateObjects: false });
  return loadModelText(text, { projectName: model.projectName, ...options });
}

/** A service spec as plain data without the fields that record where things were written. */
export function withoutOrigins(spec: ServiceSpec): unknown {
  return JSON.parse(JSON.stringify(spec, (key, value: unknown) => (key === 'origins' || key === 'origin' ? undefined : value)));
}
