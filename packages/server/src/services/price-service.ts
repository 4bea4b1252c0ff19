/** The price table in force: built-in prices, then config entries, then entries added through the API. */
import type { PriceStore } from "../core/ports.js";
import { BUILTIN_PRICES, PriceTable, type PriceEntry } from "../core/prices.js";

/** Holds the compiled price table and adds entries durably. */
export class PriceService {
  private table: PriceTable;
  private readonly base: PriceTable;

  constructor(
    private readonly store: PriceStore,
    private readonly configured: readonly PriceEntry[],
  ) {
    this.base = new PriceTable([...BUILTIN_PRICES, ...configured.map((e) => ({ ...e, source: "config" }))]);
    this.table = this.base;
  }

  /** Loads the entries added through the API (again, on a shared store, to see other instances' additions). */
  async start(): Promise<void> {
    const added = await this.store.list();
    this.table = this.base.with(added);
  }

  /** The current table. */
  current(): PriceTable {
    return this.table;
  }

  /** Adds an entry (it wins over earlier entries with the same model and date). */
  async add(entry: PriceEntry): Promise<PriceEntry> {
    const e = { ...entry, source: "api" };
    await this.store.add(e);
    this.table = this.table.with([e]);
    return e;
  }
}
