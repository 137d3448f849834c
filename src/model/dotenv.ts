// `.env` / env_file parsing with Compose's rules (compose-go `dotenv`, v2.13):
//
// - `KEY=VAL`, `KEY: VAL` (YAML-ish), `export KEY=VAL`; spaces around the separator ignored;
//   key characters: letters, digits, `_ . - [ ]`; a space inside a key is an error.
// - `KEY` alone on its line takes the value from `lookup` (or is left out when unset).
// - Unquoted: up to the end of the line; ` #` starts a comment (a `#` not after a space is
//   data: `a#b`); trailing whitespace trimmed; no escapes; `${VAR}` interpolated.
// - 'single': literal, may span lines; `\'` is a quote.
// - "double": may span lines; `\"` is a quote; escapes \a \b \f \n \r \t \v \\ \$ and `\0NNN`
//   (octal) are expanded; any other backslash stays; then `${VAR}` is interpolated.
// - Interpolation sees `lookup` (the shell environment) first, then keys defined earlier
//   in the same file. `\$` and `$$` give a literal `$`.
// - BOM and CRLF line ends are accepted; `#` lines and blank lines are skipped.
//
// Deliberate differences from compose-go: `KEY` alone on the LAST line (no newline after
// it) is read like any other `KEY` line (compose-go turns it into an empty-named variable
// holding "KEY"), and an empty variable name (`=value`) is an error rather than a variable
// the engine would reject later.

import { StackFileError } from '../errors.js';
import { dict } from './types.js';
import { substitute, TemplateError } from './interpolate.js';

export interface DotenvHooks {
  /** A `${VAR}` reference resolved to nothing (Compose warns). */
  onMissing?(name: string): void;
}

const isSpace = (c: string | undefined): boolean =>
  c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === ' ' || c === '\u0085' || c === '\u00a0';
const isUnicodeSpace = (c: string | undefined): boolean => c !== undefined && /\s/u.test(c);
const isKeyChar = (c: string): boolean => /[\p{L}\p{N}_.\-[\]]/u.test(c);

/**
 * Parse a .env / env_file text. `lookup` resolves `${VAR}` references inside unquoted and
 * double-quoted values (Compose interpolates them) and `KEY`-alone lines. Throws
 * StackFileError with file:line:col on a syntax error. Returns a null-prototype record.
 */
export function parseDotenv(
  text: string,
  file: string,
  lookup?: (name: string) => string | undefined,
  hooks: DotenvHooks = {},
): Record<string, string> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out = dict<string>();
  const env = lookup ?? (() => undefined);
  const lineAt = (offset: number): { line: number; col: number } => {
    let line = 1;
    let last = -1;
    for (let i = 0; i < offset && i < text.length; i++) {
      if (text[i] === '\n') {
        line++;
        last = i;
      }
    }
    return { line, col: offset - last };
  };
  const fail = (message: string, offset: number, hint?: string): never => {
    const { line, col } = lineAt(offset);
    throw new StackFileError([{ message, location: { file, line, col }, ...(hint ? { hint } : {}) }]);
  };
  const expand = (value: string, offset: number): string => {
    try {
      return substitute(
        value,
        (name) => {
          const v = env(name);
          if (v !== undefined) return v;
          return Object.prototype.hasOwnProperty.call(out, name) ? out[name] : undefined;
        },
        { onMissing: (name) => hooks.onMissing?.(name) },
      );
    } catch (e) {
      if (e instanceof TemplateError) return fail(e.message, offset);
      throw e;
    }
  };

  let pos = 0;
  const n = text.length;
  while (true) {
    // Statement start: skip whitespace (newlines included) and comment lines.
    while (pos < n && isUnicodeSpace(text[pos])) pos++;
    if (pos >= n) break;
    if (text[pos] === '#') {
      const nl = text.indexOf('\n', pos);
      if (nl === -1) break;
      pos = nl;
      continue;
    }

    const statementStart = pos;
    if (/^export\s/.test(text.slice(pos, pos + 7))) {
      pos += 6;
      while (pos < n && isSpace(text[pos])) pos++;
    }

    // Key: up to `=`, `:` or the end of the line.
    const keyStart = pos;
    let terminator: '=' | ':' | '\n' | 'eof' = 'eof';
    while (pos < n) {
      const c = text[pos]!;
      if (isSpace(c)) {
        pos++;
        continue;
      }
      if (c === '=' || c === ':' || c === '\n') {
        terminator = c;
        break;
      }
      if (!isKeyChar(c)) {
        const lineText = text.slice(statementStart, text.indexOf('\n', pos) === -1 ? n : text.indexOf('\n', pos));
        fail(`unexpected character "${c}" in variable name "${lineText}"`, pos, 'variable names may use letters, digits, _ . - [ ]');
      }
      pos++;
    }
    const key = text.slice(keyStart, pos).replace(/\s+$/u, '');
    if (/\s/u.test(key)) fail(`variable name "${key}" cannot contain a space`, keyStart);

    if (terminator === '\n' || terminator === 'eof') {
      // `KEY` alone: inherited from the environment when set.
      if (key === '') fail('empty variable name', keyStart);
      const v = env(key);
      if (v !== undefined) out[key] = v;
      pos = terminator === '\n' ? pos + 1 : n;
      continue;
    }
    if (key === '') fail('empty variable name before "' + terminator + '"', keyStart);
    pos++; // past = or :
    while (pos < n && isSpace(text[pos])) pos++;

    const quote = text[pos];
    if (quote === '"' || quote === "'") {
      const valueStart = pos;
      let raw = '';
      let escaped = false;
      let closed = -1;
      for (let i = pos + 1; i < n; i++) {
        const c = text[i]!;
        if (escaped) {
          escaped = false;
          // An escaped quote drops its backslash; any other escaped character keeps it.
          if (c !== quote) raw += '\\';
          raw += c;
          continue;
        }
        if (c === '\\') escaped = true;
        else if (c === quote) {
          closed = i;
          break;
        } else raw += c;
      }
      if (closed === -1) {
        const nl = text.indexOf('\n', valueStart);
        fail(`unterminated quoted value ${text.slice(valueStart, nl === -1 ? n : nl)}`, valueStart, `close the value with ${quote}`);
      }
      out[key] = quote === '"' ? expand(expandEscapes(raw), valueStart) : raw;
      pos = closed + 1;
      continue;
    }

    // Unquoted: the rest of the line, minus a ` #` comment and trailing whitespace.
    const valueStart = pos;
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = n;
    let value = text.slice(pos, nl);
    const comment = value.indexOf(' #');
    if (comment !== -1) value = value.slice(0, comment);
    value = value.replace(/\s+$/u, '');
    out[key] = expand(value, valueStart);
    pos = nl;
  }
  return out;
}

/** Escapes in double-quoted values, as compose-go's expandEscapes (Go rune-literal rules). */
function expandEscapes(s: string): string {
  return s.replace(/\\(?:[abcfnrtv$"\\]|0\d{0,3})/g, (match) => {
    if (match === '\\$') return '$$'; // a literal $ for the interpolation that follows
    if (match.startsWith('\\0')) {
      // `\0123` is XSI-echo octal: Go reads `\123`. Anything else is left as rewritten.
      const digits = match.slice(2);
      if (/^[0-7]{3}$/.test(digits) && parseInt(digits, 8) <= 255) return String.fromCharCode(parseInt(digits, 8));
      return '\\' + digits;
    }
    switch (match[1]) {
      case 'a':
        return '\u0007';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'v':
        return '\v';
      case '\\':
        return '\\';
      case '"':
        return '"';
      default:
        return match; // `\c` is not a Go escape: kept as written
    }
  });
}
