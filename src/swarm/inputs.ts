// What the swarm planner needs from outside and cannot fetch itself (it does no I/O): the
// content of every config and secret the stack creates, and the digests a registry gives for
// its images (`docker stack deploy --resolve-image always`, its default).
//
// Contents come from the file (`file:`), the environment (`environment:`, the variable as the
// command was given it) or the stack file (`content:`, configs only); they are hashed here and
// never logged. Image digests: one GET /distribution call per image, made together; an image
// no registry answers for (a local-only image, an offline manager) is deployed by its
// reference as written, and the nodes use the image they have (the lab's dockerds run with
// DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 for that reason).

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FileContent } from '../api/swarm-types.js';
import type { SwarmGateway } from '../engine/swarm-gateway.js';
import type { SecretSpec, StackModel } from '../model/types.js';
import { OperationError } from '../errors.js';
import type { SwarmPlanInputs } from './plan/types.js';
import { swarmImage } from './plan/names.js';

export type ResolveImage = 'always' | 'never';

export interface InputOptions {
  /** Services in scope (empty: all): only their configs, secrets and images are read. */
  readonly services?: readonly string[];
  readonly resolveImage: ResolveImage;
  /** Where `environment:` sources are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
}

export async function readSwarmInputs(model: StackModel, gateway: SwarmGateway, options: InputOptions): Promise<SwarmPlanInputs> {
  const scope = options.services && options.services.length > 0 ? options.services.filter((s) => s in model.services) : Object.keys(model.services);
  const keysOf = (kind: 'secrets' | 'configs') => new Set(scope.flatMap((s) => model.services[s]![kind].map((r) => r.source)));
  const [configs, secrets, imageDigests] = await Promise.all([
    readContents(model.configs, keysOf('configs'), 'configs', options.env),
    readContents(model.secrets, keysOf('secrets'), 'secrets', options.env),
    options.resolveImage === 'never' ? new Map<string, string>() : resolveDigests(gateway, new Set(scope.map((s) => swarmImage(model, model.services[s]!))), options.signal),
  ]);
  return { configs, secrets, imageDigests };
}

async function readContents(defs: StackModel['secrets'], keys: ReadonlySet<string>, kind: 'secrets' | 'configs', env: InputOptions['env']): Promise<Map<string, FileContent>> {
  const out = new Map<string, FileContent>();
  for (const key of [...keys].sort()) {
    const def = defs[key];
    if (!def || def.external) continue;
    const bytes = await contentOf(def, `${kind}.${key}`, env);
    out.set(key, new FileContent(bytes, createHash('sha256').update(bytes).digest('hex')));
  }
  return out;
}

async function contentOf(def: SecretSpec, where: string, env: InputOptions['env']): Promise<Buffer> {
  if (def.content !== undefined) return Buffer.from(def.content, 'utf8');
  if (def.environment !== undefined) return Buffer.from(env[def.environment] ?? '', 'utf8');
  if (def.file !== undefined) {
    try {
      return await readFile(def.file);
    } catch (e) {
      throw new OperationError(`${where}: cannot read ${def.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  }
  return Buffer.alloc(0);
}

async function resolveDigests(gateway: SwarmGateway, images: ReadonlySet<string>, signal: AbortSignal | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    [...images].map(async (image) => {
      if (image.includes('@sha256:')) return;
      const digest = await gateway.resolveImageDigest(image, signal);
      if (digest) out.set(image, `${image}@${digest}`);
    }),
  );
  return out;
}
