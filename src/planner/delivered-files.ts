// Secrets and configs that are not files on the host (`environment:`, `content:`) reach the
// container as files written into it between its create and its start: one archive upload
// (`container.copy-files`), the way Compose delivers them. File-based ones are bind-mounted
// (container-spec.ts) and need nothing here.
//
// Owners are numeric in the archive. The engine's copyUIDGID would resolve a name in the
// HOST's passwd (measured on Docker 20.10 by the gateway's tests), not the container's, so a
// name in `uid:`/`gid:` is refused at plan time instead of meaning something else.
//
// The contents are the secrets themselves: they travel in the plan inside FileContents, whose
// values are private to the object and serialise as a count, so the plan's text and JSON
// never hold them (as SensitiveValues does for the plan's values).

import type { ServiceSpec, StackModel } from '../model/types.js';

/** A file written into a container: a secret or config that is not a host file. */
export interface DeliveredFile {
  /** Absolute path in the container. */
  readonly path: string;
  readonly mode: number;
  /** Numeric owner in the container. */
  readonly uid: number;
  readonly gid: number;
  /** What it is, for messages: `secrets.api`, `configs.settings`. */
  readonly source: string;
}

/** Secrets default to read-only for everyone, as in Compose (0444); so do configs. */
export const DEFAULT_FILE_MODE = 0o444;

/** The contents of delivered files, by path in the container. Never serialised. */
export class FileContents {
  readonly #byPath: ReadonlyMap<string, string>;
  constructor(byPath: ReadonlyMap<string, string>) {
    this.#byPath = new Map(byPath);
  }
  get(path: string): string | undefined {
    return this.#byPath.get(path);
  }
  get size(): number {
    return this.#byPath.size;
  }
  toJSON(): string {
    return `(${this.#byPath.size} files, sensitive)`;
  }
}

export interface Delivery {
  readonly files: readonly DeliveredFile[];
  readonly contents: FileContents;
}

/** What a service's container needs written into it; undefined when nothing. Problems (a uid that is no number) go to `problems`. */
export function deliveryOf(model: StackModel, service: ServiceSpec, problems?: string[]): Delivery | undefined {
  const files: DeliveredFile[] = [];
  const contents = new Map<string, string>();
  for (const kind of ['secrets', 'configs'] as const) {
    service[kind].forEach((ref, i) => {
      const def = Object.hasOwn(model[kind], ref.source) ? model[kind][ref.source] : undefined;
      if (!def || def.external || def.file !== undefined) return;
      const at = `services.${service.name}.${kind}[${i}]`;
      const uid = numericId(ref.uid, `${at}.uid`, problems);
      const gid = numericId(ref.gid, `${at}.gid`, problems);
      files.push({ path: ref.target, mode: ref.mode ?? DEFAULT_FILE_MODE, uid, gid, source: `${kind}.${ref.source}` });
      contents.set(ref.target, def.content ?? def.environmentValue ?? '');
    });
  }
  if (files.length === 0) return undefined;
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, contents: new FileContents(contents) };
}

function numericId(value: string | undefined, at: string, problems: string[] | undefined): number {
  if (value === undefined || value.trim() === '') return 0;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  problems?.push(`${at}: '${value}' must be a numeric id (the file is written into the container by number; a name would be looked up on the engine's host)`);
  return 0;
}
