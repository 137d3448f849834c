// Files that editors and tools write next to the real ones while saving: never a change worth
// syncing, restarting or rebuilding for. Matched on the file's name only. Compose keeps a
// similar list (pkg/watch/ephemeral.go); this one adds `*.tmp` and gedit's temp files.

const EDITOR_TEMP_NAMES: readonly RegExp[] = [
  // vim: swap files (.name.swp, then .swo, .swn... when several vims edit), the `4913` probe
  // it writes to test a directory, and `name~` backups.
  /\.swp$/,
  /^\..+\.sw[onx]$/,
  /^4913$/,
  /~$/,
  // emacs: lock files `.#name` and auto-saves `#name#`.
  /^\.#/,
  /^#.*#$/,
  // JetBrains IDEs save through `name___jb_tmp___` and keep `name___jb_old___`.
  /___jb_(?:tmp|old)___$/,
  // Generic temp files (Sublime's `.subl*.tmp` too), kate's swap, gedit's output stream.
  /\.tmp$/i,
  /\.kate-swp$/,
  /^\.goutputstream-/,
  // The go tool's umask probe.
  /-go-tmp-umask$/,
];

export function isEditorTempFile(name: string): boolean {
  return EDITOR_TEMP_NAMES.some((pattern) => pattern.test(name));
}
