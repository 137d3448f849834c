// The engine's timestamps (RFC 3339 with up to nine fractional digits, `2024-06-01T10:00:00.123456789Z`)
// as microseconds since the epoch: precise enough to order a create and a start that happen
// within one millisecond, and still an exact integer in a double (about 1.7e15 today).

/** Microseconds since the epoch, or undefined for an absent or zero time (`0001-01-01T00:00:00Z`: never). */
export function engineTimeUs(text: string | undefined): number | undefined {
  if (text === undefined || text === '' || text.startsWith('0001-01-01')) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(seconds)) return undefined;
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return seconds * 1000 + Number(fraction);
}
