/** The dashboard's HTTP client: every call to Vigil's API goes through `get`/`send`, which add the API key and turn error answers into ApiError. */

/** An error answer from the API (or a network failure, status 0), with the server's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const KEY_STORAGE = "vigil.apiKey";
const listeners = new Set<() => void>();

/** The API key kept in this browser, or null. */
export function apiKey(): string | null {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

/** Keeps (or forgets, with null) the API key and tells every `onAuthChange` listener. */
export function setApiKey(key: string | null): void {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the key lives only as long as the page */
  }
  for (const l of listeners) l();
}

/** Calls `fn` whenever the key changes or the server refuses the key (401); returns the unsubscribe function. */
export function onAuthChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Query parameters; undefined, null and "" are left out. */
export type Params = Record<string, string | number | boolean | undefined | null>;

/** Builds `/api/v1/<path>?<params>`. */
export function apiUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `api/v1/${path.replace(/^\//, "")}${s ? `?${s}` : ""}`;
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  // The server takes state-changing requests only as JSON (its cross-site defence), even without a body.
  if (body !== undefined || method !== "GET") headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "NETWORK", "Vigil is not answering: is the server running?");
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } } | null)?.error;
    const err = new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? `${method} ${url} answered ${res.status} ${res.statusText}`);
    // A refused key sends the page back to the key form (the session check itself answers that directly, so it does not loop).
    if (res.status === 401 && !url.startsWith("api/v1/session")) for (const l of listeners) l();
    throw err;
  }
  if (json === null && text) throw new ApiError(res.status, "BAD_ANSWER", `${method} ${url} did not answer JSON`);
  return json as T;
}

/** GET an API path. */
export function get<T>(path: string, params?: Params): Promise<T> {
  return call<T>("GET", apiUrl(path, params));
}

/** POST/PUT/PATCH/DELETE an API path with an optional JSON body. */
export function send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  return call<T>(method, apiUrl(path), body);
}
