import { test, expect } from "@playwright/test";
import { signInAsDemoOwner } from "./helpers";

test("the owner finds their sign-in in the audit log, filters by action and exports the CSV", async ({ page }) => {
  const login = await signInAsDemoOwner(page);

  await page.getByRole("navigation", { name: "Primary", exact: true }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();

  const mySignIn = page.getByRole("row").filter({ hasText: "auth.sign_in" }).filter({ hasText: login.email });
  await expect(mySignIn.first()).toBeVisible();

  await page.getByLabel("Action", { exact: true }).fill("auth.sign_in");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/[?&]action=auth\.sign_in/);
  await expect(page.getByLabel("Action", { exact: true })).toHaveValue("auth.sign_in");
  await expect(mySignIn.first()).toBeVisible();
  // Only sign-ins are left: every data row names that action.
  const rows = page.getByRole("row").filter({ has: page.getByRole("cell") });
  const count = await rows.count();
  expect(count).toBeGreaterThan(0);
  await expect(rows.filter({ hasNotText: "auth.sign_in" })).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText(/\d+–\d+ of \d+/);

  const exportLink = page.getByRole("link", { name: "Export CSV" });
  const href = await exportLink.getAttribute("href");
  expect(href).toContain("/audit/export.csv?");
  expect(href).toContain("action=auth.sign_in");
  const res = await page.request.get(href!);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toBe("text/csv; charset=utf-8");
  expect(res.headers()["content-disposition"]).toMatch(/^attachment; filename="audit-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.csv"$/);
  const csv = await res.text();
  const [header, ...lines] = csv.trim().split("\n");
  expect(header).toBe(
    "time,seq,actor_email,actor_role,action,target_type,target_id,outcome,upstream_status,upstream_message,request_id,client_ip,params",
  );
  expect(lines.length).toBeGreaterThan(0);
  expect(csv).toContain(login.email);
  expect(csv).not.toContain("staff.invite");
});
