import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api, enc, newSessionId, optional } from "../api";
import { canOperate, useAuth } from "../auth";
import { useI18n } from "../i18n";
import { useSessionProgress } from "../live";
import { ErrorNote } from "../components/Dialog";
import { ProgressDisplay } from "../components/ProgressDisplay";
import { useLoad } from "../useLoad";
import type { DeploymentDetail, RollbackInfo } from "../types";

/** Seed 000: the dedicated rollback page. It shows the version it will restore and asks for confirmation
 * before anything happens; then the live progress. With ?toRevision=N it rolls back to that revision. */
export function RollbackPage() {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const toRevision = params.get("toRevision");
  const revisionVersion = params.get("version");
  const { t, fmtDate } = useI18n();
  const { me } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const detail = useLoad(() => api.get<DeploymentDetail>(`/api/deployments/${enc(id)}`), [id]);
  const envId = detail.data?.deployment.environmentId;
  const base = envId ? `/api/environments/${enc(envId)}/deployments/${enc(id)}` : null;
  const info = useLoad(() => base ? optional<RollbackInfo>(`${base}/rollback`) : Promise.resolve(null), [base]);
  const live = useSessionProgress();
  const { session, progress } = live;

  const target = toRevision ? revisionVersion ?? `#${toRevision}` : info.data?.rollbackTargetVersion ?? "?";
  const possible = toRevision ? true : !!info.data?.canRollback;

  const confirm = async () => {
    if (!base) return;
    setBusy(true);
    setError(null);
    const sessionId = newSessionId();
    try {
      await live.start(sessionId); // subscribe first (seed 000)
      await api.post(`${base}/rollback`, toRevision ? { sessionId, toRevision: Number(toRevision) } : { sessionId });
    } catch (e) {
      live.clear();
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const name = detail.data?.deployment.name ?? id;
  return (
    <>
      <p><Link to={`/deployments/${enc(id)}`}>← {name}</Link></p>
      <h1>{t("rollback.title", { name })}</h1>
      <ErrorNote error={detail.error ?? info.error} />
      {(detail.loading || info.loading) && !info.data && !toRevision ? <p role="status" className="muted">{t("common.loading")}</p> : !possible && !session ? (
        <p className="muted">{info.data === null ? t("common.notAvailable") : t("rollback.notPossible")}</p>
      ) : (
        <section className="banner banner-amber confirm" aria-labelledby="rb-confirm" data-testid="rollback-confirm">
          <div className="banner-body">
            <h2 id="rb-confirm">{toRevision ? t("rollback.confirmRevision", { number: toRevision, version: target }) : t("rollback.confirmText", { version: target })}</h2>
            <dl className="facts">
              <div><dt>{t("col.version")}</dt><dd>{detail.data?.deployment.version} → <strong data-testid="rollback-target">{target}</strong></dd></div>
              {!toRevision && info.data?.snapshotDescription && <div><dt>{t("rollback.snapshot")}</dt><dd>{info.data.snapshotDescription}</dd></div>}
              {!toRevision && info.data?.snapshotCreatedAt && <div><dt>{t("rollback.snapshotAt")}</dt><dd>{fmtDate(info.data.snapshotCreatedAt)}</dd></div>}
            </dl>
          </div>
          {canOperate(me) && !session && (
            <button type="button" className="warn" disabled={busy || !base} onClick={() => void confirm()}>{t("rollback.confirm", { version: target })}</button>
          )}
        </section>
      )}
      <ErrorNote error={error} />
      {session && <ProgressDisplay event={progress.event} connection={progress.connection} title={t("action.rollback")} />}
      {(progress.done || progress.failed) && <p><Link to={`/deployments/${enc(id)}`}>{name}</Link></p>}
    </>
  );
}
