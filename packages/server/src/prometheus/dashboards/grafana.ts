/**
 * The slice of Grafana's dashboard JSON model (schema version 39, Grafana 10 and 11) that Vigil's
 * dashboards use. Only what is written is typed; Grafana fills every other field with its default
 * when it loads the file.
 */

/** Schema version written into every dashboard (Grafana 10.4 / 11 read it without migrating). */
export const SCHEMA_VERSION = 39;

/** A reference to a data source; Vigil's always point at the `datasource` template variable. */
export interface DatasourceRef {
  type: "prometheus";
  uid: string;
}

/** The data source every panel and query uses: whatever Prometheus the `datasource` variable names. */
export const DATASOURCE: Readonly<DatasourceRef> = Object.freeze({ type: "prometheus", uid: "${datasource}" });

/** How Grafana shapes a Prometheus answer: series over time, one row per series, or histogram buckets. */
export type TargetFormat = "time_series" | "table" | "heatmap";

/** One PromQL query of a panel. */
export interface GrafanaTarget {
  refId: string;
  datasource: DatasourceRef;
  expr: string;
  legendFormat: string;
  /** Evaluated at the end of the time range only (tables, pies, gauges over `$__range`). */
  instant: boolean;
  range: boolean;
  format: TargetFormat;
  editorMode: "code";
}

/** Where a panel sits on the 24-column grid (height in grid rows of 30 px). */
export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One step of a threshold scale; the first step's value is null (minus infinity). */
export interface ThresholdStep {
  color: string;
  value: number | null;
}

/** A field override: properties applied to the fields a matcher selects. */
export interface FieldOverride {
  matcher: { id: string; options: string };
  properties: { id: string; value: unknown }[];
}

/** Defaults applied to every field of a panel. */
export interface FieldDefaults {
  unit: string;
  decimals?: number;
  min?: number;
  max?: number;
  color: { mode: string };
  thresholds: { mode: "absolute" | "percentage"; steps: ThresholdStep[] };
  custom: Record<string, unknown>;
}

/** A transformation applied to query results before display (tables merge their queries). */
export interface Transformation {
  id: string;
  options: Record<string, unknown>;
}

/** A Grafana panel as written in the dashboard's `panels` list. */
export interface GrafanaPanel {
  id: number;
  type: "timeseries" | "stat" | "gauge" | "piechart" | "table" | "heatmap" | "bargauge";
  title: string;
  description: string;
  datasource: DatasourceRef;
  gridPos: GridPos;
  targets: GrafanaTarget[];
  fieldConfig: { defaults: FieldDefaults; overrides: FieldOverride[] };
  options: Record<string, unknown>;
  transformations: Transformation[];
}

/** A template variable; Vigil's dashboards have one, choosing the Prometheus data source. */
export interface TemplateVariable {
  name: string;
  label: string;
  type: "datasource";
  query: string;
  current: Record<string, unknown>;
  hide: number;
  includeAll: boolean;
  multi: boolean;
  options: unknown[];
  refresh: number;
  regex: string;
  skipUrlSync: boolean;
}

/** A link in the dashboard's header; Vigil's link its dashboards to one another by tag. */
export interface DashboardLink {
  type: "dashboards";
  title: string;
  tags: string[];
  asDropdown: boolean;
  includeVars: boolean;
  keepTime: boolean;
}

/** A whole dashboard, as provisioned from a file or pasted into Grafana's import page. */
export interface GrafanaDashboard {
  id: null;
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: "browser";
  editable: boolean;
  graphTooltip: number;
  fiscalYearStartMonth: number;
  liveNow: boolean;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  timepicker: Record<string, unknown>;
  links: DashboardLink[];
  annotations: { list: unknown[] };
  templating: { list: TemplateVariable[] };
  panels: GrafanaPanel[];
}
