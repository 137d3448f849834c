// The executor's image ports (engine/image-ports.ts) over this machine: a build's context as a
// tar read straight from the files (context-tar.ts), the credentials of the registries its
// Dockerfile pulls from (base-images.ts, credentials.ts: only those, never every credential the
// user has), the credentials of a pull or push, and the record of when an image was pulled
// (pull-times.ts, for the refresh policies). One instance per run: the Docker config is read
// once, each registry's credential looked up once.

import { readFileSync } from 'node:fs';
import type { ImagePorts, PreparedBuild, RegistryAuth } from '../engine/image-ports.js';
import type { ImageBuildOp } from '../planner/types.js';
import { baseImages } from './base-images.js';
import { resolveBuildContext } from './build-context.js';
import { contextReadError } from './context-files.js';
import { createContextTar } from './context-tar.js';
import { RegistryCredentials } from './credentials.js';
import type { PullTimes } from './pull-times.js';

export interface ImagePortsOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Shared with the rest of the run; default: a new one over `env`. */
  readonly credentials?: RegistryCredentials;
  /** Where pulls are recorded, and the engine's identity they are recorded under. */
  readonly pullTimes?: { readonly store: PullTimes; readonly engine: string };
}

export function localImagePorts(options: ImagePortsOptions): ImagePorts {
  const credentials = options.credentials ?? new RegistryCredentials({ env: options.env });
  return {
    prepareBuild: (op) => prepareBuild(op, credentials),
    async registryAuth(image: string): Promise<RegistryAuth> {
      const { header, warnings } = await credentials.registryAuthHeader(image);
      return { header, warnings };
    },
    async pulled(image: string, at: number): Promise<void> {
      await options.pullTimes?.store.recordPull(options.pullTimes.engine, image, at).catch(() => false);
    },
  };
}

async function prepareBuild(op: ImageBuildOp, credentials: RegistryCredentials): Promise<PreparedBuild> {
  const cacheFrom = op.options.cacheFrom ?? [];
  if (op.context.kind === 'remote') {
    // The engine fetches the context, so the Dockerfile is not known here: the credentials
    // sent are those of the cache_from images only.
    const config = await credentials.buildRegistryConfig(cacheFrom);
    return {
      context: null,
      options: { ...op.options, remote: op.context.url, ...(op.context.dockerfile !== undefined ? { dockerfile: op.context.dockerfile } : {}), registryConfigHeader: config.header },
      bytesSent: () => 0,
      warnings: config.warnings,
    };
  }
  const input = {
    contextDir: op.context.contextDir,
    ...(op.context.dockerfile !== undefined ? { dockerfile: op.context.dockerfile } : {}),
    ...(op.context.dockerfileInline !== undefined ? { dockerfileInline: op.context.dockerfileInline } : {}),
  };
  const resolved = resolveBuildContext(input);
  const dockerfileText = resolved.dockerfile.kind === 'generated' ? resolved.dockerfile.content.toString('utf8') : readText(resolved.dockerfile.absPath);
  const args = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(op.options.buildArgs ?? {})) args[name] = value ?? undefined;
  const config = await credentials.buildRegistryConfig([...baseImages(dockerfileText, args), ...cacheFrom]);
  const tar = createContextTar(input, resolved);
  // The gateway reports a broken tar as the build's failure; this promise must not go unhandled.
  tar.done.catch(() => undefined);
  return {
    context: tar.stream,
    options: { ...op.options, dockerfile: tar.dockerfileName, registryConfigHeader: config.header },
    bytesSent: () => tar.bytesSent(),
    warnings: config.warnings,
  };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw contextReadError(path, e);
  }
}
