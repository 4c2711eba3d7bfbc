import { test, expect } from "@playwright/test";
import { signIn, signInAsDemoOwner } from "./helpers";

test("the owner invites a colleague, who sets a password and signs in with their role", async ({ page, browser }) => {
  await signInAsDemoOwner(page);
  await page.goto("/settings");
  await page.getByRole("link", { name: /Users/ }).click();
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();

  const email = `staff-${Date.now()}@e2e.test`;
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption("operator");
  await page.getByRole("button", { name: "Create invitation" }).click();

  await expect(page.getByRole("status")).toContainText(`Invited ${email} as operator`);
  const linkField = page.getByLabel(`One-time link for ${email}`);
  await expect(linkField).toBeVisible();
  const link = await linkField.inputValue();
  expect(link).toMatch(/\/accept\/[A-Za-z0-9_-]{20,}$/);
  await expect(page.getByRole("row").filter({ hasText: email })).toContainText("Invited");

  // The colleague opens the link in a browser of their own.
  const theirs = await browser.newContext();
  const other = await theirs.newPage();
  await other.goto(new URL(link).pathname);
  await expect(other.getByText(email)).toBeVisible();
  const password = "juniper atlas copper meadow";
  await other.getByLabel("New password").fill(password);
  await other.getByLabel("The same password again").fill(password);
  await other.getByRole("button", { name: "Set password" }).click();
  await expect(other.getByText("Your password is set. Sign in with it now.")).toBeVisible();

  await signIn(other, email, password);
  await expect(other.getByText(email)).toBeVisible();
  await expect(other.getByText(/· Operator ·/)).toBeVisible();

  // They see the staff list, read-only.
  await other.goto("/settings/users");
  await expect(other.getByRole("cell", { name: email })).toBeVisible();
  await expect(other.getByRole("button", { name: "Create invitation" })).toHaveCount(0);
  await theirs.close();
});
