/** The report's compliance section (`compliance` of `GET /api/v1/report`): SLOs met out of all, availability, satisfaction on the 1–5 scale, and each SLO's line. */
import type { ComplianceSummary } from "@vigil/contract";
import { num, pct } from "../format.js";
import { href } from "../router.js";
import { MetBadge, meanRating } from "./slo-parts.js";

/** A figure of the section with the raw value kept in `data-value` (the browser suite compares it with the API). */
function Fact({ id, label, value, text }: { id: string; label: string; value: number | null; text: string }) {
  return (
    <div class="stat" data-figure={id} data-value={value === null ? "null" : String(value)}>
      <dt>{label}</dt>
      <dd>{text}</dd>
    </div>
  );
}

/** The section; on a server without SLOs it says how to declare one. */
export function ComplianceSection({ c }: { c: ComplianceSummary }) {
  return (
    <section class="card report-compliance" aria-labelledby="report-compliance" data-testid="report-compliance">
      <h2 id="report-compliance">Compliance</h2>
      <dl class="stats">
        <Fact id="slos_met" label={`SLOs met of ${num(c.slos_total)}`} value={c.slos_met} text={num(c.slos_met)} />
        <Fact id="share_met" label="Share met" value={c.share_met} text={pct(c.share_met)} />
        <Fact id="availability" label="Availability" value={c.availability} text={pct(c.availability)} />
        <Fact id="satisfaction" label="Satisfaction" value={c.satisfaction} text={meanRating(c.satisfaction)} />
      </dl>
      {c.slos.length ? (
        <div class="table-wrap">
          <table class="compact">
            <caption class="sr-only">Each SLO's compliance against its target</caption>
            <thead>
              <tr>
                <th scope="col">SLO</th>
                <th scope="col">Class</th>
                <th scope="col">Kind</th>
                <th scope="col" class="num">
                  Compliance
                </th>
                <th scope="col" class="num">
                  Target
                </th>
                <th scope="col" class="num">
                  Budget left
                </th>
                <th scope="col">Met</th>
              </tr>
            </thead>
            <tbody>
              {c.slos.map((s) => (
                <tr key={s.name} data-slo={s.name} data-compliance={s.compliance === null ? "null" : String(s.compliance)}>
                  <th scope="row">
                    <a href={href(["slos", s.name])}>{s.name}</a>
                  </th>
                  <td>{s.class}</td>
                  <td>{s.kind}</td>
                  <td class="num">{pct(s.compliance)}</td>
                  <td class="num">{pct(s.target)}</td>
                  <td class="num">{pct(s.remaining_ratio)}</td>
                  <td>
                    <MetBadge met={s.met} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No SLO is declared: declare service classes and SLOs in the config file or with <code>POST /api/v1/slos</code> to see compliance here (see the SLOs page).</p>
      )}
    </section>
  );
}
