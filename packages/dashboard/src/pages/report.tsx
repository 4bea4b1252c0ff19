/** Placeholder. */
import { PageTitle } from "../components/layout.js";
/** ReportPage. */
export function ReportPage(_props: Record<string, unknown>) { return <PageTitle title="ReportPage" />; }
