/** Who the dashboard acts as: the scopes of the API key in use (or all of them when the server has no keys), from `GET /api/v1/session`. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";

/** A scope an API key carries. */
export type Scope = "ingest" | "read" | "admin";

/** The answer of `GET /api/v1/session`. */
export interface Session {
  /** "none": the server has no API keys and everyone may do everything; "key": a key was presented and accepted. */
  auth: "none" | "key";
  key_name: string | null;
  scopes: Scope[];
}

/** The session of the page; null until known. */
export const SessionContext = createContext<Session | null>(null);

/** Whether the session may do what a scope allows (admin may do everything). */
export function allows(s: Session | null, scope: Scope): boolean {
  return !!s && (s.scopes.includes(scope) || s.scopes.includes("admin"));
}

/** The page's session. */
export function useSession(): Session | null {
  return useContext(SessionContext);
}

/** Whether the page may take admin actions (acknowledge, resolve, silence, switch, pin). */
export function useCanAdmin(): boolean {
  return allows(useSession(), "admin");
}
