import { test, expect } from "@playwright/test";
import { signIn, signInAsDemoOwner } from "./helpers";

test("staff provision a customer through the onboarding steps; the customer signs in and sees the number and balance", async ({ page, browser }) => {
  await signInAsDemoOwner(page);
  await page.getByRole("link", { name: "Customers", exact: true }).first().click();
  await expect(page.getByRole("heading", { name: "Customers", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "New customer" }).click();

  // 1. Create: Vobiz's rules are said before anything is sent.
  const stamp = Date.now();
  await page.getByLabel("Full name").fill("Lakshmi Traders");
  await page.getByLabel("Email").fill(`lakshmi-${stamp}@traders.example`);
  await page.getByLabel("Phone").fill("12345");
  await page.getByLabel("Phone").blur();
  await expect(page.getByText("Write the phone number in international form")).toBeVisible();
  await page.getByLabel("Phone").fill("+919845012345");
  await page.getByLabel("Country").selectOption("IN");
  await expect(page.getByText("Wallet currency: INR")).toBeVisible();
  await page.getByLabel("Vobiz password").fill("Traders#2026");
  await page.getByRole("button", { name: "Create customer account" }).click();
  await expect(page.getByRole("heading", { name: /Onboarding Lakshmi Traders/ })).toBeVisible();
  await expect(page.getByRole("status").first()).toContainText("Next: fund the wallet");
  const customerUrl = new URL(page.url()).pathname.replace(/\/onboarding$/, "");

  // 2. Fund the wallet, confirming both balances first.
  await page.getByRole("link", { name: "Transfer funds" }).click();
  await page.getByLabel("Amount").fill("2000");
  await page.getByLabel("Note").fill("Opening balance");
  await page.getByRole("button", { name: "Review the transfer" }).click();
  await expect(page.getByRole("heading", { name: "Partner wallet" })).toBeVisible();
  await page.getByRole("button", { name: "Transfer 2,000.00 INR" }).click();
  await expect(page.getByText("Completed")).toBeVisible();
  await expect(page.getByText("Vobiz moved the money.")).toBeVisible();

  // 3. Give it a number from the inventory, after seeing exactly what is debited.
  await page.goto(`${customerUrl}/onboarding`);
  const step = page.getByRole("region", { name: /Give it a number/ });
  await step.getByRole("link", { name: /^Buy \+/ }).first().click();
  await expect(page.getByText("Debited now")).toBeVisible();
  await expect(page.getByText("Lakshmi Traders's wallet")).toBeVisible();
  const buy = page.getByRole("button", { name: /^Buy \+\d+ for / });
  const label = (await buy.textContent()) ?? "";
  const e164 = label.match(/\+\d+/)![0];
  await buy.click();
  await expect(page.getByRole("status").first()).toContainText(`Bought ${e164}`);

  // 4. Check the routing with Vobiz: the result is said either way.
  await page.getByRole("button", { name: "Check routing now" }).click();
  await expect(page.getByText(/Checked with Vobiz/).first()).toBeVisible();

  // 5. Invite the customer's first user; the link is shown once.
  const userEmail = `owner-${stamp}@traders.example`;
  await page.getByLabel("Their email").fill(userEmail);
  await page.getByRole("button", { name: "Invite to their portal" }).click();
  const link = await page.getByLabel(`One-time link for ${userEmail}`).inputValue();

  // The customer's own browser.
  const theirs = await browser.newContext();
  const other = await theirs.newPage();
  await other.goto(new URL(link).pathname);
  const password = "saffron harbour lantern twelve";
  await other.getByLabel("New password").fill(password);
  await other.getByLabel("The same password again").fill(password);
  await other.getByRole("button", { name: "Set password" }).click();
  await expect(other.getByText("Your password is set. Sign in with it now.")).toBeVisible();
  await signIn(other, userEmail, password);
  await expect(other).toHaveURL(/\/my$/);
  await expect(other.getByRole("heading", { name: "Lakshmi Traders" })).toBeVisible();
  await expect(other.getByTestId("my-balance")).toContainText("INR");
  await expect(other.getByRole("cell", { name: e164, exact: true })).toBeVisible();
  // Nothing of the partner's: the staff areas send them back to their own page.
  await other.goto("/customers");
  await expect(other).toHaveURL(/\/my$/);
  await theirs.close();

  // The staff see it all on the customer's page, with the history.
  await page.goto(customerUrl);
  await expect(page.getByRole("table", { name: "The customer's numbers" }).getByRole("cell", { name: e164, exact: true })).toBeVisible();
  await expect(page.getByText("wallet.transfer").first()).toBeVisible();
  await expect(page.getByText("number.purchase").first()).toBeVisible();
});

test("the customer list searches and filters the mirror", async ({ page }) => {
  await signInAsDemoOwner(page);
  await page.goto("/customers");
  await expect(page.getByTestId("freshness")).toBeVisible();
  // The first refresh may still be under way right after start-up.
  await expect(async () => {
    await page.goto("/customers?q=asha");
    await expect(page.getByRole("link", { name: "Asha Rao" })).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  await page.getByLabel("Kind").selectOption("sub_account");
  await page.getByLabel("Search").fill("");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/kind=sub_account/);
  await expect(page.getByRole("cell", { name: /Sub-account/ }).first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Asha Rao" })).toHaveCount(0);
});

test("the dashboard shows the partner wallet, what needs attention and the month's DID costs", async ({ page }) => {
  await signInAsDemoOwner(page);
  await page.getByRole("link", { name: "Dashboard" }).first().click();
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  await expect(page.getByTestId("partner-balance")).toContainText("INR");
  await expect(page.getByRole("link", { name: /Renewals at risk/ })).toBeVisible();
  await page.getByRole("link", { name: /Numbers with no application/ }).click();
  await expect(page).toHaveURL(/\/numbers\?no_app=1/);
  await expect(page.getByLabel("No application")).toBeChecked();
});
