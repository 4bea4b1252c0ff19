/**
 * Plain text rendering shared by the human-facing channels (console, Slack, email), so that a
 * title or a value reads the same everywhere. Channels add their own markup and escaping.
 */
import type { Notification, NotifiedAlert } from "../core/alerting/types.js";

/** The parts of a notification's title: `[FIRING:2]`, the rule(s) and the severity. */
export interface TitleParts {
  tag: string;
  rules: string;
  severity: string;
}

/** Alerts in the notification by status. */
export function countByStatus(n: Notification): Record<NotifiedAlert["status"], number> {
  const counts = { firing: 0, resolved: 0, acknowledged: 0 };
  for (const a of n.alerts) counts[a.status]++;
  return counts;
}

/** The title's parts; the tag follows Alertmanager's `[FIRING:N]` / `[RESOLVED]` convention. */
export function titleParts(n: Notification): TitleParts {
  const counts = countByStatus(n);
  let tag: string;
  switch (n.kind) {
    case "firing":
      tag = `[FIRING:${counts.firing || n.alerts.length}]`;
      break;
    case "resolved":
      tag = "[RESOLVED]";
      break;
    case "acknowledged":
      tag = `[ACKNOWLEDGED:${counts.acknowledged || n.alerts.length}]`;
      break;
    case "test":
      tag = "[TEST]";
      break;
  }
  return { tag, rules: ruleNames(n), severity: n.severity };
}

/** One line naming the notification: `[FIRING:2] HighErrorRate (warning)`. */
export function title(n: Notification): string {
  const p = titleParts(n);
  return `${p.tag} ${p.rules} (${p.severity})`;
}

/** The rules the alerts come from: one name, a short list, or the group's alertname. */
export function ruleNames(n: Notification): string {
  const rules = [...new Set(n.alerts.map((a) => a.rule))];
  if (rules.length === 0) return n.group_labels.alertname ?? "(no alerts)";
  if (rules.length <= 3) return rules.join(", ");
  return `${rules[0]} and ${rules.length - 1} other rules`;
}

/** The one sentence that says what is wrong: the summary annotation, else the description, else the rule. */
export function alertSummary(a: NotifiedAlert): string {
  return a.annotations.summary || a.annotations.description || a.rule;
}

/** A number for people: integers grouped (`12,500`), others to four significant digits; null is "no data". */
export function formatValue(v: number | null, significant = 4): string {
  if (v === null || !Number.isFinite(v)) return "no data";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return group(String(v));
  const text = String(Number(v.toPrecision(significant)));
  return text.includes("e") ? text : group(text);
}

/**
 * `value (threshold t)`, with more digits when the default precision would print a value equal to
 * a threshold it differs from (0.05001 against 0.05 must not read "0.05 (threshold 0.05)").
 */
export function valueAgainstThreshold(a: NotifiedAlert): string {
  if (a.threshold === null) return formatValue(a.value);
  let sig = 4;
  while (a.value !== null && a.value !== a.threshold && sig < 15 && formatValue(a.value, sig) === formatValue(a.threshold, sig)) sig++;
  return `${formatValue(a.value, sig)} (threshold ${formatValue(a.threshold, sig)})`;
}

/** An epoch-millisecond time as ISO 8601 UTC. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Labels that say where, as `k=v` items; `alertname` and `severity` are left out since the title has them. */
export function labelItems(labels: Record<string, string>): string[] {
  return Object.entries(labels)
    .filter(([k]) => k !== "alertname" && k !== "severity")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
}

/** One fact about an alert, as a label and a plain-text value. */
export interface Fact {
  label: string;
  value: string;
}

const KNOWN_ANNOTATIONS: [string, string][] = [
  ["description", "Description"],
  ["recommendation", "Recommendation"],
  ["business_impact", "Business impact"],
];

/**
 * What a person needs about one alert, in reading order: summary, value against threshold, labels,
 * times, who acknowledged, then recommendation, business impact and any other annotation.
 */
export function alertFacts(a: NotifiedAlert): Fact[] {
  const facts: Fact[] = [{ label: "Summary", value: alertSummary(a) }, { label: "Value", value: valueAgainstThreshold(a) }];
  const labels = labelItems(a.labels);
  if (labels.length > 0) facts.push({ label: "Labels", value: labels.join(", ") });
  facts.push({ label: "Started", value: isoTime(a.starts_at) });
  if (a.ends_at !== null) facts.push({ label: "Resolved", value: isoTime(a.ends_at) });
  if (a.acknowledged_by !== null) facts.push({ label: "Acknowledged by", value: a.acknowledged_by });
  for (const [key, label] of KNOWN_ANNOTATIONS) {
    const v = a.annotations[key];
    // The description already stands in for a missing summary; saying it twice adds nothing.
    if (v && !(key === "description" && !a.annotations.summary)) facts.push({ label, value: v });
  }
  for (const [key, v] of Object.entries(a.annotations)) {
    if (key !== "summary" && v && !KNOWN_ANNOTATIONS.some(([k]) => k === key)) facts.push({ label: key, value: v });
  }
  return facts;
}

/** The heading of one alert: `HighErrorRate — critical, firing`. */
export function alertHeading(a: NotifiedAlert): string {
  return `${a.rule} — ${a.severity}, ${a.status}`;
}

/**
 * The alert's own page in the dashboard under the notification's external URL
 * (`https://vigil.example.com/#/alerts/<id>`); an anomaly rule's alert (it carries an
 * `anomaly_score` annotation) opens at the chart of its group around the alert (`?view=chart`).
 * Null when the external URL is not http(s), and for a test notification, whose alert has no page.
 */
export function alertUrl(n: Notification, a: NotifiedAlert): string | null {
  if (n.kind === "test" || !/^https?:\/\//i.test(n.external_url)) return null;
  let url: URL;
  try {
    url = new URL(n.external_url);
  } catch {
    return null;
  }
  // The dashboard's router reads the fragment, so the page is `<root>/#/…` whatever the root's path.
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/`;
  url.hash = `/alerts/${encodeURIComponent(a.id)}${a.annotations.anomaly_score !== undefined ? "?view=chart" : ""}`;
  return url.href;
}

/** A notification as plain text: the title, then each alert's heading, facts and page link. */
export function plainText(n: Notification): string {
  const lines = [title(n), ""];
  for (const a of n.alerts) {
    lines.push(`* ${alertHeading(a)}`);
    for (const f of alertFacts(a)) lines.push(`  ${f.label}: ${f.value}`);
    const url = alertUrl(n, a);
    if (url !== null) lines.push(`  Open in Vigil: ${url}`);
    lines.push("");
  }
  if (n.external_url) lines.push(`View in Vigil: ${n.external_url}`);
  return lines.join("\n").trimEnd() + "\n";
}

/** Cuts text to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Cutting between the halves of a surrogate pair would leave an invalid character.
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

function group(text: string): string {
  const [int, frac] = text.split(".");
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}
