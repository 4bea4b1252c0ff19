/**
 * The report's `compliance` section (seed 002's success criteria, docs/slo.md "The report"): how
 * many SLOs meet their target, the availability the availability SLOs reach, and the satisfaction
 * users gave on the 1–5 scale they rated on. One function, so the report and every view of it (the
 * dashboard's report page reads this section) show the same figures.
 */
import type { ComplianceSummary, Metrics } from "@vigil/contract";
import type { SloReading } from "./slo-service.js";

/**
 * The mean rating of the window on the 1–5 scale: the mean of the 1–5 ratings, or, when the window
 * holds only thumbs, their satisfaction (0..1) mapped back onto the scale (1 + 4 × s); null without feedback.
 */
export function ratingOnScale(m: Pick<Metrics, "avg_rating" | "avg_satisfaction">): number | null {
  if (m.avg_rating !== null) return m.avg_rating;
  return m.avg_satisfaction === null ? null : 1 + 4 * m.avg_satisfaction;
}

/** The compliance section from every SLO's reading and the window's metrics. */
export function complianceSummary(readings: readonly SloReading[], m: Pick<Metrics, "avg_rating" | "avg_satisfaction">): ComplianceSummary {
  let judged = 0;
  let met = 0;
  let availSum = 0;
  let availN = 0;
  const slos = readings.map(({ slo, figures: f }) => {
    if (f.compliance !== null) {
      judged++;
      if (f.met) met++;
      if (slo.spec.sli.kind === "availability") {
        availSum += f.compliance;
        availN++;
      }
    }
    return { name: slo.spec.name, class: slo.definition.class, kind: slo.definition.sli.kind, compliance: f.compliance, target: slo.spec.target, met: f.met, remaining_ratio: f.budget.remaining_ratio };
  });
  return {
    slos_total: readings.length,
    slos_met: met,
    share_met: judged === 0 ? null : met / judged,
    availability: availN === 0 ? null : availSum / availN,
    satisfaction: ratingOnScale(m),
    slos,
  };
}
