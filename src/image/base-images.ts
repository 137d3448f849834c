// The images a Dockerfile pulls from registries (FROM, COPY --from), so that a build sends
// credentials for those registries only (RegistryCredentials.buildRegistryConfig). Pure.
//
// Read the way the builder reads a Dockerfile, as far as that question needs: parser
// directives (`# escape=`) at the top, line continuations with the escape character, comment
// lines (also inside a continuation), instructions in any case; `ARG`s declared before the
// first FROM (the only ones FROM may use), their defaults overridden by the build's args;
// `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alternative}` in the image; `scratch` and
// the names (or numbers) of earlier stages are no images. An image that still holds an
// unresolved variable is left out: a missing credential only means an anonymous pull.

export function baseImages(dockerfile: string, buildArgs: Readonly<Record<string, string | undefined>> = {}): string[] {
  const instructions = logicalLines(dockerfile);
  const metaArgs = new Map<string, string | undefined>();
  const stages: string[] = [];
  const images: string[] = [];
  const add = (image: string): void => {
    if (image !== '' && image.toLowerCase() !== 'scratch' && !image.includes('$') && !images.includes(image)) images.push(image);
  };
  for (const line of instructions) {
    const [keyword = '', ...rest] = line.trim().split(/\s+/);
    const instruction = keyword.toUpperCase();
    if (instruction === 'ARG' && stages.length === 0) {
      for (const declaration of rest) {
        const eq = declaration.indexOf('=');
        const name = eq >= 0 ? declaration.slice(0, eq) : declaration;
        const fallback = eq >= 0 ? unquote(declaration.slice(eq + 1)) : undefined;
        metaArgs.set(name, Object.prototype.hasOwnProperty.call(buildArgs, name) && buildArgs[name] !== undefined ? buildArgs[name] : fallback);
      }
    } else if (instruction === 'FROM') {
      const words = rest.filter((w) => !w.startsWith('--'));
      const image = expand(words[0] ?? '', metaArgs);
      if (!isStage(image, stages)) add(image);
      const as = words[1]?.toLowerCase() === 'as' ? words[2] : undefined;
      stages.push((as ?? '').toLowerCase());
    } else if (instruction === 'COPY') {
      for (const flag of rest) {
        if (!flag.startsWith('--from=')) continue;
        const source = flag.slice('--from='.length);
        if (!isStage(source, stages) && !/^\d+$/.test(source)) add(source);
      }
    }
  }
  return images;
}

function isStage(name: string, stages: readonly string[]): boolean {
  return name !== '' && stages.includes(name.toLowerCase());
}

/** Instructions with continuations joined and comments and directives dropped. */
export function logicalLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let index = 0;
  // Parser directives: `# name=value` lines at the very top, before anything else.
  for (; index < lines.length; index++) {
    const directive = /^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/.exec(lines[index]!);
    if (directive === null) break;
    if (directive[1]!.toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) escape = directive[2];
  }
  const out: string[] = [];
  let current: string | undefined;
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^\s*#/.test(line)) continue;
    const trimmed = line.replace(/\s+$/, '');
    const continues = trimmed.endsWith(escape);
    const body = continues ? trimmed.slice(0, -1) : line;
    current = current === undefined ? body : `${current} ${body}`;
    if (!continues) {
      if (current.trim() !== '') out.push(current);
      current = undefined;
    }
  }
  if (current !== undefined && current.trim() !== '') out.push(current);
  return out;
}

/**
 * The parser directives at the top of a Dockerfile (`# escape=`, `# syntax=`), names lower-cased:
 * the same lines logicalLines skips, read by the same rule.
 */
export function parserDirectives(text: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const directive = /^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (directive === null) break;
    directives.set(directive[1]!.toLowerCase(), directive[2]!);
  }
  return directives;
}

/**
 * Substitutes the meta args into a FROM image. A declared variable without a value is empty,
 * as in the builder; an undeclared one keeps a `$` so that the image is left out (the builder
 * would make it empty too, but an image named by accident is no registry to send secrets to).
 */
function expand(word: string, args: ReadonlyMap<string, string | undefined>): string {
  const value = (name: string): string | undefined => args.get(name);
  return word.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced: string | undefined, op: string | undefined, operand: string | undefined, bare: string | undefined) => {
    const current = value((braced ?? bare)!);
    if (op === '-') return current !== undefined && current !== '' ? current : (operand ?? '');
    if (op === '+') return current !== undefined && current !== '' ? (operand ?? '') : '';
    // A variable that is not declared stays visible, so that the image is left out.
    return current ?? (args.has((braced ?? bare)!) ? '' : '$');
  });
}

function unquote(value: string): string {
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) return value.slice(1, -1);
  return value;
}
