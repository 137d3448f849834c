// Label names. Compose's identity labels make Docker Desktop and `docker compose ps/down`
// see our stacks; our own facts (ownership, hash, last applied spec) live under our prefix.

export const COMPOSE = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  dependsOn: 'com.docker.compose.depends_on',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  version: 'com.docker.compose.version',
  image: 'com.docker.compose.image',
} as const;

export const STACK_PREFIX = 'dev.stack.';

export const STACK = {
  /** Present (value `true`) on every object stack created: the ownership mark. */
  managed: 'dev.stack.managed',
  /** Canonical hash of the container's desired spec. */
  configHash: 'dev.stack.config-hash',
  /** The last applied canonical spec (JSON), for reasons down to the field. */
  spec: 'dev.stack.spec',
  /** Canonical hash of a network's or volume's desired spec. */
  resourceHash: 'dev.stack.resource-hash',
  /** Anonymous volumes we create ourselves: `<service>/<number>/<target>`. */
  anonymousVolume: 'dev.stack.anonymous-volume',
  /** Spec paths that held secret values when the container was made (JSON list), so a later plan hides the old value even after the secret rotates. */
  sensitivePaths: 'dev.stack.sensitive-paths',
  /** The stack version that created the object. */
  version: 'dev.stack.version',
} as const;

/** The filter that selects everything of one project that stack owns. */
export function projectFilter(projectName: string): string[] {
  return [`${COMPOSE.project}=${projectName}`];
}
