// One registry credential, as the Engine API takes it (the AuthConfig of the X-Registry-Auth
// and X-Registry-Config headers), in a value that cannot leak: its secrets live in private
// fields, and every way of showing it (String(), JSON.stringify, util.inspect, console.log,
// an error's message that interpolates it) shows only its kind and server address. The
// secret leaves only through authHeader() / engineAuthConfig(), which build what is sent to
// the engine.

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

export type CredentialKind = 'anonymous' | 'password' | 'identity-token' | 'registry-token';

/** The Engine API's AuthConfig (api/types/registry), field order and omitempty as Go writes it. */
export interface EngineAuthConfig {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface CredentialFields {
  readonly serverAddress?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identityToken?: string;
  readonly registryToken?: string;
}

export class RegistryCredential {
  /** The address the credential was stored under (a config key), when it has one. */
  readonly serverAddress: string | undefined;
  readonly #username: string;
  readonly #password: string;
  readonly #identityToken: string;
  readonly #registryToken: string;

  private constructor(fields: CredentialFields) {
    this.serverAddress = fields.serverAddress || undefined;
    this.#username = fields.username ?? '';
    this.#password = fields.password ?? '';
    this.#identityToken = fields.identityToken ?? '';
    this.#registryToken = fields.registryToken ?? '';
  }

  static fromFields(fields: CredentialFields): RegistryCredential {
    return new RegistryCredential(fields);
  }

  /** No credentials: the engine pulls anonymously. */
  static anonymous(serverAddress?: string): RegistryCredential {
    return new RegistryCredential(serverAddress !== undefined ? { serverAddress } : {});
  }

  get kind(): CredentialKind {
    if (this.#identityToken !== '') return 'identity-token';
    if (this.#registryToken !== '') return 'registry-token';
    if (this.#username !== '' || this.#password !== '') return 'password';
    return 'anonymous';
  }

  get isAnonymous(): boolean {
    return this.kind === 'anonymous';
  }

  /**
   * The Engine API's AuthConfig, with the secrets. Only for building what is sent to the
   * engine; never log it.
   */
  engineAuthConfig(): EngineAuthConfig {
    const out: EngineAuthConfig = {};
    if (this.#username !== '') out.username = this.#username;
    if (this.#password !== '') out.password = this.#password;
    if (this.serverAddress !== undefined) out.serveraddress = this.serverAddress;
    if (this.#identityToken !== '') out.identitytoken = this.#identityToken;
    if (this.#registryToken !== '') out.registrytoken = this.#registryToken;
    return out;
  }

  /**
   * The X-Registry-Auth header value: base64url, padded, of the AuthConfig JSON (Go's
   * base64.URLEncoding, which the engine decodes with). Padding matters: measured on Docker
   * 20.10, the same credentials unpadded (Node's 'base64url') were silently dropped whenever
   * the JSON's length was not a multiple of 3, and the pull failed as anonymous ("no basic auth
   * credentials"). Secret: send it, never show it.
   */
  authHeader(): string {
    return encodeHeaderJson(this.engineAuthConfig());
  }

  toString(): string {
    return `RegistryCredential(${this.kind}${this.serverAddress !== undefined ? ` for ${this.serverAddress}` : ''})`;
  }

  toJSON(): { kind: CredentialKind; serverAddress?: string } {
    return { kind: this.kind, ...(this.serverAddress !== undefined ? { serverAddress: this.serverAddress } : {}) };
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

/** base64url with padding (Go's base64.URLEncoding) of a value's JSON. */
export function encodeHeaderJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
