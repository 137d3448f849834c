// Colours that respect NO_COLOR, FORCE_COLOR, --no-color and non-TTY output.

export interface Painter {
  readonly enabled: boolean;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  /** One of a fixed palette, chosen by index (log prefixes). */
  pick(index: number, s: string): string;
}

let forcedOff = false;
/** Called by the CLI for --no-color. */
export function disableColor(): void {
  forcedOff = true;
}

export function colorEnabled(stream: { isTTY?: boolean }): boolean {
  if (forcedOff) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (process.env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const codes = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
} as const;
const palette = ['cyan', 'yellow', 'green', 'magenta', 'blue'] as const;

export function paint(stream: { isTTY?: boolean }): Painter {
  const enabled = colorEnabled(stream);
  const wrap = (name: keyof typeof codes) => (s: string) =>
    enabled ? `\u001b[${codes[name][0]}m${s}\u001b[${codes[name][1]}m` : s;
  return {
    enabled,
    red: wrap('red'),
    green: wrap('green'),
    yellow: wrap('yellow'),
    blue: wrap('blue'),
    cyan: wrap('cyan'),
    magenta: wrap('magenta'),
    dim: wrap('dim'),
    bold: wrap('bold'),
    pick: (i, s) => wrap(palette[((i % palette.length) + palette.length) % palette.length]!)(s),
  };
}
