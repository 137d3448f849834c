// How log lines look: `web-1  | hello`, a stable colour per service, prefixes padded to one
// width so the text lines up; plain (no escape codes) without a TTY, with NO_COLOR or
// --no-color. `--no-log-prefix` drops the prefix, `-t` shows the engine's timestamp.

import type { LogLine, LogSource } from '../stack/index.js';
import { paint, type Painter } from './style.js';

export interface LogPrinterOptions {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  /** Show `service-n |` before each line (default true). */
  readonly prefix?: boolean;
  /** Show the engine's timestamp before each line's text. */
  readonly timestamps?: boolean;
  /** Defaults to the out stream's colour support (TTY, NO_COLOR, --no-color). */
  readonly painter?: Painter;
}

/** The name a line is shown under: `web-1`; one-off containers by their own name. */
export function prefixLabel(source: Pick<LogSource, 'containerName' | 'service' | 'number' | 'oneoff'>): string {
  if (source.oneoff || source.number === 0) return source.containerName;
  return `${source.service}-${source.number}`;
}

/** A colour index that depends only on the service name, so it is the same on every run. */
export function colourIndex(service: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < service.length; i++) {
    h ^= service.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class LogPrinter {
  private readonly out: LogPrinterOptions['out'];
  private readonly prefix: boolean;
  private readonly timestamps: boolean;
  private readonly painter: Painter;
  private width = 0;

  constructor(options: LogPrinterOptions) {
    this.out = options.out;
    this.prefix = options.prefix ?? true;
    this.timestamps = options.timestamps ?? false;
    this.painter = options.painter ?? paint(options.out);
  }

  /** Size the prefix column for containers known up front, so early lines line up with later ones. */
  reserve(labels: Iterable<string>): void {
    for (const l of labels) this.width = Math.max(this.width, l.length);
  }

  line(line: LogLine): void {
    const ts = this.timestamps && line.timestamp ? `${line.timestamp} ` : '';
    this.out.write(`${this.prefixFor(line.source)}${ts}${line.text}\n`);
  }

  /** A message about a container, in its column: `web-1  | exited with code 0`. */
  notice(source: LogSource, text: string): void {
    this.out.write(`${this.prefixFor(source)}${this.painter.dim(text)}\n`);
  }

  private prefixFor(source: LogSource): string {
    if (!this.prefix) return '';
    const label = prefixLabel(source);
    this.width = Math.max(this.width, label.length);
    return `${this.painter.pick(colourIndex(source.service), label.padEnd(this.width))} | `;
  }
}
