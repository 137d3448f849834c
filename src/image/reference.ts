// Image references, read the way the Docker CLI and engine read them (the `reference` package
// of distribution, github.com/distribution/reference: ParseNormalizedNamed, ParseDockerRef,
// FamiliarString). Pure: no I/O.
//
//   busybox                      → docker.io/library/busybox:latest
//   localhost:5000/a/b           → registry localhost:5000, path a/b
//   example.com/x@sha256:…       → a digest reference
//
// The first path component is a registry host when it contains `.` or `:`, is `localhost`, or
// has an upper-case letter (that last rule is the reference package's own quirk: `Foo/bar` is
// registry `Foo`, path `bar`); otherwise the registry is Docker Hub and a single-component
// name gets the `library/` prefix. Names are lower case; tags are up to 128 of [\w.-]; a
// digest is `algorithm:hex`, checked as go-digest checks it.
//
// The regular expressions are the package's own grammar, rebuilt here. Go's RE2 runs in linear
// time where JavaScript's engine backtracks, so input is capped in length first (a real
// reference is at most a host, 255 characters of path, a 128-character tag and a digest).

export interface ImageReference {
  /** Registry host, with port when given: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  readonly domain: string;
  /** Repository path within the registry: `library/busybox`, `a/b`. */
  readonly path: string;
  readonly tag?: string;
  /** `sha256:<64 hex>` (or sha384/sha512). */
  readonly digest?: string;
}

/** Docker Hub, as references name it after normalisation. */
export const DOCKER_HUB_DOMAIN = 'docker.io';
/** The key under which the Docker CLI keeps Docker Hub's credentials (config.json, helpers). */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const LEGACY_HUB_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const MAX_PATH_LENGTH = 255;
const MAX_INPUT_LENGTH = 4096;

// The grammar of distribution/reference regexp.go.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6address})(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRegexp = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;
const anchoredTagRegexp = new RegExp(`^${tagPattern}$`);

/** go-digest's registered algorithms and the length of their hex part. */
const DIGEST_HEX_LENGTHS: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

/**
 * Parses a reference as the Docker CLI does (ParseNormalizedNamed): familiar forms are
 * completed (`busybox` → domain docker.io, path library/busybox). Tag and digest are kept as
 * written; no default tag is added (see dockerReference). Returns an Error saying what is
 * wrong; the caller adds where (a stack file position, a flag).
 */
export function parseReference(text: string): ImageReference | Error {
  if (text.length > MAX_INPUT_LENGTH) return invalid(`${text.slice(0, 40)}…`, `longer than ${MAX_INPUT_LENGTH} characters`);
  if (anchoredIdentifierRegexp.test(text)) {
    return invalid(text, 'a 64-character hexadecimal string is an image id, not a repository name');
  }
  const { domain, remainder } = splitDockerDomain(text);
  const colon = remainder.indexOf(':');
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) return invalid(text, `repository name (${remote}) must be lowercase`);
  return parseCanonical(`${domain}/${remainder}`, text);
}

/** parseReference for values already known to be valid (tests, constants); throws otherwise. */
export function mustParseReference(text: string): ImageReference {
  const ref = parseReference(text);
  if (ref instanceof Error) throw ref;
  return ref;
}

/**
 * The reference the engine stores and pulls (ParseDockerRef): `:latest` when neither tag nor
 * digest is given; with both, only the digest (it alone decides the content).
 */
export function dockerReference(ref: ImageReference): ImageReference {
  if (ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  if (ref.tag !== undefined) return ref;
  return { domain: ref.domain, path: ref.path, tag: DEFAULT_TAG };
}

/** `busybox` → `docker.io/library/busybox:latest`; an Error when the text is no reference. */
export function normalizeReference(text: string): string | Error {
  const ref = parseReference(text);
  return ref instanceof Error ? ref : formatReference(dockerReference(ref));
}

/** The full string: `domain/path[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** `domain/path`, the repository without tag or digest: `docker.io/library/busybox`. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/**
 * The short form people write and the Docker CLI displays (FamiliarString): Docker Hub's
 * domain and `library/` are dropped, tag and digest kept as they are.
 */
export function familiar(ref: ImageReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DOCKER_HUB_DOMAIN) {
    name = ref.path;
    if (name.startsWith(OFFICIAL_PREFIX) && !name.slice(OFFICIAL_PREFIX.length).includes('/')) {
      name = name.slice(OFFICIAL_PREFIX.length);
    }
  }
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The registry to pull from and push to: `docker.io`, `localhost:5000`. */
export function registryHost(ref: ImageReference): string {
  return ref.domain;
}

/**
 * The key credentials are stored under for a registry host, as the Docker CLI computes it
 * (getAuthConfigKey): Docker Hub's is `https://index.docker.io/v1/`, any other is the host.
 */
export function authConfigKey(host: string): string {
  return host === DOCKER_HUB_DOMAIN || host === LEGACY_HUB_DOMAIN ? DOCKER_HUB_AUTH_KEY : host;
}

/**
 * Whether two references name the same image once normalised: `busybox`,
 * `library/busybox:latest` and `docker.io/library/busybox:latest` are one image. Text that is
 * no reference (an image id) equals only the same text.
 */
export function sameImage(a: string, b: string): boolean {
  if (a === b) return true;
  const left = normalizeReference(a);
  const right = normalizeReference(b);
  return !(left instanceof Error) && !(right instanceof Error) && left === right;
}

/**
 * The query of the engine's pull (`POST /images/create?fromImage=…&tag=…`): the repository,
 * and the digest or tag (`latest` when the reference has neither).
 */
export function pullParameters(ref: ImageReference): { readonly fromImage: string; readonly tag: string } {
  const docker = dockerReference(ref);
  return { fromImage: repositoryName(docker), tag: docker.digest ?? docker.tag ?? DEFAULT_TAG };
}

/** Whether `tag` is a valid tag on its own (for `--tag`-like inputs and `build.tags`). */
export function isValidTag(tag: string): boolean {
  return anchoredTagRegexp.test(tag);
}

/** splitDockerDomain: where the registry host ends and the repository path begins. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { domain: DOCKER_HUB_DOMAIN, remainder: OFFICIAL_PREFIX + name };
  const maybeDomain = name.slice(0, slash);
  const maybeRemainder = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (maybeDomain === 'localhost' || /[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain) {
    domain = maybeDomain === LEGACY_HUB_DOMAIN ? DOCKER_HUB_DOMAIN : maybeDomain;
    remainder = maybeRemainder;
  } else {
    domain = DOCKER_HUB_DOMAIN;
    remainder = name;
  }
  if (domain === DOCKER_HUB_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return { domain, remainder };
}

/** Parse (reference.go) of a string that starts with its domain. */
function parseCanonical(s: string, original: string): ImageReference | Error {
  const match = referenceRegexp.exec(s);
  if (match === null) {
    const lower = s.toLowerCase();
    if (lower !== s && referenceRegexp.test(lower)) return invalid(original, 'repository name must be lowercase');
    return invalid(original, 'invalid reference format');
  }
  const nameMatch = anchoredNameRegexp.exec(match[1]!);
  const domain = nameMatch?.[1] ?? '';
  const path = nameMatch?.[2] ?? match[1]!;
  if (path.length > MAX_PATH_LENGTH) return invalid(original, `repository name must not be more than ${MAX_PATH_LENGTH} characters`);
  const digest = match[3];
  if (digest !== undefined) {
    const problem = digestProblem(digest);
    if (problem !== undefined) return invalid(original, problem);
  }
  return {
    domain,
    path,
    ...(match[2] !== undefined ? { tag: match[2] } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const length = DIGEST_HEX_LENGTHS.get(algorithm);
  if (length === undefined) return `unsupported digest algorithm ${algorithm}`;
  if (encoded.length !== length) return `invalid ${algorithm} digest length (${encoded.length} hex characters, expected ${length})`;
  if (!/^[a-f0-9]+$/.test(encoded)) return `invalid ${algorithm} digest format (lower-case hex expected)`;
  return undefined;
}

function invalid(text: string, why: string): Error {
  return new Error(`invalid image reference "${text}": ${why}`);
}
