/**
 * The relay's memory across restarts: the last registry (models and their upstreams) and the last view of each
 * route, in one small JSON file, so that a relay started while Vigil is down routes as Vigil last said. Writes are
 * coalesced (one at a time; a change during a write causes one more) and atomic (temporary file, then rename).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RouteView } from "@vigil/contract";
import { parseRouteView } from "@vigil/sdk";
import { parseRegistryModels, type RegistryModel } from "./upstreams.js";

/** File name of the state, under the state directory. */
export const STATE_FILE_NAME = "relay-state.json";

/** What the state file holds. */
export interface RelayState {
  /** The registry as last read from Vigil. */
  models: RegistryModel[];
  /** The newest view of each route followed. */
  routes: RouteView[];
}

/** Reads and writes the state file of one state directory. */
export class StateFile {
  /** Full path of the file. */
  readonly path: string;
  private readonly dir: string;
  private readonly snapshot: () => RelayState;
  private readonly onError: (error: unknown) => void;
  private dirty = false;
  private writing: Promise<void> | null = null;

  /** Builds a handle on `<dir>/relay-state.json`; `snapshot` gives the state to write, `onError` hears write failures. */
  constructor(dir: string, snapshot: () => RelayState, onError: (error: unknown) => void) {
    this.dir = dir;
    this.path = join(dir, STATE_FILE_NAME);
    this.snapshot = snapshot;
    this.onError = onError;
  }

  /** The saved state, or null when there is no file; a file that cannot be read or parsed is reported through `onError` and ignored. */
  async load(): Promise<RelayState | null> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.onError(error);
      return null;
    }
    try {
      const value = JSON.parse(text) as { models?: unknown; routes?: unknown };
      const models = parseRegistryModels({ models: value.models }) ?? [];
      const routes = Array.isArray(value.routes) ? value.routes.map(parseRouteView).filter((v): v is RouteView => v !== null) : [];
      return { models, routes };
    } catch (error) {
      this.onError(new Error(`${this.path} is not a relay state file; ignoring it`, { cause: error }));
      return null;
    }
  }

  /** Notes that the state changed; it is written soon (coalesced with other changes). */
  changed(): void {
    this.dirty = true;
    this.writing ??= this.writeLoop();
  }

  /** Resolves once every change noted so far is on disk (or failed and was reported). */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  private async writeLoop(): Promise<void> {
    try {
      // Let the changes of the current tick accumulate into one write.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.dirty) {
        this.dirty = false;
        try {
          const { models, routes } = this.snapshot();
          const text = JSON.stringify({ version: 1, saved_at: new Date().toISOString(), models, routes }, null, 1);
          await mkdir(this.dir, { recursive: true });
          const tmp = `${this.path}.${process.pid}.tmp`;
          await writeFile(tmp, text);
          await rename(tmp, this.path);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.writing = null;
    }
  }
}
