import { defineConfig } from "vite";

// The page is served by package ui under whatever prefix the user mounts it
// at, so every asset URL is relative; the server adds a <base> element that
// points at the mount prefix.
export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    // The polyfill would be bundled, not inlined, but every supported
    // browser has modulepreload, so leave it out.
    modulePreload: { polyfill: false },
    // Never turn small assets into data: URLs: the page's policy allows
    // styles and scripts from its own origin only.
    assetsInlineLimit: 0,
  },
});
