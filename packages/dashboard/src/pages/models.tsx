/** The models pages: the list of models seen in traffic, and one model with its figures, failures and its entry in the model registry. */
import { get } from "../api.js";
import { ms, num, pct, when } from "../format.js";
import { usePoll } from "../poll.js";
import { GroupDetail, type TileSpec } from "./group-detail.js";
import { MODELS } from "./group-kind.js";
import { GroupList } from "./group-list.js";

/** The fields of a registered model (`GET /api/v1/models`) this page shows. */
interface RegisteredModel {
  id: string;
  name: string;
  provider: string | null;
  version: string;
  status: "active" | "standby" | "retired";
  deployment_status: string;
  capabilities: Record<string, unknown>;
  source: "config" | "api";
  updated_at: number;
}

const LLM_TILES: TileSpec[] = [
  ["llm_calls", "LLM calls", num],
  ["llm_error_rate", "LLM error rate", pct],
  ["llm_p95_latency_ms", "LLM p95 latency", ms],
];

const STATUS_BADGE: Record<RegisteredModel["status"], string> = { active: "badge-good", standby: "badge-info", retired: "badge-muted" };

/** The model's registry entry when it is registered; a model only seen in traffic is said to be so. */
function Registry({ name }: { name: string }) {
  const polled = usePoll(() => get<{ models: RegisteredModel[] }>("models"), [], 30_000);
  const m = polled.data?.models.find((x) => x.id === name || x.name === name);
  return (
    <section class="card registry" aria-labelledby="registry-title">
      <h2 id="registry-title">Registry</h2>
      {polled.error && !polled.data ? (
        <p class="muted">The model registry could not be read: {polled.error.message}</p>
      ) : !polled.data ? (
        <p class="muted">Loading the model registry…</p>
      ) : m ? (
        <dl class="kv">
          <dt>Id</dt>
          <dd>
            <code>{m.id}</code>
          </dd>
          <dt>Provider</dt>
          <dd>{m.provider ?? "—"}</dd>
          <dt>Version</dt>
          <dd>{m.version}</dd>
          <dt>Status</dt>
          <dd>
            <span class={`badge ${STATUS_BADGE[m.status] ?? "badge-muted"}`}>{m.status}</span> <span class="muted">deployment {m.deployment_status.replace(/_/g, " ")}</span>
          </dd>
          <dt>Capabilities</dt>
          <dd>{Object.keys(m.capabilities).filter((k) => m.capabilities[k]).join(", ") || "—"}</dd>
          <dt>Defined in</dt>
          <dd>
            {m.source === "config" ? "the config file" : "the API"}, updated {when(m.updated_at)}
          </dd>
        </dl>
      ) : (
        <p class="muted">This model is not in the model registry: Vigil knows it only from the events that name it. Register it to use it in routes.</p>
      )}
    </section>
  );
}

/** The list of models. */
export function ModelsPage() {
  return <GroupList kind={MODELS} />;
}

/** One model's page. */
export function ModelPage({ name }: { name: string }) {
  return <GroupDetail kind={MODELS} name={name} tiles={LLM_TILES} side={() => <Registry name={name} />} />;
}
