import { useState } from "react";
import { api, qs } from "../api";
import { useI18n } from "../i18n";
import { ErrorNote } from "../components/Dialog";
import { useLoad } from "../useLoad";
import type { AuditEntry, Paged } from "../types";

export function AuditPage() {
  const { t, fmtDate } = useI18n();
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [target, setTarget] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [limit, setLimit] = useState(100);
  const filter = { actor, action, target, since: since ? new Date(since).toISOString() : "", until: until ? new Date(until).toISOString() : "" };
  const data = useLoad(() => api.get<Paged<AuditEntry>>(`/api/audit${qs({ ...filter, limit })}`), [actor, action, target, since, until, limit]);
  return (
    <>
      <div className="row spread">
        <h1>{t("audit.title")}</h1>
        <a className="button" href={`/api/audit/export${qs(filter)}`} download="audit.json">{t("audit.export")}</a>
      </div>
      <form className="filters" role="search" onSubmit={e => e.preventDefault()}>
        <label>{t("col.actor")}<input value={actor} onChange={e => setActor(e.target.value)} /></label>
        <label>{t("col.action")}<input value={action} onChange={e => setAction(e.target.value)} /></label>
        <label>{t("col.target")}<input value={target} onChange={e => setTarget(e.target.value)} /></label>
        <label>{t("audit.since")}<input type="datetime-local" value={since} onChange={e => setSince(e.target.value)} /></label>
        <label>{t("audit.until")}<input type="datetime-local" value={until} onChange={e => setUntil(e.target.value)} /></label>
      </form>
      <ErrorNote error={data.error} />
      <div className="table-wrap">
        <table data-testid="audit">
          <thead><tr><th scope="col">{t("col.when")}</th><th scope="col">{t("col.actor")}</th><th scope="col">{t("col.action")}</th><th scope="col">{t("col.target")}</th><th scope="col">{t("col.result")}</th><th scope="col">{t("col.reason")}</th><th scope="col">{t("col.source")}</th></tr></thead>
          <tbody>
            {data.data?.items.map(e => (
              <tr key={e.id}>
                <td>{fmtDate(e.at)}</td><td>{e.actor}</td><td><code>{e.action}</code></td><td>{e.target ?? ""}</td>
                <td><span className={`badge badge-${e.result === "Succeeded" ? "ok" : e.result === "Denied" ? "bad" : "warn"}`}>{e.result}</span> <span className="muted small">{e.details ?? ""}</span></td>
                <td>{e.reason ?? ""}</td><td>{e.sourceIp ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.data && data.data.total > data.data.items.length && <button type="button" onClick={() => setLimit(l => Math.min(1000, l + 100))}>{t("audit.more")}</button>}
    </>
  );
}
