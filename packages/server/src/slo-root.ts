/**
 * Part of the composition root (called only by main.ts): the SLOs — the book of classes and SLOs
 * (config file and API), the service that keeps their ledgers and answers their figures — and what
 * the HTTP routes, the alert engine and the periodic jobs read of them.
 */
import type { Logger } from "pino";
import type { ValidatedConfig } from "./config/validated-config.js";
import type { AlertRecord, AlertRule } from "./core/alerting/types.js";
import type { Storage } from "./core/ports.js";
import type { LedgerSource } from "./core/slo/ledger.js";
import type { Stepped } from "./core/stepped.js";
import type { SloRouteDeps } from "./http/routes/slos.js";
import { SloBook } from "./services/slo-book.js";
import { complianceSummary } from "./services/slo-compliance.js";
import { SloService } from "./services/slo-service.js";

/** The SLO part of a running server. */
export interface SloRuntime {
  book: SloBook;
  service: SloService;
  /** What the SLO routes read. */
  http: SloRouteDeps;
  /** The periodic job: re-reads the API's SLOs when the store is shared, then refreshes every ledger. */
  cycle(): Promise<void>;
}

/** What the SLOs need from the rest of the server. */
export interface SloHooks {
  run<T>(work: Stepped<T>): Promise<T>;
  now(): number;
  openAlerts(): readonly AlertRecord[];
  /** Receives the SLOs' generated alert rules (the rule book's generated layer). */
  onRules(rules: AlertRule[]): void;
}

/** Builds the SLO book (reading the API's classes and SLOs from the store) and the service over the rollups. */
export async function buildSlos(cfg: ValidatedConfig, storage: Storage, index: LedgerSource, log: Logger, hooks: SloHooks): Promise<SloRuntime> {
  const horizon = { minuteMs: cfg.minuteRollupsMs, hourMs: cfg.hourRollupsMs };
  let service: SloService | null = null;
  // A changed SLO changes its generated rules at once (the alert engine and GET /alert-rules see them).
  const book = new SloBook({ store: storage.alerts, file: cfg.sloSection, horizon, warn: (obj, msg) => log.warn(obj, msg), onChange: () => service && hooks.onRules(service.rules()) });
  await book.refresh();
  service = new SloService({ book, index, horizons: horizon, run: hooks.run, now: hooks.now, openAlerts: hooks.openAlerts });
  const s = service;
  return {
    book,
    service: s,
    http: { book, status: (name) => s.status(name), list: () => s.list(), history: (name, step) => s.history(name, step), compliance: async (m) => complianceSummary(await s.readings(), m) },
    async cycle() {
      if (storage.shared) await book.refresh();
      await s.refresh();
    },
  };
}
