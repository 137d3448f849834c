// Go's regexp syntax (RE2) read into a JavaScript RegExp with the same meaning, for the subset
// that Docker's .dockerignore compiler (moby/patternmatcher) can produce.
//
// Why not hand the string to `new RegExp` directly: patternmatcher turns a pattern into a Go
// regexp by passing `[`, `]`, `^` and every `\x` escape through untouched, so RE2 decides what
// they mean, and RE2 and JavaScript disagree on several of them:
//   - a lone `]` is a literal in RE2 and a syntax error in a JavaScript `u` regexp;
//   - `\d \s \w` are ASCII-only in RE2; JavaScript's `\s` also matches Unicode spaces;
//   - `.` matches everything but `\n` in RE2; in JavaScript it also refuses `\r`, U+2028, U+2029;
//   - classes may hold POSIX names (`[[:alpha:]]`), which JavaScript reads as plain characters;
//   - patternmatcher turns a `*` inside a class into `[^/]*`, so `[*]` becomes `[[^/]*]`: in RE2
//     a class of `[`, `^`, `/`, repeated, then a literal `]`.
// Escapes RE2 has and Docker users have no reason to write (octal, `\x{..}`, `\p{..}`, `\Q..\E`)
// are refused with an error rather than guessed.

/** Thrown for a regexp this translator does not accept (Docker would reject most of them too). */
export class GoRegexpError extends Error {}

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');

type Range = readonly [number, number];
const MAX_RUNE = 0x10ffff;

// RE2's Perl classes and POSIX classes, ASCII only (as in RE2).
const DIGIT: readonly Range[] = [[0x30, 0x39]];
const SPACE_PERL: readonly Range[] = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];
const WORD: readonly Range[] = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const POSIX: ReadonlyMap<string, readonly Range[]> = new Map<string, readonly Range[]>([
  ['alnum', [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]]],
  ['alpha', [[0x41, 0x5a], [0x61, 0x7a]]],
  ['ascii', [[0x00, 0x7f]]],
  ['blank', [[0x09, 0x09], [0x20, 0x20]]],
  ['cntrl', [[0x00, 0x1f], [0x7f, 0x7f]]],
  ['digit', DIGIT],
  ['graph', [[0x21, 0x7e]]],
  ['lower', [[0x61, 0x7a]]],
  ['print', [[0x20, 0x7e]]],
  ['punct', [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]]],
  ['space', [[0x09, 0x0d], [0x20, 0x20]]],
  ['upper', [[0x41, 0x5a]]],
  ['word', WORD],
  ['xdigit', [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]]],
]);
const PERL_CLASS: ReadonlyMap<string, readonly Range[]> = new Map([
  ['d', DIGIT],
  ['s', SPACE_PERL],
  ['w', WORD],
]);
const CONTROL_ESCAPE: ReadonlyMap<string, number> = new Map([
  ['a', 0x07],
  ['f', 0x0c],
  ['t', 0x09],
  ['n', 0x0a],
  ['r', 0x0d],
  ['v', 0x0b],
]);

function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function rangesSource(ranges: readonly Range[]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
}

function isAsciiAlnum(c: string): boolean {
  return /^[0-9A-Za-z]$/.test(c);
}

/** Translates a Go (RE2) regexp source into JavaScript source for a `u`-flag RegExp. */
export function goRegexpToJs(source: string): string {
  const chars = Array.from(source); // by code point, as Go reads runes
  let out = '';
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === '\\') {
      const d = chars[i + 1];
      if (d === undefined) throw new GoRegexpError('trailing backslash at end of expression');
      out += escapeOutsideClass(d);
      i += 2;
    } else if (c === '[') {
      const parsed = parseClass(chars, i);
      out += parsed.source;
      i = parsed.next;
    } else if (c === '.') {
      out += '[^\\n]';
      i++;
    } else if (c === ']' || c === '{' || c === '}' || c === '/') {
      out += `\\${c}`;
      i++;
    } else {
      // ^ $ * + ? ( ) | mean the same in both; anything else is a literal.
      out += c;
      i++;
    }
  }
  return out;
}

function escapeOutsideClass(d: string): string {
  if (d.codePointAt(0)! < 0x80 && !isAsciiAlnum(d)) return JS_SYNTAX.has(d) ? `\\${d}` : hex(d.codePointAt(0)!);
  const perl = PERL_CLASS.get(d.toLowerCase());
  if (perl) return `[${rangesSource(d === d.toLowerCase() ? perl : complement(perl))}]`;
  const control = CONTROL_ESCAPE.get(d);
  if (control !== undefined) return hex(control);
  if (d === 'b' || d === 'B') return `\\${d}`;
  if (d === 'A') return '^';
  if (d === 'z') return '$';
  throw new GoRegexpError(`unsupported escape \\${d}`);
}

/** One class member: a single character (possibly escaped), or the ranges of `\d`-like escapes. */
function classChar(chars: readonly string[], i: number): { cp?: number; ranges?: readonly Range[]; next: number } {
  const c = chars[i];
  if (c === undefined) throw new GoRegexpError('missing closing ]');
  if (c !== '\\') return { cp: c.codePointAt(0)!, next: i + 1 };
  const d = chars[i + 1];
  if (d === undefined) throw new GoRegexpError('trailing backslash at end of expression');
  if (d.codePointAt(0)! < 0x80 && !isAsciiAlnum(d)) return { cp: d.codePointAt(0)!, next: i + 2 };
  const perl = PERL_CLASS.get(d.toLowerCase());
  if (perl) return { ranges: d === d.toLowerCase() ? perl : complement(perl), next: i + 2 };
  const control = CONTROL_ESCAPE.get(d);
  if (control !== undefined) return { cp: control, next: i + 2 };
  throw new GoRegexpError(`unsupported escape \\${d} in a character class`);
}

/** Parses the class starting at chars[start] === '[' the way RE2 does; returns its JavaScript source. */
function parseClass(chars: readonly string[], start: number): { source: string; next: number } {
  let i = start + 1;
  let negated = false;
  if (chars[i] === '^') {
    negated = true;
    i++;
  }
  const members: string[] = [];
  let first = true; // RE2: a ']' right after '[' or '[^' is a literal
  for (;;) {
    const c = chars[i];
    if (c === undefined) throw new GoRegexpError('missing closing ]');
    if (c === ']' && !first) {
      i++;
      break;
    }
    first = false;
    if (c === '[' && chars[i + 1] === ':') {
      // As RE2: a "[:" with a ":]" anywhere after it is a POSIX name, and an unknown name is an error.
      let end = i + 2;
      while (end + 1 < chars.length && !(chars[end] === ':' && chars[end + 1] === ']')) end++;
      if (end + 1 < chars.length) {
        const name = chars.slice(i + 2, end).join('');
        const posix = POSIX.get(name);
        if (!posix) throw new GoRegexpError(`invalid character class range [:${name}:]`);
        members.push(rangesSource(posix));
        i = end + 2;
        continue;
      }
    }
    const lo = classChar(chars, i);
    i = lo.next;
    if (lo.ranges) {
      members.push(rangesSource(lo.ranges));
      continue;
    }
    // "a-]" means 'a' or '-': a dash only makes a range when something other than ']' follows.
    if (chars[i] === '-' && chars[i + 1] !== undefined && chars[i + 1] !== ']') {
      const hi = classChar(chars, i + 1);
      if (hi.cp === undefined || hi.cp < lo.cp!) throw new GoRegexpError('invalid character class range');
      members.push(`${hex(lo.cp!)}-${hex(hi.cp)}`);
      i = hi.next;
      continue;
    }
    members.push(hex(lo.cp!));
  }
  return { source: `[${negated ? '^' : ''}${members.join('')}]`, next: i };
}
