import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { I18nProvider } from "../i18n";
import { AuthContext } from "../auth";
import { setHubFactory, type HubLike } from "../live";
import { DeploymentPage } from "./DeploymentPage";
import type { DeploymentDetail } from "../types";

const detail: DeploymentDetail = {
  deployment: {
    id: "d1", environmentId: "e1", name: "web", stackId: "demo:demo-web:web", productId: "demo:demo-web", version: "1.0.0", mode: "Normal",
    currentRevision: 1, lastSuccessfulRevision: 1, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z",
  },
  health: "Healthy", runningOperationId: null, statusError: null, variables: [{ name: "ADMIN_TOKEN", value: "••••••", secret: true }],
  services: [{ name: "web", health: "Healthy", containers: [{ id: "c1", name: "web-web-1", revision: 1, state: "running", health: "healthy", verdict: "Healthy", restartCount: 0, image: "tidegate-test/web:1.0.0", imageDigest: "sha256:0123456789abcdef", ports: ["127.0.0.1:18080->8080/tcp"] }] }],
};

const hub: HubLike = {
  start: async () => {}, stop: async () => {}, invoke: async () => undefined, on: () => {}, onreconnecting: () => {}, onreconnected: () => {}, onclose: () => {},
};

type Answer = { status: number; body?: unknown };
function serve(routes: Record<string, Answer>) {
  const calls: { method: string; url: string; body?: string }[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    calls.push({ method, url, body: init?.body as string | undefined });
    const path = url.split("?")[0];
    const a = routes[`${method} ${path}`] ?? { status: 404, body: { type: "https://tidegate.dev/problems/not-found", title: "Not found", status: 404 } };
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status, headers: { "content-type": "application/json" } });
  }));
  return calls;
}

const base = "/api/environments/e1/deployments/d1";
const common: Record<string, Answer> = {
  "GET /api/deployments/d1": { status: 200, body: detail },
  "GET /api/operations": { status: 200, body: { items: [], total: 0, limit: 10, offset: 0, nextOffset: null } },
  "GET /api/deployments/d1/operation-mode/history": { status: 200, body: { items: [], total: 0, limit: 50, offset: 0, nextOffset: null } },
  "GET /api/auth/antiforgery": { status: 200, body: { token: "t", headerName: "X-CSRF-TOKEN" } },
};

function page() {
  return render(
    <I18nProvider initial="en">
      <AuthContext.Provider value={{ me: { id: "u", username: "op", role: "operator", authenticatedBy: "cookie" }, logout: async () => {} }}>
        <MemoryRouter initialEntries={["/deployments/d1"]}>
          <Routes><Route path="/deployments/:id" element={<DeploymentPage />} /></Routes>
        </MemoryRouter>
      </AuthContext.Provider>
    </I18nProvider>,
  );
}

beforeEach(() => setHubFactory(() => hub));
afterEach(() => { setHubFactory(null); vi.unstubAllGlobals(); });

describe("DeploymentPage", () => {
  it("degrades quietly while upgrade check, rollback, logs, revisions, observer and rollout are not there yet (404/501)", async () => {
    serve({
      ...common,
      [`GET ${base}/upgrade/check`]: { status: 501, body: { type: "https://tidegate.dev/problems/engine-not-wired", status: 501 } },
      [`GET ${base}/rollback`]: { status: 501, body: { type: "https://tidegate.dev/problems/engine-not-wired", status: 501 } },
    });
    page();
    expect(await screen.findByTestId("deployment-name")).toBeTruthy();
    await waitFor(() => expect(screen.getAllByText("Not available on this server yet.").length).toBe(3)); // observer, logs, revisions
    expect(screen.queryByTestId("upgrade-banner")).toBeNull();
    expect(screen.queryByTestId("rollback-banner")).toBeNull();
    expect(screen.queryByTestId("rollout")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByTestId("services").textContent).toContain("0123456789ab");
    expect(screen.getByText("••••••")).toBeTruthy();
  });

  it("shows the blue and amber banners and the rollout from the contracts' answers", async () => {
    serve({
      ...common,
      [`GET ${base}/upgrade/check`]: { status: 200, body: { success: true, upgradeAvailable: true, currentVersion: "1.0.0", latestVersion: "2.0.0", latestStackId: "demo:demo-web:web", newVariables: ["GREETING"], removedVariables: ["LEGACY_MODE"], canUpgrade: true, cannotUpgradeReason: null } },
      [`GET ${base}/rollback`]: { status: 200, body: { canRollback: true, rollbackTargetVersion: "0.9.0", snapshotDescription: "Before upgrade to v1.0.0", snapshotCreatedAt: "2026-01-01T00:00:00Z" } },
      "GET /api/deployments/d1/rollout": { status: 200, body: { strategy: "canary", phase: "running", stable: { version: "1.0.0", revision: 1, weight: 90 }, candidate: { version: "2.0.0", revision: 2, weight: 10 }, steps: [10, 50, 100], currentStep: 0, counters: [{ version: "1.0.0", requests: 900, errors: 9, errorRate: 0.01, p99Ms: 20 }, { version: "2.0.0", requests: 100, errors: 0, errorRate: 0 }] } },
      "POST /api/deployments/d1/rollout/promote": { status: 202, body: {} },
    });
    page();
    expect((await screen.findByTestId("upgrade-banner")).textContent).toContain("Upgrade available: 1.0.0 → 2.0.0");
    expect((await screen.findByTestId("rollback-banner")).textContent).toContain("0.9.0");
    const rollout = await screen.findByTestId("rollout");
    expect(rollout.textContent).toContain("Stable 1.0.0 · 90%");
    expect(rollout.textContent).toContain("1.00 %");
    fireEvent.click(screen.getByRole("button", { name: "Promote" }));
    await waitFor(() => expect((fetch as unknown as ReturnType<typeof vi.fn>).mock.calls.some(c => c[0] === "/api/deployments/d1/rollout/promote")).toBe(true));
  });

  it("switches the mode with a reason and shows the allowed modes of a refused transition", async () => {
    const calls = serve({
      ...common,
      "PUT /api/deployments/d1/operation-mode": { status: 409, body: { type: "https://tidegate.dev/problems/illegal-mode-transition", status: 409, detail: "Normal → Failed is not allowed.", allowedModes: ["Maintenance", "Migrating", "Stopped"] } },
    });
    page();
    fireEvent.change(await screen.findByLabelText("New mode"), { target: { value: "Failed" } });
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "testing" } });
    fireEvent.click(screen.getByRole("button", { name: "Change mode" }));
    expect((await screen.findByText(/Allowed from here: Maintenance, Migrating, Stopped/)).textContent).toContain("Normal → Failed is not allowed.");
    const put = calls.find(c => c.method === "PUT")!;
    expect(JSON.parse(put.body!)).toEqual({ newMode: "Failed", reason: "testing" });
  });
});
