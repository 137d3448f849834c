// The file receiver: a small shell loop that watch runs once in a container (one exec, stdin
// attached) and then feeds the files of each small batch through that open stream.
//
// Why: on Docker 20.10 every archive-API copy re-executes the whole dockerd binary to untar
// (chrootarchive's `docker-untar` re-exec): measured here, a PUT of a one-file tar took
// 120–160 ms (curl on the socket, load ~1.3) and `dockerd --version` alone 135 ms, so no save
// could be live in under ~130 ms that way. Starting an exec costs about the same, once. Through
// a receiver that is already running, a one-file save was readable in the container 8 ms
// after it was written to the stream (p50 of 20). Large batches still go as one tar (a file
// here costs a few process starts in the container; the archive API extracts a burst at once).
//
// It writes what the tar would have written: the same paths, contents, permission bits,
// numeric owner and mtime (whole seconds, as tar), missing parents created as root 0755 like
// the engine does, a directory in the way of a file replaced, a file made in a temporary name
// and renamed over the old one (a reader never sees half a file). It runs as root (uid 0, no
// /etc/passwd needed), as the engine's extraction does.
//
// The stream, all text lines but the file bytes:
//   F <size> <mode> <uid> <gid> <mtime>\n<path>\n<size bytes>      a file
//   D <mode> <uid> <gid> <mtime>\n<path>\n                          a directory
//   L <uid> <gid>\n<path>\n<target>\n                              a symbolic link
//   E <seq>\n                                                      end of a batch: reply `ok <seq>`
// Modes are octal. Replies on stdout: `ready` once, `ok <seq>` per batch, and `err <what>` or
// `missing <tool>` just before it exits. On any failure the receiver exits: the stream can
// never be read out of step, and the caller copies the batch through the archive API instead.

/** The receiver, for `sh -c`. The first line names it in `ps` of the container. */
export const RECEIVER_SCRIPT = `# stack watch: file receiver (exits when its input ends)
for t in dd chown chmod mv mkdir touch rm ln; do command -v "$t" >/dev/null 2>&1 || { echo "missing $t"; exit 3; }; done
fail() { echo "err $1"; exit 1; }
parent() { dir="\${1%/*}"; [ -n "$dir" ] || dir=/; [ -d "$dir" ] || mkdir -p "$dir" || fail "mkdir $dir"; }
clear_dir() { if [ -d "$1" ] && [ ! -L "$1" ]; then rm -rf "$1" || fail "remove $1"; fi; }
echo ready
while IFS=' ' read -r kind a b c d e; do
  if [ "$kind" = E ]; then echo "ok $a"; continue; fi
  IFS= read -r p || exit 1
  case "$kind" in
    F)
      parent "$p"
      t="$dir/.stack-sync.$$"
      # dd with fullblock reads exactly the file's bytes (busybox's head -c reads ahead and
      # would swallow the next entry); an empty file needs no read at all.
      if [ "$a" -gt 0 ]; then dd of="$t" bs="$a" count=1 iflag=fullblock 2>/dev/null || fail "write $p"; else : > "$t" || fail "write $p"; fi
      chown "$c:$d" "$t" && chmod "$b" "$t" && touch -d "@$e" "$t" || { rm -f "$t"; fail "owner, mode or mtime of $p"; }
      clear_dir "$p"
      mv -f "$t" "$p" || { rm -f "$t"; fail "rename onto $p"; } ;;
    D)
      parent "$p"
      if [ -L "$p" ] || { [ -e "$p" ] && [ ! -d "$p" ]; }; then rm -f "$p" || fail "remove $p"; fi
      mkdir -p "$p" && chown "$b:$c" "$p" && chmod "$a" "$p" && touch -d "@$d" "$p" || fail "directory $p" ;;
    L)
      IFS= read -r target || exit 1
      parent "$p"
      clear_dir "$p"
      rm -f "$p" && ln -s "$target" "$p" && chown -h "$a:$b" "$p" || fail "link $p" ;;
    *) fail "unknown entry $kind" ;;
  esac
done
`;

/** What the receiver writes, as sync-tar.ts packed it. */
export interface ReceiverEntry {
  readonly containerPath: string;
  readonly type: 'file' | 'directory' | 'symlink';
  readonly mode: number;
  readonly mtimeSeconds: number;
  readonly content?: Buffer;
  readonly linkname?: string;
}

export interface Ownership {
  readonly uid: number;
  readonly gid: number;
}

/**
 * The stream for these entries (without the batch's `E` line), or undefined when a line-based
 * stream cannot carry them: a path or link target with a newline (or a NUL), or a path that is
 * not absolute. The caller then sends a tar, which carries anything.
 */
export function encodeEntries(entries: readonly ReceiverEntry[], owner: Ownership): Buffer | undefined {
  const parts: Buffer[] = [];
  const uid = integer(owner.uid);
  const gid = integer(owner.gid);
  for (const entry of entries) {
    if (!carriable(entry.containerPath) || !entry.containerPath.startsWith('/') || entry.containerPath === '/') return undefined;
    const mode = (entry.mode & 0o7777).toString(8);
    // tar's mtime field holds no date before 1970 either.
    const mtime = Math.max(0, Math.floor(entry.mtimeSeconds));
    if (entry.type === 'file') {
      const content = entry.content ?? Buffer.alloc(0);
      parts.push(Buffer.from(`F ${content.length} ${mode} ${uid} ${gid} ${mtime}\n${entry.containerPath}\n`, 'utf8'), content);
    } else if (entry.type === 'directory') {
      parts.push(Buffer.from(`D ${mode} ${uid} ${gid} ${mtime}\n${entry.containerPath}\n`, 'utf8'));
    } else {
      const target = entry.linkname ?? '';
      if (!carriable(target) || target === '') return undefined;
      parts.push(Buffer.from(`L ${uid} ${gid}\n${entry.containerPath}\n${target}\n`, 'utf8'));
    }
  }
  return Buffer.concat(parts);
}

/** The line that closes a batch: the receiver answers `ok <seq>` once everything before it is written. */
export function endOfBatch(seq: number): Buffer {
  return Buffer.from(`E ${integer(seq)}\n`, 'utf8');
}

export type ReceiverReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'ok'; readonly seq: number }
  | { readonly kind: 'err'; readonly message: string }
  | { readonly kind: 'missing'; readonly tool: string };

/** One stdout line of the receiver; undefined for anything else (it prints nothing else). */
export function parseReply(line: string): ReceiverReply | undefined {
  const text = line.trim();
  if (text === 'ready') return { kind: 'ready' };
  const ok = /^ok (\d+)$/.exec(text);
  if (ok) return { kind: 'ok', seq: Number(ok[1]) };
  if (text.startsWith('err ')) return { kind: 'err', message: text.slice(4) };
  if (text.startsWith('missing ')) return { kind: 'missing', tool: text.slice(8) };
  return undefined;
}

function carriable(text: string): boolean {
  return !text.includes('\n') && !text.includes('\0');
}

function integer(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative integer: ${n}`);
  return n;
}
