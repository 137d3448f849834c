// Splits a command string into words the way compose-go does (mattn/go-shellwords): blanks
// separate words; '...' is literal; "..." groups; a backslash escapes the next character
// outside single quotes (inside double quotes too, unlike POSIX). No expansion of any kind.
//
// One deliberate difference: go-shellwords silently stops at an unquoted ; & | < > (so
// `echo a && echo b` would run `echo a`). We keep those characters as ordinary text instead of
// dropping the rest of the command; use `sh -c "..."` for shell syntax.

/** The words, or an Error for an unterminated quote or a trailing backslash. */
export function splitShellWords(line: string): string[] | Error {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  let escaped = false;
  for (const ch of line) {
    if (escaped) {
      word += ch;
      escaped = false;
      inWord = true;
      continue;
    }
    if (ch === '\\' && quote !== "'") {
      escaped = true;
      inWord = true;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    word += ch;
    inWord = true;
  }
  if (quote) return new Error(`unterminated ${quote === '"' ? 'double' : 'single'} quote in '${line}'`);
  if (escaped) return new Error(`trailing backslash in '${line}'`);
  if (inWord) words.push(word);
  return words;
}
