//! The one way the app talks to the REST API: typed paths from the generated OpenAPI types,
//! bearer tokens kept in localStorage and refreshed once on a 401, errors as `ApiError`.
import type { components } from './schema';

export type Schemas = components['schemas'];
export type User = Schemas['User'];
export type Session = Schemas['Session'];

/** An error answer of the API: its stable `code`, its message and the HTTP status. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    /** The whole JSON answer, when there was one (a 422 of publish carries the problems). */
    public body?: unknown,
  ) {
    super(message);
  }

  /** The request field at fault, when the API names one (e.g. `timezone`). */
  get field(): string | undefined {
    const f = (this.body as { field?: unknown } | undefined)?.field;
    return typeof f === 'string' && f ? f : undefined;
  }
}

/** The code of the API's answer to a user who must choose a password of their own first. */
export const PASSWORD_CHANGE_REQUIRED = 'PASSWORD_CHANGE_REQUIRED';

const passwordListeners = new Set<() => void>();

/** Called when the API answers `PASSWORD_CHANGE_REQUIRED`: the app asks for a new password. */
export function onPasswordChangeRequired(l: () => void): () => void {
  passwordListeners.add(l);
  return () => {
    passwordListeners.delete(l);
  };
}

const ACCESS = 'tucan.access';
const REFRESH = 'tucan.refresh';
const listeners = new Set<() => void>();

export const tokens = {
  access: () => localStorage.getItem(ACCESS),
  refresh: () => localStorage.getItem(REFRESH),
  set(s: { access_token: string; refresh_token: string }) {
    localStorage.setItem(ACCESS, s.access_token);
    localStorage.setItem(REFRESH, s.refresh_token);
  },
  clear() {
    localStorage.removeItem(ACCESS);
    localStorage.removeItem(REFRESH);
    listeners.forEach((l) => l());
  },
  /** Called when the session ends (refresh refused): the app goes back to sign-in. */
  onSignedOut(l: () => void) {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

let refreshing: Promise<boolean> | null = null;

async function refreshOnce(): Promise<boolean> {
  const refresh_token = tokens.refresh();
  if (!refresh_token) return false;
  refreshing ??= fetch('/api/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token }),
  })
    .then(async (r) => {
      if (!r.ok) return false;
      tokens.set(await r.json());
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined | null>;
  /** A JSON body, or a Blob/File sent as is (with its own content type). */
  body?: unknown;
  /** Content type for a Blob/string body (default application/octet-stream). */
  contentType?: string;
  /** Answer as text (CSV export) instead of JSON. */
  text?: boolean;
}

/** Sends one request with the user's token; on a 401, refreshes the session once and retries. */
async function request(method: Method, path: string, opts: RequestOptions = {}): Promise<Response> {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  const send = async () => {
    const headers: Record<string, string> = {};
    const access = tokens.access();
    if (access) headers.authorization = `Bearer ${access}`;
    let body: BodyInit | undefined;
    if (opts.body instanceof Blob || typeof opts.body === 'string') {
      headers['content-type'] = opts.contentType || (opts.body instanceof Blob ? opts.body.type : '') || 'application/octet-stream';
      body = opts.body as BodyInit;
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    try {
      return await fetch(url, { method, headers, body });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', e instanceof Error ? e.message : String(e));
    }
  };
  let res = await send();
  if (res.status === 401 && tokens.refresh() && !path.startsWith('/api/auth/')) {
    if (await refreshOnce()) res = await send();
    else tokens.clear();
  }
  return res;
}

/** The `ApiError` of an answer that is not a success. */
async function failure(res: Response): Promise<ApiError> {
  let code = 'HTTP_' + res.status;
  let message = res.statusText;
  let body: unknown;
  try {
    const e = await res.json();
    body = e;
    code = e.code ?? code;
    message = e.message ?? message;
  } catch {
    /* not JSON */
  }
  if (res.status === 403 && code === PASSWORD_CHANGE_REQUIRED) passwordListeners.forEach((l) => l());
  return new ApiError(res.status, code, message, body);
}

/** Calls the API at `path` (starting with `/api/`) and returns the parsed answer. */
export async function api<T = unknown>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await request(method, path, opts);
  if (!res.ok) throw await failure(res);
  if (opts.text) return (await res.text()) as T;
  if (res.status === 204) return undefined as T;
  const ct = res.headers.get('content-type') ?? '';
  return (ct.includes('json') ? await res.json() : await res.text()) as T;
}

/** Whether `url` is a stored file of the API (`/api/media/…`), which needs the user's token. */
export function isApiMedia(url: string | undefined | null): url is string {
  if (!url) return false;
  try {
    const u = new URL(url, window.location.origin);
    return u.origin === window.location.origin && u.pathname.startsWith('/api/media/');
  } catch {
    return false;
  }
}

/** The path of a stored file. */
export function mediaPath(id: string): string {
  return `/api/media/${encodeURIComponent(id)}`;
}

/** Downloads a file of the API (e.g. `/api/media/…`) with the user's token, as a Blob. */
export async function apiBlob(path: string): Promise<Blob> {
  const u = new URL(path, window.location.origin);
  const res = await request('GET', u.pathname + u.search);
  if (!res.ok) throw await failure(res);
  return res.blob();
}
