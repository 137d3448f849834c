// Sizes as Compose reads them (docker/go-units RAMInBytes): `1g`, `512m`, `1gb`, `1GiB`,
// `100k`, `1.5g`, a plain number of bytes. Binary multiples: 1k = 1024.

const MULTIPLIER: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Bytes, or an Error saying what is wrong (the caller adds where). */
export function parseSize(value: string | number): number | Error {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.floor(value);
    return new Error(`${value} is not a size`);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s?([kmgtpb])?(?:i?b)?\s*$/i.exec(value);
  if (!m) return new Error(`'${value}' is not a size (use e.g. 512m, 1g, 1024)`);
  const unit = (m[2] ?? '').toLowerCase();
  return Math.floor(Number(m[1]) * MULTIPLIER[unit]!);
}
