import { useI18n, type Key } from "../i18n";

const healthClass: Record<string, string> = { healthy: "ok", degraded: "warn", unhealthy: "bad", maintenance: "info", unknown: "muted" };
const modeClass: Record<string, string> = { Normal: "ok", Maintenance: "info", Migrating: "info", Failed: "bad", Stopped: "muted" };

export function HealthBadge({ health }: { health: string | null | undefined }) {
  const { t } = useI18n();
  const h = health ?? "Unknown";
  const norm = h.toLowerCase();
  const key = (norm === "maintenance" ? "health.maintenance" : `health.${h}`) as Key;
  const text = key in { "health.Healthy": 1, "health.Degraded": 1, "health.Unhealthy": 1, "health.Unknown": 1, "health.maintenance": 1 } ? t(key) : h;
  return <span className={`badge badge-${healthClass[norm] ?? "muted"}`} data-testid="health">{text}</span>;
}

export function ModeBadge({ mode }: { mode: string }) {
  const { t } = useI18n();
  const known = ["Normal", "Maintenance", "Migrating", "Failed", "Stopped"].includes(mode);
  return (
    <span className={`badge badge-${modeClass[mode] ?? "muted"}`} data-testid="mode">
      <span className="mode-dot" aria-hidden="true" />{known ? t(`mode.${mode}` as Key) : mode}
    </span>
  );
}
