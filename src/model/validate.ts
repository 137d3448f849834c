// STUB (owned by the model-back work): JSON Schema validation with ajv.
import type { StackFileProblem } from '../errors.js';
import type { Locator } from './types.js';
/**
 * Validate the interpolated, merged document against schema/stack.schema.json. Returns a
 * bounded list of problems, most specific first (empty when valid), each with the dotted
 * path, file:line:col from `locate`, a message a person understands and "did you mean".
 */
export function validateDocument(doc: unknown, locate: Locator): StackFileProblem[] {
  void doc; void locate;
  return [];
}
