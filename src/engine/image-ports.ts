// What the executor needs from outside to run image operations, injected by its caller (the
// façade) so that the executor stays free of file I/O and of decisions: the build context as a
// tar and the credentials a build, a pull or a push sends. src/image/image-ports.ts is the
// implementation over the files and the Docker CLI's credentials.

import type { Readable } from 'node:stream';
import type { BuildImageOptions } from './gateway.js';
import type { ImageBuildOp } from '../planner/types.js';

/** A build ready to send: the context, the complete options, and how much of the context went. */
export interface PreparedBuild {
  /** The tar of a local context; null for a remote one (`options.remote`). */
  readonly context: Readable | null;
  readonly options: BuildImageOptions;
  /** Bytes of the context the engine has taken so far. */
  bytesSent(): number;
  /** Something the user should know (a credential helper that is missing...). Never a secret. */
  readonly warnings: readonly string[];
}

export interface RegistryAuth {
  /** The `X-Registry-Auth` value; undefined: anonymous. Never printed. */
  readonly header?: string;
  readonly warnings: readonly string[];
}

export interface ImagePorts {
  /** Opens the build's context and finds the credentials its base images need. */
  prepareBuild(op: ImageBuildOp, signal?: AbortSignal): Promise<PreparedBuild>;
  /** The credentials for pulling or pushing `image`. */
  registryAuth(image: string): Promise<RegistryAuth>;
  /** Called after a pull succeeded (the refresh policies keep when). Must not throw. */
  pulled?(image: string, at: number): Promise<void>;
}

/** What an image operation reports while it runs, for progress events. */
export interface ImageProgress {
  /** Ready to print: `step 3/5: RUN make`, `3 of 5 layers, 12.1 MB of 40.2 MB`. */
  readonly message: string;
  readonly step?: number;
  readonly totalSteps?: number;
  /** Bytes, for pulls and pushes (all layers together). */
  readonly current?: number;
  readonly total?: number;
}
