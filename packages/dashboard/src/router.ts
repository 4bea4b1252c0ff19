/** Hash routing (`#/agents/react_agent?w=1h`): the server serves one page at `/`, so no path can clash with the API's. */
import { useEffect, useState } from "preact/hooks";

/** Where the page is: path segments (decoded) and the query. */
export interface Location {
  path: string[];
  query: URLSearchParams;
}

/** Reads the current hash. */
export function location(): Location {
  const raw = window.location.hash.replace(/^#\/?/, "");
  const [p = "", q = ""] = raw.split("?", 2) as [string?, string?];
  return { path: p.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

/** Builds a hash link from path segments and query (the current window `w` is kept unless given). */
export function href(path: string[], query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  const w = query.w ?? location().query.get("w") ?? undefined;
  if (w) q.set("w", w);
  for (const [k, v] of Object.entries(query)) if (k !== "w" && v) q.set(k, v);
  const s = q.toString();
  return `#/${path.map(encodeURIComponent).join("/")}${s ? `?${s}` : ""}`;
}

/** Goes to a hash link. */
export function navigate(to: string): void {
  window.location.hash = to.replace(/^#/, "");
}

/** The current location, re-rendering on every hash change. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(location);
  useEffect(() => {
    const on = () => setLoc(location());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return loc;
}
