/** Placeholder. */
import { PageTitle } from "../components/layout.js";
/** AgentsPage. */
export function AgentsPage(_props: Record<string, unknown>) { return <PageTitle title="AgentsPage" />; }
/** AgentPage. */
export function AgentPage(_props: Record<string, unknown>) { return <PageTitle title="AgentPage" />; }
