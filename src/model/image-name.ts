// The name of the image a service runs, which is also the tag its build gets: `image:`, else
// Compose's default `<project>-<service>` (docker/compose pkg/api GetImageNameOrDefault, with
// `api.Separator = "-"`; Compose v1 used `_`). The one place this rule lives: the planner, the
// build step and `config --images` all ask here.

import type { ServiceSpec } from './types.js';

export const IMAGE_NAME_SEPARATOR = '-';

export function serviceImageName(projectName: string, service: Pick<ServiceSpec, 'name' | 'image'>): string {
  return service.image ?? `${projectName}${IMAGE_NAME_SEPARATOR}${service.name}`;
}
