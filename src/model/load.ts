// STUB (owned by the model-front work): the whole loading pipeline.
import type { StackModel } from './types.js';

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
}

/** parse → interpolate → include/extends → merge → validate → normalise. Throws StackFileError (exit 65). */
export async function loadModel(options: LoadOptions): Promise<StackModel> {
  void options;
  throw new Error('loadModel: not implemented yet');
}
