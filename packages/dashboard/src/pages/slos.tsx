/** The SLOs section: every SLO with its compliance, budget, time to exhaustion and alerts (`#/slos`), and one SLO in full (`#/slos/<name>`). */
import type { SloStatus } from "@vigil/contract";
import { Freshness, PageTitle } from "../components/layout.js";
import { Empty, Panel } from "../components/states.js";
import { SortableTable, type Column } from "../components/table.js";
import { num, pct } from "../format.js";
import { usePoll } from "../poll.js";
import { href } from "../router.js";
import { SloDetail } from "./slo-detail.js";
import { BudgetBar, exhaustionWords, loadSlos, MetBadge, objective, sloNeedsAttention } from "./slo-parts.js";
import "./slos.css";

/** The SLOs page: the list, or the detail of `selected`. */
export function SlosPage({ selected }: { selected?: string }) {
  return selected ? <SloDetail name={selected} /> : <SloList />;
}

/** What a newcomer reads when no SLO is declared. */
function NoSlos() {
  return (
    <Empty title="No SLOs declared">
      <p>
        An SLO is a promise over a class of traffic, such as &ldquo;95% of simple queries answer within 3 s&rdquo;. Vigil keeps its error budget, burn rates and alerts. Declare service classes and SLOs under <code>service_classes:</code> and <code>slos:</code> in the config file, or send one to <code>POST /api/v1/slos</code>.
      </p>
      <p>
        <code>docs/examples/seed-002.yaml</code> holds a worked example with four query classes; <code>docs/slo.md</code> says what each figure means.
      </p>
    </Empty>
  );
}

/** Met first ranks worst first when sorted descending: not met, then no events, then met. */
const metRank = (m: boolean | null) => (m === false ? 2 : m === null ? 1 : 0);

const COLUMNS: Column<SloStatus>[] = [
  {
    key: "name",
    label: "SLO",
    value: (s) => s.name,
    cellClass: "slo-name",
    render: (s) => (
      <>
        <a href={href(["slos", s.name])}>{s.name}</a>
        {sloNeedsAttention(s) ? (
          <span class="badge badge-bad slo-flag" title="Error budget spent or a burn-rate alert firing">
            attention
          </span>
        ) : null}
        <div class="muted slo-objective">{objective(s.definition)}</div>
      </>
    ),
  },
  { key: "class", label: "Class", value: (s) => s.class.name },
  { key: "compliance", label: "Compliance", numeric: true, value: (s) => s.compliance, render: (s) => <span data-testid="slo-compliance" data-value={s.compliance === null ? "null" : String(s.compliance)}>{pct(s.compliance)}</span> },
  { key: "target", label: "Target", numeric: true, value: (s) => s.target, render: (s) => pct(s.target) },
  { key: "met", label: "Met", value: (s) => metRank(s.met), render: (s) => <MetBadge met={s.met} /> },
  { key: "budget", label: "Budget left", numeric: true, value: (s) => s.budget.remaining_ratio, render: (s) => <BudgetBar s={s} /> },
  { key: "exhaustion", label: "Runs out in", numeric: true, value: (s) => s.exhaustion.in_seconds, render: (s) => <span data-testid="slo-exhaustion" data-value={s.exhaustion.in_seconds === null ? "null" : String(s.exhaustion.in_seconds)}>{exhaustionWords(s)}</span> },
  {
    key: "alerts",
    label: "Open alerts",
    numeric: true,
    value: (s) => s.open_alerts,
    render: (s) => (s.open_alerts ? <a class="open-alerts" href={href(["slos", s.name], { at: "alerts" })} data-testid="slo-open-alerts" data-value={s.open_alerts}>{num(s.open_alerts)}</a> : <span data-testid="slo-open-alerts" data-value="0">0</span>),
  },
];

function SloList() {
  const polled = usePoll(loadSlos, []);
  return (
    <>
      <PageTitle title="SLOs" sub={<>Each promise over its period: compliance, error budget and alerts · <Freshness at={polled.updatedAt} /></>} />
      <Panel polled={polled} what="SLOs" isEmpty={(d) => d.slos.length === 0} empty={<NoSlos />}>
        {(d) => (
          <div class="slo-list" data-testid="slos-table">
            <SortableTable rows={d.slos} columns={COLUMNS} rowKey={(s) => s.name} initial="name" caption="SLOs with their compliance, error budget left, time to exhaustion and open alerts" />
          </div>
        )}
      </Panel>
    </>
  );
}
