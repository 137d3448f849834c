// File-watching failures as errors that say what to do. The kernel's limits surface as errno
// codes on fs.watch (chokidar passes them on as 'error' events): ENOSPC is inotify's
// `max_user_watches`, EMFILE/ENFILE are open-file limits. chokidar 4 takes one inotify watch
// per watched file AND directory (counted here: 2,000 files in 20 directories held 2,021
// watches), so a tree of 20,000 files needs more than the 8,192 some distributions default to.
import { OperationError, type StackError } from '../errors.js';

const POLL_INSTEAD = 'or set STACK_WATCH_POLL=1 to poll instead (slower, costs CPU)';

/** The errno code of a Node system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isWatchLimitError(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE';
}

/** Turn an error met while watching `path` into a StackError whose hint names the limit to raise. */
export function watchError(error: unknown, path: string | undefined): StackError {
  const where = path === undefined ? '' : ` (at ${path})`;
  switch (errnoCode(error)) {
    case 'ENOSPC':
      return new OperationError(`the system limit on file watches was reached${where}`, {
        hint:
          'raise fs.inotify.max_user_watches (e.g. `sudo sysctl fs.inotify.max_user_watches=524288`, kept across reboots in ' +
          '/etc/sysctl.d/), ignore large trees such as node_modules in the watch rules or the .dockerignore, ' +
          POLL_INSTEAD,
        cause: error,
      });
    case 'EMFILE':
      return new OperationError(`too many open files while watching${where}`, {
        hint: 'raise the open-file limit of the shell that runs stack (`ulimit -n 65536`), ' + POLL_INSTEAD,
        cause: error,
      });
    case 'ENFILE':
      return new OperationError(`the system-wide limit on open files was reached while watching${where}`, {
        hint: 'raise fs.file-max (`sudo sysctl fs.file-max=...`) or close other programs, ' + POLL_INSTEAD,
        cause: error,
      });
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new OperationError(`watching files failed${where}: ${message}`, { cause: error });
    }
  }
}
