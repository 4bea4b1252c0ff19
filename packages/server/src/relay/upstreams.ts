/**
 * Where `vigil relay` sends each model's requests: the registry's `upstream` of every model (from
 * `GET /api/v1/models`), overridden or completed by `--upstream model=url` flags, resolved once per registry
 * change into ready-to-use targets (parsed URL, Authorization header) so that the hot path only does a map lookup.
 * An upstream whose URL names a refused address, or whose key variable lacks the prefix, gets no target: its
 * variable is never read.
 */
import type { ModelRecord } from "../core/failover/store.js";
import { keyEnvRefusal, urlRefusal, type UpstreamPolicy } from "../core/failover/upstream-policy.js";

/** The fields of a registry model the relay uses (the rest of `GET /api/v1/models` is ignored). */
export type RegistryModel = Pick<ModelRecord, "id" | "provider" | "upstream">;

/** An upstream given on the command line, replacing or completing the registry's. */
export interface UpstreamOverride {
  /** Base URL of an OpenAI-compatible API, e.g. `http://127.0.0.1:11434/v1`; default: the registry's. */
  baseUrl?: string;
  /** Environment variable holding the key sent upstream; default: the registry's `api_key_env`. */
  apiKeyEnv?: string;
}

/** Where one model's requests go. */
export interface UpstreamTarget {
  /** The registry id, recorded as the event's `model`. */
  modelId: string;
  /** The provider recorded with the event, when the registry names one. */
  provider: string | undefined;
  /** The model name written into the forwarded body (`upstream.model`, else the id). */
  upstreamModel: string;
  /** `base_url + "/chat/completions"`. */
  url: URL;
  /** The `Authorization` header sent upstream, or null when no key is configured. */
  authorization: string | null;
}

/** The resolved table, and what could not be resolved (reported once per change). */
export interface UpstreamTable {
  targets: ReadonlyMap<string, UpstreamTarget>;
  /** Human-readable problems: a bad or refused URL, a refused key variable, one that is not set. */
  problems: string[];
}

/** The models of a `GET /api/v1/models` answer (`{"models": [...]}`), keeping only well-formed entries; null when the answer is not that shape. */
export function parseRegistryModels(value: unknown): RegistryModel[] | null {
  const list = isObject(value) ? value.models : undefined;
  if (!Array.isArray(list)) return null;
  const out: RegistryModel[] = [];
  for (const m of list) {
    if (!isObject(m) || typeof m.id !== "string" || m.id === "") continue;
    const u = m.upstream;
    const upstream =
      isObject(u) && typeof u.base_url === "string"
        ? { base_url: u.base_url, api_key_env: typeof u.api_key_env === "string" ? u.api_key_env : null, model: typeof u.model === "string" && u.model !== "" ? u.model : null }
        : null;
    out.push({ id: m.id, provider: typeof m.provider === "string" && m.provider !== "" ? m.provider : null, upstream });
  }
  return out;
}

/**
 * Builds the targets of every model that has an upstream, from the registry and the overrides (an override wins
 * field by field), within `policy`.
 */
export function buildUpstreamTable(
  models: readonly RegistryModel[], overrides: ReadonlyMap<string, UpstreamOverride>, env: Readonly<Record<string, string | undefined>>, policy: UpstreamPolicy,
): UpstreamTable {
  const targets = new Map<string, UpstreamTarget>();
  const problems: string[] = [];
  const byId = new Map(models.map((m) => [m.id, m]));
  for (const id of new Set([...byId.keys(), ...overrides.keys()])) {
    const model = byId.get(id);
    const override = overrides.get(id);
    const baseUrl = override?.baseUrl ?? model?.upstream?.base_url;
    if (baseUrl === undefined) continue;
    let url: URL;
    try {
      url = new URL(`${baseUrl.replace(/\/+$/, "")}/chat/completions`);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError("not http(s)");
    } catch {
      problems.push(`model ${id}: upstream ${baseUrl} is not an http(s) URL`);
      continue;
    }
    const refusedUrl = urlRefusal(policy, url);
    if (refusedUrl !== null) {
      problems.push(`model ${id}: upstream ${baseUrl} is refused (${refusedUrl}; see --allow-upstream); not served`);
      continue;
    }
    const keyEnv = override?.apiKeyEnv ?? model?.upstream?.api_key_env ?? null;
    const refusedKey = keyEnv === null ? null : keyEnvRefusal(policy, keyEnv);
    if (refusedKey !== null) {
      problems.push(`model ${id}: key variable ${keyEnv} is refused: it ${refusedKey} (see --upstream-key-prefix); not served`);
      continue;
    }
    const key = keyEnv === null ? undefined : env[keyEnv];
    if (keyEnv !== null && !key) problems.push(`model ${id}: ${keyEnv} is not set; requests go upstream without a key`);
    targets.set(id, {
      modelId: id,
      provider: model?.provider ?? undefined,
      upstreamModel: model?.upstream?.model ?? id,
      url,
      authorization: key ? `Bearer ${key}` : null,
    });
  }
  return { targets, problems };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
