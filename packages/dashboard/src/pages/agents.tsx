/** The agents pages: the list of agents, and one agent with its figures, failures and the three agent scores. */
import { score } from "../format.js";
import { GroupDetail } from "./group-detail.js";
import { AGENTS, type GroupRow } from "./group-kind.js";
import { GroupList } from "./group-list.js";

const SCORES: ["reliability" | "efficiency" | "specialization", string, string][] = [
  ["reliability", "Reliability", "How surely it succeeds: the lower bound of the 95% interval of its success rate, so that many runs earn more trust than a few."],
  ["efficiency", "Efficiency", "Speed (40%), quality (40%) and cost (20%) against the thresholds."],
  ["specialization", "Specialization", "Success and quality on the route it runs most, and how steady its latency is."],
];

/** The three scores of an agent (0..1), each with a bar and what it measures. */
function AgentScores({ g }: { g: GroupRow }) {
  return (
    <section class="card scores" aria-labelledby="scores-title">
      <h2 id="scores-title">Scores</h2>
      <dl class="score-list">
        {SCORES.map(([key, label, about]) => {
          const v = g.scores[key];
          return (
            <div key={key} class="score-item" data-metric={key} data-value={v === null ? "null" : String(v)}>
              <dt>{label}</dt>
              <dd>
                <span class="score-figure">{score(v)}</span>
                <meter min={0} max={1} low={0.5} high={0.8} optimum={1} value={v ?? 0} aria-label={`${label} ${score(v)} of 1`} />
                <span class="muted score-about">{about}</span>
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}

/** The list of agents. */
export function AgentsPage() {
  return <GroupList kind={AGENTS} />;
}

/** One agent's page. */
export function AgentPage({ name }: { name: string }) {
  return <GroupDetail kind={AGENTS} name={name} side={(g) => <AgentScores g={g} />} />;
}
