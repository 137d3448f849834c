// Which uid and gid a synced file gets: the container user's, resolved the way the container
// runtime resolves it, so that the process in the container owns what we copy in.
//
// Why not the archive API's `copyUIDGID`: measured on Docker 20.10, it looks the user up in the
// engine HOST's passwd (moby#34142): a name the host lacks, or any `user:group`, fails with a
// 500. So the caller reads the container's own /etc/passwd and /etc/group and we resolve here,
// as runc does (libcontainer/user.GetExecUser):
//   - ''                  → 0:0 (root);
//   - a number            → that uid; its gid from the passwd line with that uid, else 0;
//   - a name             → the passwd line's uid and primary gid;
//   - user:group          → each side as above, the group by number or through /etc/group.
// A name the files do not know cannot be resolved: the container could not have started with
// it either, so the caller falls back to root and says so.

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

export const ROOT: Owner = { uid: 0, gid: 0 };

export type OwnerResolution = { readonly owner: Owner } | { readonly unresolved: string };

/** The `user[:group]` spec split; '' when absent. */
export function splitUserSpec(spec: string): { user: string; group: string | undefined } {
  const colon = spec.indexOf(':');
  return colon < 0 ? { user: spec, group: undefined } : { user: spec.slice(0, colon), group: spec.slice(colon + 1) };
}

/** Does resolving this spec need the container's passwd or group file? */
export function needsAccountFiles(spec: string): { passwd: boolean; group: boolean } {
  const { user, group } = splitUserSpec(spec.trim());
  return { passwd: user !== '' && (!isNumeric(user) || group === undefined), group: group !== undefined && group !== '' && !isNumeric(group) };
}

/**
 * Resolves a container's `User` against the text of its /etc/passwd and /etc/group
 * (undefined when the file is missing).
 */
export function resolveOwner(spec: string, passwd: string | undefined, group: string | undefined): OwnerResolution {
  const { user, group: groupSpec } = splitUserSpec(spec.trim());
  if (user === '' && (groupSpec === undefined || groupSpec === '')) return { owner: ROOT };
  const users = parseAccounts(passwd);
  let uid: number;
  let primaryGid = 0;
  if (user === '') {
    uid = 0;
  } else if (isNumeric(user)) {
    uid = Number(user);
    const line = users.find((u) => u.id === uid);
    if (line) primaryGid = line.gid;
  } else {
    const line = users.find((u) => u.name === user);
    if (!line) return { unresolved: `user ${user} is not in the container's /etc/passwd` };
    uid = line.id;
    primaryGid = line.gid;
  }
  if (groupSpec === undefined || groupSpec === '') return { owner: { uid, gid: primaryGid } };
  if (isNumeric(groupSpec)) return { owner: { uid, gid: Number(groupSpec) } };
  const groupLine = parseAccounts(group).find((g) => g.name === groupSpec);
  if (!groupLine) return { unresolved: `group ${groupSpec} is not in the container's /etc/group` };
  return { owner: { uid, gid: groupLine.id } };
}

interface AccountLine {
  readonly name: string;
  readonly id: number;
  /** Primary gid (passwd lines only; 0 for group lines). */
  readonly gid: number;
}

/** `name:x:id:gid:...` lines (passwd and group share the first three fields). Bad lines are skipped. */
function parseAccounts(text: string | undefined): AccountLine[] {
  if (text === undefined) return [];
  const out: AccountLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3 || !isNumeric(fields[2]!)) continue;
    out.push({ name: fields[0]!, id: Number(fields[2]), gid: fields[3] !== undefined && isNumeric(fields[3]) ? Number(fields[3]) : 0 });
  }
  return out;
}

function isNumeric(text: string): boolean {
  return /^\d+$/.test(text);
}
