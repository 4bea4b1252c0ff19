/** @vigil/server: start the monitor programmatically (the `vigil` CLI wraps the same functions). */
export { startServer, type RunningServer } from "./main.js";
export { loadConfig, type Config, type ConfigFlags } from "./config/config.js";
