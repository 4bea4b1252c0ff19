/**
 * The registry's records (models with versions, routes) and the route store port: registry,
 * runtime state and decision history, kept by SQLite and PostgreSQL alike (storage contract suite).
 */
import type { SwitchBack } from "@vigil/contract";
import type { RouteThresholds } from "./health.js";
import type { DecisionDraft, ModelCapabilities, PolicySettings, RouteRuntime } from "./policy.js";

/** Lifecycle of a model in the registry. */
export type ModelStatus = "active" | "standby" | "retired";
/** Where a model's deployment stands. */
export type DeploymentStatus = "pending" | "deploying" | "deployed" | "failed" | "rolled_back";

/** One version a model has had. */
export interface ModelVersion {
  version: string;
  deployed_at: number;
  notes: string | null;
}

/** Where `vigil relay` sends a model's requests (an OpenAI-compatible chat API). */
export interface Upstream {
  base_url: string;
  /** Environment variable holding the API key sent upstream (never the key itself). */
  api_key_env: string | null;
  /** The model name the upstream expects, when it differs from the registry id. */
  model: string | null;
}

/** A model in the registry; `id` is the name events carry in `model`. */
export interface ModelRecord {
  id: string;
  name: string;
  provider: string | null;
  /** Current version (semver). */
  version: string;
  /** Every version, oldest first; the last is `version`. */
  versions: ModelVersion[];
  capabilities: ModelCapabilities;
  status: ModelStatus;
  deployment_status: DeploymentStatus;
  upstream: Upstream | null;
  /** Defaults for the routes this model serves, under each route's own thresholds. */
  thresholds: RouteThresholds;
  /** `config` (from the config file: replaced on every start) or `api`. */
  source: "config" | "api";
  created_at: number;
  updated_at: number;
}

/** A route in the registry. */
export interface RouteRecord {
  route: string;
  primary: string;
  backups: string[];
  thresholds: RouteThresholds;
  requires: ModelCapabilities;
  switch_back: SwitchBack;
  /** Overrides of the policy defaults. */
  policy: Partial<PolicySettings>;
  /** The sliding window health is judged over, ms. */
  window_ms: number;
  /** Calls slower than this count as failures in the error rate; null: latency alone never fails a call. */
  slow_call_ms: number | null;
  source: "config" | "api";
  created_at: number;
  updated_at: number;
}

/** One decision as stored. */
export type RouteDecisionRecord = DecisionDraft & { route: string; revision: number };

/** Registry, route state and history. */
export interface RouteStore {
  listModels(): Promise<ModelRecord[]>;
  putModel(model: ModelRecord): Promise<void>;
  /** Deletes a model; false when there was none. */
  deleteModel(id: string): Promise<boolean>;
  listRoutes(): Promise<RouteRecord[]>;
  putRoute(route: RouteRecord): Promise<void>;
  /** Deletes a route and its state (its history stays); false when there was none. */
  deleteRoute(route: string): Promise<boolean>;
  listStates(): Promise<RouteRuntime[]>;
  /**
   * Saves a route's state and appends its decisions in one transaction, only if the stored
   * revision is `expected` (null: no state stored yet). False, saving nothing, when another
   * instance moved the route first.
   */
  saveState(state: RouteRuntime, expected: number | null, decisions: readonly RouteDecisionRecord[]): Promise<boolean>;
  /** A route's decisions, newest first. */
  history(route: string, limit: number): Promise<RouteDecisionRecord[]>;
}
