// The global options every command sees, and how a command reads them merged with its own.
// A leaf: every command imports it, and it imports no command (program.ts, which registers
// the commands, imports them all; a command importing program.ts made one cycle of them all).

import type { Command } from 'commander';

export interface GlobalOptions {
  /** -f, repeatable; `-` is stdin. */
  readonly file?: string[];
  readonly projectName?: string;
  readonly projectDirectory?: string;
  readonly profile?: string[];
  readonly envFile?: string[];
  readonly host?: string;
  readonly context?: string;
  /** `--target engine|swarm`. */
  readonly target?: string;
  readonly debug?: boolean;
  readonly color: boolean;
  readonly progress?: 'auto' | 'tty' | 'plain' | 'json' | 'quiet';
  readonly parallel?: number;
}

/** The global options of a command, merged with its own. */
export function optionsOf<T>(cmd: Command): GlobalOptions & T {
  return cmd.optsWithGlobals() as GlobalOptions & T;
}
