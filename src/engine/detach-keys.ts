// Detach keys (issue 14 item 3): with a TTY, typing the sequence (ctrl-p ctrl-q by default, as
// the Docker CLI) leaves the process running and gives the terminal back. Like the Docker CLI's
// escape proxy, it is watched on our side of the connection (the CLI parses the keys:
// src/cli/detach-keys.ts): the bytes of a partial match are
// held back, then sent on if the sequence breaks; the complete sequence is never sent.

/** Watches input for the sequence: `feed` returns the bytes to forward and whether the sequence was typed. */
export class DetachKeyWatcher {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  feed(chunk: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      // The sequence broke: what was held back goes out, then this byte (which may start a new match).
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = byte === this.keys[0] ? 1 : 0;
      if (this.matched === 0) out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
