/** The frame of every page: skip link, navigation, window picker, who is signed in, and the live-update note. */
import type { ComponentChildren } from "preact";
import { setApiKey } from "../api.js";
import { href, navigate, useLocation } from "../router.js";
import { useSession } from "../session.js";
import { WINDOWS, windowOf } from "../windows.js";

const NAV: [string, string][] = [
  ["", "Overview"],
  ["agents", "Agents"],
  ["models", "Models"],
  ["routes", "Routes"],
  ["slos", "SLOs"],
  ["alerts", "Alerts"],
  ["traces", "Traces"],
  ["report", "Report"],
];

/** The window picker: changing it keeps the page and sets `w=` in the hash. */
export function WindowPicker() {
  const loc = useLocation();
  const current = windowOf(loc.query.get("w")).id;
  return (
    <label class="window-picker">
      <span>Window</span>
      <select
        value={current}
        onChange={(e) => {
          const q: Record<string, string> = Object.fromEntries(loc.query.entries());
          navigate(href(loc.path, { ...q, w: (e.target as HTMLSelectElement).value }));
        }}
      >
        {WINDOWS.map((w) => (
          <option key={w.id} value={w.id}>
            Last {w.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The page frame. */
export function Layout({ children }: { children: ComponentChildren }) {
  const loc = useLocation();
  const session = useSession();
  const section = loc.path[0] ?? "";
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href([])}>
          <span class="dot" aria-hidden="true" /> Vigil
        </a>
        <nav aria-label="Sections">
          {NAV.map(([path, label]) => (
            <a key={path} href={href(path ? [path] : [])} aria-current={section === path ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div class="top-right">
          <WindowPicker />
          {session?.auth === "key" ? (
            <span class="who">
              <span title={`scopes: ${session.scopes.join(", ")}`}>
                key <strong>{session.key_name}</strong> ({session.scopes.join(", ")})
              </span>
              <button type="button" class="link" onClick={() => setApiKey(null)}>
                Sign out
              </button>
            </span>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** The heading of a page with an optional line under it. */
export function PageTitle({ title, sub, children }: { title: string; sub?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <div class="page-title">
      <div>
        <h1>{title}</h1>
        {sub ? <p class="muted">{sub}</p> : null}
      </div>
      {children ? <div class="page-actions">{children}</div> : null}
    </div>
  );
}

/** "Updated 3 s ago · refreshes every 5 s": tells the reader the page is live. */
export function Freshness({ at }: { at: number | undefined }) {
  return (
    <span class="muted freshness" aria-live="off">
      {at ? `Updated ${new Date(at).toLocaleTimeString()}` : "Loading…"} · refreshes every 5 s
    </span>
  );
}
