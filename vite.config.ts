import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

// The contract's gateway.port defaults to 1420, so the dev server uses 5173
// (tauri.conf.json's devUrl) to keep the two from colliding.
export default defineConfig({
  plugins: [solid()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
});
