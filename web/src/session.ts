// The signed-in caller: the bearer token, held in memory and in sessionStorage (so
// a reload keeps it but closing the tab forgets it), never in localStorage or a URL.
// The token is a JWT; its claims tell the console which pages to offer. The API
// checks every request itself, so the console trusts the claims only for layout.

const storageKey = 'karmayogi.token';

export type AccessRole = 'LEARNER' | 'ORG_ADMIN' | 'CONTENT_PROVIDER' | 'PLATFORM_ADMIN';

export interface Caller {
  token: string;
  role: AccessRole;
  /** The learner's global ID, for a learner's token. */
  learnerId: string | null;
  /** The administered organisation's global ID, for an ORG_ADMIN's token. */
  organisationId: string | null;
  /** Seconds since the epoch. */
  expires: number;
  /** A token that may only register its email. */
  registration: boolean;
}

interface Claims {
  role?: string;
  lid?: number;
  org?: number;
  exp?: number;
  reg?: boolean;
}

/** The opaque global ID of an object, as the API makes it: base64url of "Type:id". */
export function globalId(type: string, id: number): string {
  return btoa(`${type}:${id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decode(token: string): Caller | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const c = JSON.parse(json) as Claims;
    const roles: AccessRole[] = ['LEARNER', 'ORG_ADMIN', 'CONTENT_PROVIDER', 'PLATFORM_ADMIN'];
    const role = roles.find((r) => r === c.role);
    if (!role || typeof c.exp !== 'number') return null;
    return {
      token,
      role,
      learnerId: c.lid ? globalId('Learner', c.lid) : null,
      organisationId: c.org ? globalId('Organisation', c.org) : null,
      expires: c.exp,
      registration: c.reg === true,
    };
  } catch {
    return null;
  }
}

function read(): Caller | null {
  try {
    const t = sessionStorage.getItem(storageKey);
    const c = t ? decode(t) : null;
    return c && c.expires * 1000 > Date.now() ? c : null;
  } catch {
    return null;
  }
}

let current: Caller | null = read();
const listeners = new Set<() => void>();

export function caller(): Caller | null {
  return current;
}

/** Signs in with token; false when it is not a token the console understands. */
export function signIn(token: string): boolean {
  const c = decode(token.trim());
  if (!c) return false;
  current = c;
  try {
    sessionStorage.setItem(storageKey, c.token);
  } catch {
    // private mode: memory only
  }
  listeners.forEach((f) => f());
  return true;
}

/** Forgets the token (the caller of signOut revokes it first where it can). */
export function forget(): void {
  current = null;
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // nothing stored
  }
  listeners.forEach((f) => f());
}

export function onSessionChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
