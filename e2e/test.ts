import { test as base } from "@playwright/test";

/**
 * Playwright's `test`, which also closes every browser context a test opened itself
 * (`browser.newContext()`) when the test ends. The worker's one browser outlives its tests:
 * a signed-in page left open on the map keeps receiving live updates and redrawing in
 * software WebGL, so each leaked page slowed every later test. The pages the grants and
 * map-scope journeys left open kept Chromium's GPU process at 120% CPU (of the 2 cores' 200%)
 * through tests that draw no map, and made the map journey run out of time in CI.
 */
export const test = base.extend<{ closeOpenedContexts: void }>({
  closeOpenedContexts: [
    async ({ browser }, use) => {
      const before = new Set(browser.contexts());
      await use();
      // Playwright's own `context` fixture (set up after this one) is already closed here.
      for (const c of browser.contexts()) if (!before.has(c)) await c.close();
    },
    { auto: true },
  ],
});

export { expect } from "@playwright/test";
