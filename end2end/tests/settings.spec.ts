import { expect, test } from "@playwright/test";
import { signInAsDemoOwner } from "./helpers";

// The demo owner is shared by every browser test: this file never enrols a second factor
// or changes the demo tenant's settings.

test("the demo owner sees the Vobiz connection masked and tests it live", async ({ page }) => {
  await signInAsDemoOwner(page);
  await page.goto("/settings");
  await page.getByRole("link", { name: /Vobiz connection/ }).click();
  await expect(page.getByRole("heading", { name: "Vobiz connection" })).toBeVisible();

  // The partner id is shown; the token only masked (first and last characters).
  const value = (term: string) =>
    page.locator("dt", { hasText: term }).locator("xpath=following-sibling::dd");
  await expect(value("Partner id")).toHaveText(/^PA_\w+$/);
  await expect(value("Partner token")).toHaveText(/…|••••/);
  // The token fields are empty password fields.
  const token = page.getByLabel("Partner token");
  await expect(token).toHaveAttribute("type", "password");
  await expect(token).toHaveValue("");

  await page.getByRole("button", { name: "Test connection" }).click();
  const result = page.getByRole("status");
  await expect(result).toContainText("the connection works for");
  const partnerName = await value("Partner name").innerText();
  expect(partnerName.trim().length).toBeGreaterThan(0);
  await expect(result).toContainText(partnerName.trim());
});

test("the security page offers a second factor without turning it on", async ({ page }) => {
  await signInAsDemoOwner(page);
  await page.goto("/settings/security");
  await expect(page.getByRole("heading", { name: "Security" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Set up an authenticator app" })).toBeVisible();
});
