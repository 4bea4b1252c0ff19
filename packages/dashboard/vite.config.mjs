// Builds the dashboard into build/: hashed assets that `vigil serve` serves at `/` (base "./" so
// the files work under any path prefix a reverse proxy adds).
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: { outDir: "build", emptyOutDir: true, target: "es2022", sourcemap: false, chunkSizeWarningLimit: 300 },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  server: { proxy: { "/api": "http://127.0.0.1:8001" } },
});
