/**
 * The service classes and SLOs in force (docs/slo.md). Two layers: the config file's (read-only
 * through the API) and the API's, kept in the settings store (keys `service_classes` and `slos`) so
 * that every instance and every restart reads the same; an instance sharing the store re-reads them
 * periodically, as it does alert rules and thresholds. A change is checked against the whole set and
 * refused whole: the classes and SLOs in force stay as they were.
 */
import type { AlertStore } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";
import { MAX_SERVICE_CLASSES, MAX_SLOS, overBound, parseServiceClass, parseSlo, sloError, type ClassEntry, type RollupHorizon, type SloEntry, type SloSection } from "../core/slo-definitions.js";
import { SerialQueue } from "./serial-queue.js";

/** Key of the API's service classes in the settings store. */
export const SERVICE_CLASSES_KEY = "service_classes";
/** Key of the API's SLOs in the settings store. */
export const SLOS_KEY = "slos";

/** Where a class or SLO came from: the config file (read-only through the API) or the API. */
export type SloSource = "file" | "api";
/** A class in force and its source. */
export type BookClass = ClassEntry & { source: SloSource };
/** An SLO in force and its source. */
export type BookSlo = SloEntry & { source: SloSource };

/** What the SLO book needs. */
export interface SloBookDeps {
  store: Pick<AlertStore, "getSetting" | "putSetting">;
  /** The config file's classes and SLOs, checked at start-up. */
  file: SloSection;
  horizon: RollupHorizon;
  /** Told when the SLOs in force may have changed (not on a refresh that found nothing new). */
  onChange?(): void;
  warn?(obj: object, msg: string): void;
}

/** The API layer as stored: written classes by name, written SLOs in order. */
interface Stored {
  classes: Record<string, unknown>;
  slos: unknown[];
}

/** The classes and SLOs in force, and their changes through the API. */
export class SloBook {
  private stored: Stored = { classes: {}, slos: [] };
  private classMap = new Map<string, BookClass>();
  private sloList: BookSlo[] = [];
  private stamp = "";
  private readonly queue = new SerialQueue();

  constructor(private readonly deps: SloBookDeps) {
    this.apply(this.stored);
  }

  /** Reads the API layer from the store (at start, and periodically when several instances share it). */
  async refresh(): Promise<void> {
    const [classes, slos] = await Promise.all([this.deps.store.getSetting(SERVICE_CLASSES_KEY), this.deps.store.getSetting(SLOS_KEY)]);
    const next: Stored = { classes: isRecord(classes) ? classes : {}, slos: Array.isArray(slos) ? slos : [] };
    if (JSON.stringify(next) === JSON.stringify(this.stored)) return;
    this.apply(next);
  }

  /** Every class in force, by name. */
  classes(): readonly BookClass[] {
    return [...this.classMap.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The class of this name, or null. */
  getClass(name: string): BookClass | null {
    return this.classMap.get(name) ?? null;
  }

  /** Every SLO in force: the config file's first, then the API's, each in the order written. */
  slos(): readonly BookSlo[] {
    return this.sloList;
  }

  /** The SLO of this name, or null. */
  get(name: string): BookSlo | null {
    return this.sloList.find((s) => s.spec.name === name) ?? null;
  }

  /** A text that changes whenever the SLOs in force (or their classes) change. */
  version(): string {
    return this.stamp;
  }

  /** Creates or replaces an API class; refused for a config-file class. Resolves whether it was new. */
  putClass(name: string, body: unknown): Promise<{ cls: BookClass; created: boolean }> {
    return this.change(async (s) => {
      this.readOnly("class", this.classMap.get(name));
      const raw = body;
      if (isRecord(raw) && raw.name !== undefined && raw.name !== name) throw sloError("the class was refused", [{ path: "/name", message: `must match the class in the URL ("${name}")` }]);
      const { problems } = parseServiceClass(name, stripName(raw), "");
      if (problems.length) throw sloError("the class was refused", problems);
      const created = !this.classMap.has(name);
      return { next: { ...s, classes: { ...s.classes, [name]: stripName(raw) } }, answer: () => ({ cls: this.classMap.get(name)!, created }) };
    });
  }

  /** Deletes an API class; refused for a config-file class and for a class an SLO uses. */
  deleteClass(name: string): Promise<BookClass | null> {
    return this.change(async (s) => {
      const c = this.classMap.get(name);
      if (!c) return { next: null, answer: () => null };
      this.readOnly("class", c);
      const users = this.sloList.filter((x) => x.definition.class === name).map((x) => x.spec.name);
      if (users.length) throw new VigilError("CONFLICT", `service class "${name}" is used by the SLO${users.length > 1 ? "s" : ""} ${users.join(", ")}; delete or move them first`);
      const classes = { ...s.classes };
      delete classes[name];
      return { next: { ...s, classes }, answer: () => c };
    });
  }

  /** Creates or replaces an API SLO (with `name`, the body's name must match); refused for a config-file SLO. */
  put(body: unknown, name?: string): Promise<{ slo: BookSlo; created: boolean }> {
    return this.change(async (s) => {
      const input = name !== undefined && isRecord(body) && body.name === undefined ? { ...body, name } : body;
      if (name !== undefined && isRecord(input) && input.name !== name) throw sloError("the SLO was refused", [{ path: "/name", message: `must match the SLO in the URL ("${name}")` }]);
      const { entry, problems } = parseSlo(input, this.classMap, this.deps.horizon, "");
      if (!entry) throw sloError("the SLO was refused", problems);
      const sloName = entry.spec.name;
      this.readOnly("SLO", this.get(sloName));
      const at = s.slos.findIndex((x) => isRecord(x) && x.name === sloName);
      const slos = [...s.slos];
      if (at >= 0) slos[at] = entry.definition;
      else slos.push(entry.definition);
      return { next: { ...s, slos }, answer: () => ({ slo: this.get(sloName)!, created: at < 0 }) };
    });
  }

  /** Deletes an API SLO; refused for a config-file SLO. */
  delete(name: string): Promise<BookSlo | null> {
    return this.change(async (s) => {
      const slo = this.get(name);
      if (!slo) return { next: null, answer: () => null };
      this.readOnly("SLO", slo);
      return { next: { ...s, slos: s.slos.filter((x) => !(isRecord(x) && x.name === name)) }, answer: () => slo };
    });
  }

  private readOnly(what: string, found: { source: SloSource; name?: string } | null | undefined): void {
    if (found?.source === "file") throw new VigilError("CONFLICT", `this ${what} comes from the config file and is read-only through the API; change it in the file`);
  }

  /** Runs one change: re-read the store (another instance may have changed it), check, save, apply. */
  private change<T>(fn: (s: Stored) => Promise<{ next: Stored | null; answer: () => T }>): Promise<T> {
    return this.queue.run(async () => {
      await this.refresh();
      const { next, answer } = await fn(this.stored);
      if (next) {
        // Checked whole before anything is written: a set that does not hold together is refused.
        this.build(next, true);
        await Promise.all([this.deps.store.putSetting(SERVICE_CLASSES_KEY, next.classes), this.deps.store.putSetting(SLOS_KEY, next.slos)]);
        this.apply(next);
      }
      return answer();
    });
  }

  private apply(next: Stored): void {
    const built = this.build(next, false);
    this.stored = next;
    this.classMap = built.classes;
    this.sloList = built.slos;
    const stamp = JSON.stringify([next, this.sloList.map((s) => s.spec)]);
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.deps.onChange?.();
    }
  }

  /**
   * The set in force from the file's layer and `next`. Strict (a change): any problem throws.
   * Lenient (a stored set read back): an entry this release cannot read is left out with a warning.
   */
  private build(next: Stored, strict: boolean): { classes: Map<string, BookClass>; slos: BookSlo[] } {
    const classes = new Map<string, BookClass>();
    for (const c of this.deps.file.classes.values()) classes.set(c.name, { ...c, source: "file" });
    const problems: { path: string; message: string }[] = [];
    for (const [name, raw] of Object.entries(next.classes)) {
      const r = parseServiceClass(name, raw, `/service_classes/${name}`);
      if (r.entry && !classes.has(name)) classes.set(name, { ...r.entry, source: "api" });
      else problems.push(...(r.entry ? [{ path: `/service_classes/${name}`, message: "a config-file class has this name" }] : r.problems));
    }
    const slos: BookSlo[] = this.deps.file.slos.map((s) => ({ ...s, source: "file" as const }));
    const names = new Set(slos.map((s) => s.spec.name));
    next.slos.forEach((raw, i) => {
      const r = parseSlo(raw, classes, this.deps.horizon, `/slos/${i}`);
      if (!r.entry) return problems.push(...r.problems);
      if (names.has(r.entry.spec.name)) return problems.push({ path: `/slos/${i}/name`, message: `duplicate SLO name "${r.entry.spec.name}"` });
      names.add(r.entry.spec.name);
      slos.push({ ...r.entry, source: "api" });
    });
    // Past the bound, a change is refused; a stored set read back keeps the first ones (the file's first).
    const overClasses = overBound("/service_classes", classes.size, "service classes");
    if (overClasses) {
      problems.push(overClasses);
      for (const name of [...classes.keys()].slice(MAX_SERVICE_CLASSES)) classes.delete(name);
    }
    const overSlos = overBound("/slos", slos.length, "SLOs");
    if (overSlos) {
      problems.push(overSlos);
      slos.length = MAX_SLOS;
    }
    if (problems.length) {
      if (strict) throw sloError("the change was refused", problems);
      this.deps.warn?.({ problems }, "stored SLOs or service classes this server cannot use were left out");
    }
    return { classes, slos };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stripName(v: unknown): unknown {
  if (!isRecord(v) || v.name === undefined) return v;
  const { name: _name, ...rest } = v;
  return rest;
}
