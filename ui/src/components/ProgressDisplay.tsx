import { useI18n } from "../i18n";
import type { ConnectionState } from "../live";
import type { ProgressEvent } from "../types";

/** The seeds' live progress display: bar with percent, current phase, services completed/total and a
 * green live indicator while connected ("Reconnecting…" while the hub connection is lost). */
export function ProgressDisplay({ event, connection, title }: { event: ProgressEvent | null; connection: ConnectionState; title?: string }) {
  const { t } = useI18n();
  const percent = Math.max(0, Math.min(100, event?.percentComplete ?? (event?.kind === "completed" ? 100 : 0)));
  const status = event?.kind === "completed" ? "completed" : event?.kind === "failed" ? "failed" : "running";
  return (
    <section className={`progress progress-${status}`} aria-label={title ?? t("progress.label")} data-testid="progress"
      data-event-id={event?.id} data-event-at={event?.at}>
      <div className="progress-head">
        {title && <strong>{title}</strong>}
        <LiveIndicator connection={connection} />
      </div>
      <div
        className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}
        aria-label={t("progress.label")}
      >
        <div className="bar-fill" style={{ width: `${percent}%` }} />
      </div>
      <div className="progress-facts" aria-live="polite">
        <span className="percent" data-testid="progress-percent">{percent}%</span>
        <span data-testid="progress-phase">
          {t("progress.phase")}: {event?.phase ?? t("progress.waiting")}
        </span>
        {event?.servicesTotal != null && (
          <span data-testid="progress-services">
            {t("progress.services", { done: event.servicesCompleted ?? 0, total: event.servicesTotal })}
          </span>
        )}
        {status === "completed" && <span className="ok" data-testid="progress-status">{t("progress.completed")}</span>}
        {status === "failed" && <span className="bad" data-testid="progress-status">{t("progress.failed")}</span>}
      </div>
      {event?.message && <p className="muted progress-message">{event.message}</p>}
    </section>
  );
}

export function LiveIndicator({ connection }: { connection: ConnectionState }) {
  const { t } = useI18n();
  const label = connection === "connected" ? t("progress.live")
    : connection === "reconnecting" ? t("progress.reconnecting")
    : connection === "connecting" ? t("progress.connecting") : t("progress.offline");
  return (
    <span className={`live live-${connection}`} role="status" data-testid="live-indicator">
      <span className="dot" aria-hidden="true" />
      {label}
    </span>
  );
}
