/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

// The build goes straight into the server's static files (git-ignored); the server serves it.
const outDir = fileURLToPath(new URL("../src/Tidegate.Server/wwwroot", import.meta.url));
const server = process.env.TIDEGATE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir, emptyOutDir: true, target: "es2022", sourcemap: false, reportCompressedSize: false,
    rollupOptions: {
      // @microsoft/signalr ships /*#__PURE__*/ comments Rollup cannot place; harmless, so keep the output quiet.
      onwarn(warning, warn) { if (warning.code !== "INVALID_ANNOTATION") warn(warning); },
    },
  },
  server: {
    proxy: {
      "/api": { target: server, changeOrigin: false },
      "/hubs": { target: server, ws: true },
    },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.tsx", "src/**/*.test.ts"],
    setupFiles: ["src/test-setup.ts"],
    reporters: process.env.VITEST_JUNIT ? ["default", ["junit", { outputFile: process.env.VITEST_JUNIT }]] : ["default"],
  },
});
