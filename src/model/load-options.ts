// What a load is asked and what its first half returns: the types load.ts, pipeline.ts and
// model-cache.ts share. A leaf of its own, so that none of the three imports another only for
// a type (load.ts imports the other two; they used to import these types back from it).

import type { ParseLimits } from './parse.js';
import type { Locator, ModelWarning } from './types.js';

/** Where the model cache keeps its entries, and which code they belong to (model-cache.ts). */
export interface ModelCacheOptions {
  /** The directory that holds the entries (cacheDir('model')). */
  readonly dir: string;
  /** What the running code is (the CLI's build id): entries of other code are never used. */
  readonly codeId: string;
}

export interface LoadOptions {
  /** -f values in order; `-` is stdin. Empty: discover stack.yaml / compose.yaml ... in cwd or its parents. */
  readonly files?: readonly string[];
  readonly projectName?: string;
  readonly projectDirectory?: string;
  readonly profiles?: readonly string[];
  /** --env-file values; default `.env` in the project directory. */
  readonly envFiles?: readonly string[];
  /** Services named on the command line (enable their profiles). */
  readonly services?: readonly string[];
  readonly cwd: string;
  /** The shell environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads stdin for `-f -`. */
  readonly readStdin?: () => Promise<string>;
  /** Resource caps for parsing (tests lower them). */
  readonly limits?: ParseLimits;
  /**
   * Reuse the model of an earlier load with the same options when none of its inputs changed
   * (model-cache.ts). Off by default; `{ off }` says why, for --debug.
   */
  readonly cache?: ModelCacheOptions | { readonly off: string };
  /** Receives one line on what the model cache did (`--debug`). Never values. */
  readonly debug?: (line: string) => void;
}

/** The merged, interpolated document and everything known about it, before validation. */
export interface LoadedDocument {
  /** Plain data: null-prototype objects for mappings, arrays, scalars. */
  readonly doc: Record<string, unknown>;
  readonly locate: Locator;
  readonly projectName: string;
  readonly projectDirectory: string;
  /** Absolute paths (`-` for stdin), in merge order. */
  readonly configFiles: readonly string[];
  /** What interpolation used: shell environment over .env / --env-file. */
  readonly variables: Readonly<Record<string, string>>;
  /** Profiles enabled by --profile / STACK_PROFILES / COMPOSE_PROFILES. */
  readonly profiles: readonly string[];
  /** Every value interpolation substituted. */
  readonly sensitiveValues: readonly string[];
  /** The substituted values of variables whose names look secret (sensitive.ts). */
  readonly secretValues: readonly string[];
  readonly warnings: readonly ModelWarning[];
}
