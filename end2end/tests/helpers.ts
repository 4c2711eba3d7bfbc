import { expect, Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";

/** The demo owner's login, as the portal wrote it into its data folder at start-up. */
export function demoLogin(): { email: string; password: string } {
  const file = path.join(process.env.E2E_DATA_DIR!, "demo-login.json");
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Signs in through the sign-in page, as a person would. */
export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in as the demo owner and waits for the start page. */
export async function signInAsDemoOwner(page: Page) {
  const login = demoLogin();
  await signIn(page, login.email, login.password);
  await expect(page.getByText(login.email)).toBeVisible();
  return login;
}
