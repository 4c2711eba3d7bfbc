import { test, expect } from "@playwright/test";
import { signInAsDemoOwner } from "./helpers";

test("the status page shows version, database and upstream", async ({ page }) => {
  await page.goto("/status");
  await expect(page.getByRole("heading", { name: "Status", level: 1 })).toBeVisible();
  await expect(page.getByText("Connected")).toBeVisible();
  await expect(page.getByText("Sandbox (demo data)")).toBeVisible();
  await expect(page).toHaveTitle(/Status/);
});

test("the page hydrates: checking again calls the server from the browser", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto("/status");
  const button = page.getByRole("button", { name: "Check again" });
  await expect(button).toBeVisible();
  // Only the hydrated page can answer a click with a server-function call.
  await expect(async () => {
    const call = page.waitForResponse((r) => r.url().endsWith("/api/status") && r.status() === 200, { timeout: 2_000 });
    await button.click();
    await call;
  }).toPass({ timeout: 30_000 });
  await expect(page.getByText("Connected")).toBeVisible();
  expect(errors, "no script errors (e.g. blocked by the CSP)").toEqual([]);
});

test("on a small screen the menu button opens the navigation", async ({ page }) => {
  await signInAsDemoOwner(page);
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto("/status");
  const menu = page.getByRole("button", { name: "Menu" });
  const compact = page.getByRole("navigation", { name: "Primary (compact)" });
  await expect(compact).toBeHidden();
  await expect(async () => {
    await menu.click();
    await expect(compact).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await compact.getByRole("link", { name: "Customers" }).click();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByRole("heading", { name: "Customers", level: 1 })).toBeVisible();
});

test("an unknown address answers 404 with a page that leads back", async ({ page }) => {
  const response = await page.goto("/definitely/not/here");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the start page" }).click();
  // The start page needs a signed-in person.
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});
