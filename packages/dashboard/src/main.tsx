/** The dashboard's entry: finds out who it acts as (`/api/v1/session`), asks for an API key when the server wants one, and routes to the pages. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, apiKey, get, onAuthChange, setApiKey } from "./api.js";
import { ErrorBox } from "./components/states.js";
import { Layout } from "./components/layout.js";
import { useLocation } from "./router.js";
import { SessionContext, type Session } from "./session.js";
import { OverviewPage } from "./pages/overview.js";
import { AgentsPage, AgentPage } from "./pages/agents.js";
import { ModelsPage, ModelPage } from "./pages/models.js";
import { RoutesPage } from "./pages/routes.js";
import { AlertsPage } from "./pages/alerts.js";
import { ReportPage } from "./pages/report.js";
import { SlosPage } from "./pages/slos.js";
import { TracePage, TracesPage } from "./pages/trace.js";
import "./styles.css";

function KeyForm({ problem }: { problem: string | null }) {
  const [key, setKey] = useState("");
  return (
    <main id="main" class="key-form">
      <h1>Vigil</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) setApiKey(key.trim());
        }}
      >
        <p>This Vigil server needs an API key. A key with the <code>read</code> scope shows the dashboard; acknowledging alerts, silencing and switching routes need <code>admin</code>.</p>
        {problem ? (
          <p class="error" role="alert">
            {problem}
          </p>
        ) : null}
        <label>
          API key
          <input type="password" autoComplete="current-password" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} required autoFocus />
        </label>
        <button type="submit">Sign in</button>
        <p class="muted">The key is kept in this browser (local storage) and sent as <code>Authorization: Bearer</code>.</p>
      </form>
    </main>
  );
}

function Pages() {
  const { path } = useLocation();
  const [section, name] = path;
  switch (section ?? "") {
    case "":
      return <OverviewPage />;
    case "agents":
      return name ? <AgentPage name={name} /> : <AgentsPage />;
    case "models":
      return name ? <ModelPage name={name} /> : <ModelsPage />;
    case "routes":
      return <RoutesPage selected={name} />;
    case "alerts":
      return <AlertsPage selected={name} />;
    case "slos":
      return <SlosPage selected={name} />;
    case "report":
      return <ReportPage />;
    case "traces":
      return name ? <TracePage id={name} /> : <TracesPage />;
    default:
      return <ErrorBox error={new Error(`There is no page "${path.join("/")}". Use the navigation above.`)} />;
  }
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [problem, setProblem] = useState<{ auth: boolean; error: Error } | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => onAuthChange(() => setTick((t) => t + 1)), []);
  useEffect(() => {
    let live = true;
    get<Session>("session").then(
      (s) => live && (setSession(s), setProblem(null)),
      (e: unknown) => {
        if (!live) return;
        const err = e instanceof Error ? e : new Error(String(e));
        setSession(null);
        setProblem({ auth: err instanceof ApiError && err.status === 401, error: err });
      },
    );
    return () => {
      live = false;
    };
  }, [tick]);

  if (problem?.auth) return <KeyForm problem={apiKey() ? `The server refused the key: ${problem.error.message}` : null} />;
  if (problem)
    return (
      <main id="main" class="key-form">
        <h1>Vigil</h1>
        <ErrorBox error={problem.error} retry={() => setTick((t) => t + 1)} />
      </main>
    );
  // The pages start fetching while the session is still on its way (one round trip fewer on first
  // load); until it arrives, actions that need admin stay disabled.
  return (
    <SessionContext.Provider value={session}>
      <Layout>
        <Pages />
      </Layout>
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
