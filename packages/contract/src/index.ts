/** @vigil/contract: the wire format and API shapes shared by the Vigil server and SDK. */
export * from "./events.js";
export type * from "./api.js";
export * from "./routes.js";
export type * from "./alerts.js";
export * from "./thresholds.js";
export type * from "./slos.js";
export type * from "./baselines.js";
export type * from "./forecasts.js";
export type * from "./anomalies.js";
export type * from "./traces.js";
