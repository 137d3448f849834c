// STUB (owned by the model-back work): the valid document → the typed, frozen StackModel.
import type { Locator, ModelWarning, StackModel } from './types.js';

export interface NormaliseContext {
  readonly projectName: string;
  readonly projectDirectory: string;
  readonly configFiles: readonly string[];
  readonly locate: Locator;
  /** The variables interpolation used (shell env over .env/--env-file), for `environment: [FOO]` pass-through and `secrets.*.environment`. */
  readonly variables: Readonly<Record<string, string>>;
  /** Profiles enabled by --profile / STACK_PROFILES / COMPOSE_PROFILES. */
  readonly profiles: readonly string[];
  /** Services named on the command line: they are enabled whatever their profiles. */
  readonly selectedServices: readonly string[];
  /** Collected by earlier stages; normalise appends env_file values and inline secret contents. */
  readonly sensitiveValues: readonly string[];
  readonly warnings: readonly ModelWarning[];
}

export function normalise(doc: unknown, ctx: NormaliseContext): StackModel {
  void doc; void ctx;
  throw new Error('normalise: not implemented yet');
}
