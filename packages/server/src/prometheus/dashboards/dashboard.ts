/**
 * Assembles panels into a Grafana dashboard: ids in order, positions flowed left to right on the
 * 24-column grid (a panel that does not fit starts a new row below the tallest of the row), the
 * `datasource` template variable, and the settings every Vigil dashboard shares.
 */
import { SCHEMA_VERSION, type GrafanaDashboard, type GrafanaPanel, type GridPos } from "./grafana.js";
import type { PanelDraft } from "./panels.js";

/** Width of Grafana's grid in columns. */
export const GRID_COLUMNS = 24;

/** Tag of every Vigil dashboard (the header links find the others by it). */
export const VIGIL_TAG = "vigil";

/** What distinguishes one dashboard from another. */
export interface DashboardSpec {
  /** Stable id: links and provisioning rely on it, so it never changes once published. */
  uid: string;
  title: string;
  description: string;
  /** Auto-refresh interval, e.g. `30s`. */
  refresh: string;
  panels: PanelDraft[];
}

/** Positions for panels of the given sizes, in order, flowed onto the grid without overlap. */
export function flowLayout(sizes: readonly { w: number; h: number }[]): GridPos[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return sizes.map(({ w, h }) => {
    if (w < 1 || w > GRID_COLUMNS || h < 1) throw new RangeError(`panel size ${w}x${h} does not fit a ${GRID_COLUMNS}-column grid`);
    if (x + w > GRID_COLUMNS) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    const pos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return pos;
  });
}

/** A complete dashboard from its spec. */
export function dashboard(spec: DashboardSpec): GrafanaDashboard {
  const positions = flowLayout(spec.panels.map((p) => p.size));
  const panels: GrafanaPanel[] = spec.panels.map(({ size: _size, ...p }, i) => ({ id: i + 1, gridPos: positions[i]!, ...p }));
  return {
    id: null,
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [VIGIL_TAG],
    timezone: "browser",
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: spec.refresh,
    time: { from: "now-6h", to: "now" },
    timepicker: {},
    links: [{ type: "dashboards", title: "Vigil dashboards", tags: [VIGIL_TAG], asDropdown: true, includeVars: true, keepTime: true }],
    annotations: { list: [] },
    templating: {
      list: [
        {
          name: "datasource",
          label: "Data source",
          type: "datasource",
          query: "prometheus",
          // Empty: Grafana selects the default Prometheus data source on first load.
          current: {},
          hide: 0,
          includeAll: false,
          multi: false,
          options: [],
          refresh: 1,
          regex: "",
          skipUrlSync: false,
        },
      ],
    },
    panels,
  };
}
