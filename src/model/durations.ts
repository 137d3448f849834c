// Durations as Compose writes them (Go's time.ParseDuration plus `d` and `w`, as compose-go's
// str2duration accepts): `1m30s`, `500ms`, `1.5h`, `10us`, `0`. Kept in nanoseconds, the unit
// of the Docker Engine API.

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 604800e9,
};

/** Nanoseconds, or an Error saying what is wrong (the caller adds where). */
export function parseDuration(text: string): number | Error {
  const s = text.trim();
  if (s === '0') return 0;
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[-+]/, '');
  if (body === '') return new Error(`'${text}' is not a duration (use e.g. 30s, 1m30s, 500ms)`);
  let total = 0;
  let rest = body;
  // Micro is written as an escape (U+00B5 micro sign, U+03BC mu): one non-ASCII character in
  // the CLI bundle makes V8 hold all of it as a two-byte string, ~10 ms more per start.
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h|d|w)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m) {
      const hint = /^\d+(\.\d+)?$/.test(body) ? ` (a unit is required: '${body}s'?)` : ' (use e.g. 30s, 1m30s, 500ms)';
      return new Error(`'${text}' is not a duration${hint}`);
    }
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

/** The shortest Compose-style text for a duration in nanoseconds (`1m30s`, `500ms`, `0s`). */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let rest = Math.abs(ns);
  let out = '';
  for (const [unit, size] of [['h', 3600e9], ['m', 60e9], ['s', 1e9], ['ms', 1e6], ['us', 1e3], ['ns', 1]] as const) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return sign + out;
}
