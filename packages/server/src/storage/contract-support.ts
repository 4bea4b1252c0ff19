/** Shared by the store contract suites: opening stores for a test, reopening them, closing them all after. */
import { after } from "node:test";
import type { Storage } from "../core/ports.js";

/** The storage contract's factory: a fresh store, and how to reopen it on the same data. */
export type FreshStorage = () => Promise<{ storage: Storage; reopen: () => Promise<Storage> }>;

/**
 * Call inside a `describe`: `make` opens a fresh store, `reopened` closes one and reopens its data,
 * `track` adds a second handle opened by the test; all close after the suite.
 */
export function openedStores(fresh: FreshStorage): { make: () => ReturnType<FreshStorage>; reopened: (s: Storage, reopen: () => Promise<Storage>) => Promise<Storage>; track: (s: Storage) => Storage } {
  const open: Storage[] = [];
  after(async () => {
    for (const s of open) await s.close().catch(() => undefined);
  });
  return {
    track: (s) => {
      open.push(s);
      return s;
    },
    make: async () => {
      const f = await fresh();
      open.push(f.storage);
      return f;
    },
    reopened: async (s, reopen) => {
      await s.close();
      const again = await reopen();
      open.push(again);
      return again;
    },
  };
}
