import { test, expect } from "@playwright/test";
import { demoLogin, signIn, signInAsDemoOwner } from "./helpers";

test("a visitor is sent to sign in, and back to the page they wanted", async ({ page }) => {
  await page.goto("/numbers");
  await expect(page).toHaveURL(/\/login\?next=%2Fnumbers/);
  const login = demoLogin();
  await page.getByLabel("Email").fill(login.email);
  await page.getByLabel("Password").fill(login.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/numbers$/);
  await expect(page.getByRole("heading", { name: "Numbers", level: 1 })).toBeVisible();
  await expect(page.getByText(`${login.email}`)).toBeVisible();
});

test("a wrong password is refused in plain words", async ({ page }) => {
  await signIn(page, demoLogin().email, "certainly not the password");
  await expect(page.getByRole("alert")).toHaveText("The email or password is wrong.");
  await expect(page.getByLabel("Email")).toHaveValue(demoLogin().email);
});

test("signing out ends the session", async ({ page }) => {
  await signInAsDemoOwner(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login/);
});

test("signing out everywhere ends the sessions of other browsers too", async ({ browser }) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  const a = await first.newPage();
  const b = await second.newPage();
  await signInAsDemoOwner(a);
  await signInAsDemoOwner(b);
  await a.goto("/settings");
  await a.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(a.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await b.goto("/settings");
  await expect(b).toHaveURL(/\/login/);
  await first.close();
  await second.close();
});
