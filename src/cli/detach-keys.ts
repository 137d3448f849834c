// `--detach-keys` (exec and run with a TTY): the Docker CLI's notation, parsed into the bytes
// the engine layer watches for (src/engine/detach-keys.ts).

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** `ctrl-p,ctrl-q` → bytes 0x10 0x11; a single letter or symbol stands for itself (`a,ctrl-a`). */
export function parseDetachKeys(spec: string): Buffer {
  const bytes: number[] = [];
  for (const part of spec.split(',')) {
    const key = part.trim();
    const ctrl = /^ctrl-(.)$/i.exec(key);
    if (ctrl) {
      const c = ctrl[1]!.toLowerCase();
      const code = c >= 'a' && c <= 'z' ? c.charCodeAt(0) - 96 : { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 }[c];
      if (code === undefined) throw new Error(`unknown detach key ${key}`);
      bytes.push(code);
    } else if (key.length === 1) bytes.push(key.charCodeAt(0));
    else throw new Error(`unknown detach key "${key}": use ctrl-<letter> or a single character, comma-separated`);
  }
  return Buffer.from(bytes);
}

