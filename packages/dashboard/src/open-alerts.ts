/** What "open" means for alerts, in one place: the overview's count and list and the Alerts page's Open tab ask the API the same question. */
import type { AlertListResponse, AlertState } from "@vigil/contract";
import { get } from "./api.js";

/** The states of an open alert: waiting out its `for`, firing, or acknowledged but not resolved. */
export const OPEN_STATES: readonly AlertState[] = ["pending", "firing", "acknowledged"];

/** The `state=` value that selects open alerts (`GET /api/v1/alerts` takes several states, comma-separated). */
export const OPEN_STATE_PARAM = OPEN_STATES.join(",");

/** The open alerts, latest change first (up to `limit`), with how many are open in all (`total_count`). */
export function loadOpenAlerts(limit = 100): Promise<AlertListResponse> {
  return get<AlertListResponse>("alerts", { state: OPEN_STATE_PARAM, limit });
}
