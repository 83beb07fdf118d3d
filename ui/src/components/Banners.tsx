import { Link } from "react-router";
import { useI18n } from "../i18n";
import type { RollbackInfo, UpgradeCheck } from "../types";

/** Seed 000: the blue banner "Upgrade available: 1.0.0 → 2.0.0" with new and removed variables. */
export function UpgradeBanner({ check, onUpgrade, canOperate }: { check: UpgradeCheck; onUpgrade: () => void; canOperate: boolean }) {
  const { t } = useI18n();
  if (!check.upgradeAvailable) return null;
  return (
    <section className="banner banner-blue" role="region" aria-label={t("upgrade.available", { from: check.currentVersion ?? "?", to: check.latestVersion ?? "?" })} data-testid="upgrade-banner">
      <div className="banner-body">
        <strong>{t("upgrade.available", { from: check.currentVersion ?? "?", to: check.latestVersion ?? "?" })}</strong>
        {check.newVariables.length > 0 && (
          <p>{t("upgrade.newVariables")}: {check.newVariables.map(v => <code key={v} className="chip">{v}</code>)}</p>
        )}
        {check.removedVariables.length > 0 && (
          <p>{t("upgrade.removedVariables")}: {check.removedVariables.map(v => <code key={v} className="chip chip-removed">{v}</code>)}</p>
        )}
        {!check.canUpgrade && check.cannotUpgradeReason && <p>{t("upgrade.cannot", { reason: check.cannotUpgradeReason })}</p>}
      </div>
      {canOperate && (
        <button type="button" className="primary" onClick={onUpgrade} disabled={!check.canUpgrade}>{t("upgrade.button")}</button>
      )}
    </section>
  );
}

/** Seed 000: the amber "Rollback available" banner, linking to the dedicated rollback page. */
export function RollbackBanner({ info, rollbackHref, canOperate }: { info: RollbackInfo; rollbackHref: string; canOperate: boolean }) {
  const { t } = useI18n();
  if (!info.canRollback) return null;
  return (
    <section className="banner banner-amber" role="region" aria-label={t("rollback.available")} data-testid="rollback-banner">
      <div className="banner-body">
        <strong>{t("rollback.available")}</strong>
        <p>{t("rollback.bannerText", { version: info.rollbackTargetVersion ?? "?" })}</p>
      </div>
      {canOperate && <Link className="button warn" to={rollbackHref}>{t("rollback.button")}</Link>}
    </section>
  );
}
