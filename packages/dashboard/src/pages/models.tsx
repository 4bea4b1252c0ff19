/** The models pages: the list of models seen in traffic with each one's health verdict, and one model with its verdict, figures, failures and its entry in the model registry. */
import type { Column } from "../components/table.js";
import { ms, num, pct, when } from "../format.js";
import { GroupDetail, type TileSpec } from "./group-detail.js";
import { MODELS, type GroupRow } from "./group-kind.js";
import { groupColumns, GroupList, GroupTable } from "./group-list.js";
import { registered, useRegistry, useVerdicts, VerdictBadge, VERDICT_RANK, type Verdict } from "./model-health.js";

const LLM_TILES: TileSpec[] = [
  ["llm_calls", "LLM calls", num],
  ["llm_error_rate", "LLM error rate", pct],
  ["llm_p95_latency_ms", "LLM p95 latency", ms],
];

/** The rank a verdict sorts by (worst first when descending); no verdict sorts last. */
function rank(v: Verdict | undefined): number | null {
  return v && "health" in v ? VERDICT_RANK[v.health.status] : v && "unregistered" in v ? VERDICT_RANK.unknown : null;
}

/** The models table: the health verdict is the model's state; its registry status (plain text, not a health colour) and 0–100 score follow. */
function ModelTable({ rows }: { rows: GroupRow[] }) {
  const registry = useRegistry();
  const verdicts = useVerdicts(
    rows.map((r) => r.name),
    registry.data?.models,
  );
  const state: Column<GroupRow> = { key: "state", label: "State", cellClass: "state", value: (r) => rank(verdicts?.get(r.name)), render: (r) => <VerdictBadge verdict={verdicts?.get(r.name)} /> };
  const reg: Column<GroupRow> = { key: "registry", label: "Registry", value: (r) => registered(registry.data?.models, r.name)?.status ?? null, render: (r) => <span class="muted">{registered(registry.data?.models, r.name)?.status ?? (registry.data ? "not registered" : "…")}</span> };
  const columns = groupColumns(MODELS).flatMap((c) => (c.key === "status" ? [state, reg] : c.key === "health" ? [{ ...c, label: "Score" }] : [c]));
  return <GroupTable kind={MODELS} rows={rows} columns={columns} />;
}

/** The model's registry entry when it is registered; a model only seen in traffic is said to be so. */
function Registry({ name }: { name: string }) {
  const polled = useRegistry();
  const m = registered(polled.data?.models, name);
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
          <dd data-testid="registry-status">
            {m.status} <span class="muted">(the registry&apos;s setting, not its health) · deployment {m.deployment_status.replace(/_/g, " ")}</span>
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

/** The model's verdict under its score on the detail page, with every reason. */
function ModelState({ name }: { name: string }) {
  const registry = useRegistry();
  const verdicts = useVerdicts([name], registry.data?.models);
  return (
    <div class="model-state" data-testid="model-state">
      <VerdictBadge verdict={verdicts?.get(name)} full />
    </div>
  );
}

/** The list of models. */
export function ModelsPage() {
  return <GroupList kind={MODELS} table={(rows) => <ModelTable rows={rows} />} />;
}

/** One model's page. */
export function ModelPage({ name }: { name: string }) {
  return <GroupDetail kind={MODELS} name={name} tiles={LLM_TILES} status={() => <ModelState name={name} />} side={() => <Registry name={name} />} />;
}
