// Run by watcher.test.ts inside a user namespace whose inotify watch limit is tiny: starts a
// watcher on the directory given and prints, as JSON, how the start ended.
import { createFileWatcher } from '../../../src/watch/watcher.js';
import { isStackError } from '../../../src/errors.js';

const dir = process.argv[2]!;
try {
  const session = await createFileWatcher({ env: {} }).start([dir], () => false, { onEvent() {}, onError() {} });
  console.log(JSON.stringify({ started: true, mode: session.mode }));
  await session.close();
} catch (error) {
  const e = error as Error & { hint?: string };
  console.log(JSON.stringify({ started: false, stackError: isStackError(error), message: e.message, hint: e.hint }));
}
