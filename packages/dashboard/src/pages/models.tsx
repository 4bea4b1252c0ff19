/** Placeholder. */
import { PageTitle } from "../components/layout.js";
/** ModelsPage. */
export function ModelsPage(_props: Record<string, unknown>) { return <PageTitle title="ModelsPage" />; }
/** ModelPage. */
export function ModelPage(_props: Record<string, unknown>) { return <PageTitle title="ModelPage" />; }
