/** Placeholder. */
import { PageTitle } from "../components/layout.js";
/** RoutesPage. */
export function RoutesPage(_props: Record<string, unknown>) { return <PageTitle title="RoutesPage" />; }
