import { defineConfig, devices } from "@playwright/test";
import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";

// The portal under test runs on its own port with a fresh data folder (a fresh sandbox).
const port = Number(process.env.E2E_PORT ?? 3055);
const baseURL = `http://127.0.0.1:${port}`;
// Made once by the runner; its workers inherit the variable and so the same folder.
const dataDir = (process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "portal-e2e-")));
fs.chmodSync(dataDir, 0o755);
const bin = process.env.PORTAL_BIN ?? "../target/debug/server";

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
          ],
        },
      },
    },
  ],
  webServer: {
    command: `${bin} serve`,
    url: `${baseURL}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORTAL_LISTEN: `127.0.0.1:${port}`,
      PORTAL_DATA_DIR: dataDir,
      PORTAL_DATABASE_NAME: process.env.PORTAL_DATABASE_NAME ?? "vobiz_portal_e2e",
      PORTAL_LOG: "warn",
    },
  },
});
