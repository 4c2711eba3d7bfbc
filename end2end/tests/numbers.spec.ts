import { test, expect, Page } from "@playwright/test";
import { signInAsDemoOwner } from "./helpers";

/** Opens a customer's page from the list by name and returns its account id. */
async function openCustomer(page: Page, query: string, name: string): Promise<string> {
  await expect(async () => {
    await page.goto(`/customers?q=${encodeURIComponent(query)}`);
    await expect(page.getByRole("link", { name, exact: true })).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  return new URL(page.url()).pathname.split("/")[2];
}

test("staff buy a number for a customer, assign and unassign pool numbers (seeing the cool-off), and find the purchase in the audit log", async ({ page }) => {
  await signInAsDemoOwner(page);

  // Buy a number for a customer account, confirming the debit first.
  const customer = await openCustomer(page, "Vikram", "Vikram Mehta");
  await page.getByRole("link", { name: "Buy a number" }).click();
  await expect(page.getByLabel("Buy for")).toHaveValue(customer);
  await page.getByRole("link", { name: /^Buy \+/ }).first().click();
  await expect(page.getByText("Debited now")).toBeVisible();
  await expect(page.getByText("Vikram Mehta's wallet")).toBeVisible();
  const buy = page.getByRole("button", { name: /^Buy \+\d+ for / });
  const bought = ((await buy.textContent()) ?? "").match(/\+\d+/)![0];
  await buy.click();
  await expect(page.getByRole("status").first()).toContainText(`Bought ${bought}`);

  // It is in the numbers view at once, held by the customer.
  await page.goto(`/numbers?q=${encodeURIComponent(bought.slice(1))}`);
  await expect(page.getByRole("link", { name: bought })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: bought })).toContainText("Vikram Mehta");

  // Assign a free pool number to a sub-account.
  await expect(async () => {
    await page.goto("/numbers?pool_free=1");
    await expect(page.getByRole("link", { name: /^\+/ }).first()).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  await page.getByRole("link", { name: /^\+/ }).first().click();
  const pooled = (await page.getByRole("heading", { level: 1 }).textContent())!.trim();
  await page.getByLabel("Sub-account").selectOption({ index: 0 });
  await page.getByRole("button", { name: "Assign", exact: true }).click();
  await expect(page.getByRole("status").first()).toContainText(`${pooled} is assigned to`);
  // Never used, so it goes back to the pool at once.
  await page.getByRole("button", { name: "Unassign to the pool" }).first().click();
  await expect(page.getByRole("status").first()).toContainText(`${pooled} is back in the pool`);

  // A sub-account number used in the last 15 days stays: the page says until when.
  const desk = await openCustomer(page, "Support desk", "Support desk");
  await page.goto(`/numbers?customer=${desk}`);
  const held = await page.getByRole("link", { name: /^\+/ }).allTextContents();
  expect(held.length).toBeGreaterThan(0);
  let sawCoolOff = false;
  for (const e164 of held) {
    await page.goto(`/numbers/${e164.slice(1)}`);
    await page.getByRole("button", { name: "Unassign to the pool" }).first().click();
    const alert = page.getByRole("alert");
    if (await alert.isVisible().catch(() => false)) {
      await expect(alert).toContainText("had a call in the last 15 days");
      await expect(alert).toContainText(/until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      await expect(page.getByLabel("Reason for overriding the cool-off")).toBeVisible();
      sawCoolOff = true;
      break;
    }
  }
  expect(sawCoolOff).toBe(true);

  // The purchase is in the audit log, with who did it.
  await page.goto("/audit?action=number.purchase");
  const row = page.getByRole("row").filter({ hasText: bought });
  await expect(row).toBeVisible();
  await expect(row).toContainText("owner@demo.example");
  await expect(row).toContainText("OK");
});
