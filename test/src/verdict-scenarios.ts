/**
 * The verdict-agreement table: each scenario registers its models and routes on a fresh server,
 * then runs phases (limits to set, events to send, and what every view must then say). The
 * scenarios themselves are in verdict-agent-scenarios.ts and verdict-route-scenarios.ts.
 */
import { AGENT_SCENARIOS } from "./verdict-agent-scenarios.js";
import type { Expect } from "./verdict-checks.js";
import { ROUTE_SCENARIOS } from "./verdict-route-scenarios.js";

export interface RouteDef {
  route: string;
  primary: string;
  backups: string[];
  thresholds?: Record<string, unknown>;
  policy?: Record<string, unknown>;
}

export interface Phase {
  /** Body of `PUT /api/v1/thresholds`. */
  thresholds?: Record<string, unknown>;
  /** Calls made before the events (aliases), given the API. */
  setup?: (api: (path: string, init?: { method?: string; body?: unknown }) => Promise<any>) => Promise<void>;
  /** Sent once. */
  events?: () => unknown[];
  /** Sent every second until the views agree (traffic that a probe must see). */
  feed?: () => unknown[];
  expect: Expect;
  /** How long the views may take to agree (default 20 s). */
  deadlineMs?: number;
  /** Whether the pages in Chromium are checked after this phase (default: after the last phase only). */
  dashboard?: boolean;
}

export interface Scenario {
  name: string;
  models?: string[];
  routes?: RouteDef[];
  phases: Phase[];
  /** Models whose state the Models page must show as their health. */
  modelsPage?: string[];
  /** A known disagreement of the server: the case runs but does not fail the suite. */
  todo?: string;
}


export const SCENARIOS: Scenario[] = [...AGENT_SCENARIOS, ...ROUTE_SCENARIOS];
