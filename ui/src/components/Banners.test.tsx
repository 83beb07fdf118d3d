import { describe, expect, it, vi } from "vitest";
import { fireEvent, screen } from "@testing-library/react";
import { renderUi } from "../test/render";
import { RollbackBanner, UpgradeBanner } from "./Banners";
import type { UpgradeCheck } from "../types";

const check: UpgradeCheck = {
  success: true, upgradeAvailable: true, currentVersion: "1.0.0", latestVersion: "2.0.0", latestStackId: "demo:demo-web:web",
  newVariables: ["GREETING"], removedVariables: ["LEGACY_MODE"], canUpgrade: true, cannotUpgradeReason: null,
};

describe("UpgradeBanner", () => {
  it("says which upgrade is available and lists new and removed variables", () => {
    const onUpgrade = vi.fn();
    renderUi(<UpgradeBanner check={check} canOperate onUpgrade={onUpgrade} />);
    const banner = screen.getByTestId("upgrade-banner");
    expect(banner.className).toContain("banner-blue");
    expect(banner.textContent).toContain("Upgrade available: 1.0.0 → 2.0.0");
    expect(screen.getByText("GREETING").closest("p")!.textContent).toContain("New variables");
    expect(screen.getByText("LEGACY_MODE").closest("p")!.textContent).toContain("Removed variables");
    fireEvent.click(screen.getByRole("button", { name: "Upgrade" }));
    expect(onUpgrade).toHaveBeenCalledOnce();
  });

  it("is absent when no upgrade is available, and in German when the user reads German", () => {
    const { unmount } = renderUi(<UpgradeBanner check={{ ...check, upgradeAvailable: false }} canOperate onUpgrade={() => {}} />);
    expect(screen.queryByTestId("upgrade-banner")).toBeNull();
    unmount();
    renderUi(<UpgradeBanner check={check} canOperate onUpgrade={() => {}} />, "de");
    expect(screen.getByTestId("upgrade-banner").textContent).toContain("Upgrade verfügbar: 1.0.0 → 2.0.0");
  });

  it("shows why an upgrade cannot start and disables the button; viewers get no button", () => {
    const { unmount } = renderUi(<UpgradeBanner check={{ ...check, canUpgrade: false, cannotUpgradeReason: "Deployment must be running" }} canOperate onUpgrade={() => {}} />);
    expect(screen.getByText(/Deployment must be running/)).toBeTruthy();
    expect((screen.getByRole("button", { name: "Upgrade" }) as HTMLButtonElement).disabled).toBe(true);
    unmount();
    renderUi(<UpgradeBanner check={check} canOperate={false} onUpgrade={() => {}} />);
    expect(screen.queryByRole("button")).toBeNull();
  });
});

describe("RollbackBanner", () => {
  it("is amber, names the target version and links to the rollback page", () => {
    renderUi(<RollbackBanner canOperate rollbackHref="/deployments/d1/rollback"
      info={{ canRollback: true, rollbackTargetVersion: "1.0.0", snapshotDescription: "Before upgrade to v2.0.0", snapshotCreatedAt: null }} />);
    const banner = screen.getByTestId("rollback-banner");
    expect(banner.className).toContain("banner-amber");
    expect(banner.textContent).toContain("Rollback available");
    expect(banner.textContent).toContain("1.0.0");
    expect(screen.getByRole("link", { name: "Roll back…" }).getAttribute("href")).toBe("/deployments/d1/rollback");
  });

  it("is absent when no rollback is possible", () => {
    renderUi(<RollbackBanner canOperate rollbackHref="/x" info={{ canRollback: false, rollbackTargetVersion: null, snapshotDescription: null, snapshotCreatedAt: null }} />);
    expect(screen.queryByTestId("rollback-banner")).toBeNull();
  });
});
