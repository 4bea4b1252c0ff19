/** Import rules of docs/architecture.md, enforced at error severity. */
const S = "^packages/server/src/";
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "core-is-pure",
      comment: "core imports nothing outside itself: no node:* modules, no packages, no other layer",
      severity: "error",
      from: { path: S + "core/", pathNot: "\\.test\\.ts$" },
      to: { pathNot: [S + "core/", "^packages/contract/", "^node_modules/@vigil/contract"] },
    },
    {
      name: "core-no-node-builtins",
      severity: "error",
      from: { path: S + "core/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "services-import-core-only",
      severity: "error",
      from: { path: S + "services/" },
      to: { path: S + "(storage|notify|http|prometheus|cli|config)/|" + S + "main\\.ts" },
    },
    {
      name: "adapters-import-core-only",
      severity: "error",
      from: { path: S + "(storage|notify|prometheus|otlp)/" },
      to: { path: S + "(services|http|cli|config)/|" + S + "main\\.ts" },
    },
    {
      name: "http-not-storage-or-notify",
      severity: "error",
      from: { path: S + "http/" },
      to: { path: S + "(storage|notify|cli|config)/|" + S + "main\\.ts" },
    },
    {
      name: "relay-imports-core-sdk-only",
      comment: "vigil relay is a gateway beside the server: core (types, errors), the contract, the SDK and node builtins, never the server's layers",
      severity: "error",
      from: { path: S + "relay/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypesNot: ["core"], pathNot: [S + "(core|relay)/", "^packages/(contract|sdk)/", "^node_modules/@vigil/(contract|sdk)"] },
    },
    {
      name: "sdk-imports-contract-only",
      severity: "error",
      from: { path: "^packages/sdk/src/" },
      to: { path: "^packages/server/" },
    },
    {
      name: "sdk-no-packages",
      severity: "error",
      from: { path: "^packages/sdk/src/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer"], pathNot: "^(packages/contract|node_modules/@vigil/contract)" },
    },
    {
      name: "contract-stands-alone",
      severity: "error",
      from: { path: "^packages/contract/src/" },
      to: { path: "^packages/(sdk|server)/" },
    },
    {
      name: "only-main-wires-everything",
      comment: "the composition root is imported by nobody but the CLI, the package entry and test-support (which builds a real app for the route tests)",
      severity: "error",
      from: { pathNot: [S + "cli/", S + "index\\.ts$", S + "test-support/"] },
      to: { path: S + "main\\.ts$" },
    },
    {
      name: "test-support-only-in-tests",
      comment: "test-support starts a whole server: only tests use it",
      severity: "error",
      from: { pathNot: ["\\.test\\.ts$", S + "test-support/"] },
      to: { path: S + "test-support/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".js"] },
  },
};
