import { startServer, type RunningServer } from "../../packages/server/dist/main.js";
import { loadConfig } from "../../packages/server/dist/config/config.js";
export const x: typeof startServer = startServer;
export type Y = RunningServer;
export const z = loadConfig;
