/** Placeholder. */
import { PageTitle } from "../components/layout.js";
/** AlertsPage. */
export function AlertsPage(_props: Record<string, unknown>) { return <PageTitle title="AlertsPage" />; }
