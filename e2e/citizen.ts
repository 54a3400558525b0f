import { expect, type Page } from "@playwright/test";

/**
 * On the report page (/report): reads this browser's reporter pseudonym, picks a category,
 * places the report by tapping the map `dx` pixels right of its centre, and types the
 * description. Returns the pseudonym (`rk-` and 32 hex digits). Does not submit.
 */
export async function fillReport(page: Page, o: { service: string; description: string; dx?: number }): Promise<string> {
  await page.goto("/report");
  await expect(page.getByTestId("reporter-id")).toContainText("rk-");
  const reporter = (await page.getByTestId("reporter-id").textContent())!.match(/rk-[0-9a-f]{32}/)![0];
  await page.getByTestId(`cat-${o.service}`).click();
  const map = page.getByTestId("report-map");
  await expect(map.locator("canvas")).toBeVisible();
  const box = (await map.locator("canvas").boundingBox())!;
  await page.waitForTimeout(500);
  await map.locator("canvas").click({ position: { x: box.width / 2 + (o.dx ?? 0), y: box.height / 2 } });
  await expect(map).not.toHaveAttribute("data-value", "");
  await page.getByTestId("report-description").fill(o.description);
  return reporter;
}
