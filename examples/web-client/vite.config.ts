import { defineConfig } from 'vite';

/** A static page: `vite build` writes dist/, any static server (or `vite preview`) serves it from its own origin. */
export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: 'dist', emptyOutDir: true },
});
