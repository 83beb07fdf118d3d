import { useMemo, useState } from "react";
import { Link } from "react-router";
import { api, enc } from "../api";
import { useI18n } from "../i18n";
import { HealthBadge, ModeBadge } from "../components/Badges";
import { ErrorNote } from "../components/Dialog";
import { useLoad } from "../useLoad";
import { MODES, type DeploymentDetail, type DeploymentSummary, type Environment, type Operation, type Paged } from "../types";

interface Row { d: DeploymentSummary; health: string; last: Operation | undefined }

export function OverviewPage() {
  const { t, fmtDate } = useI18n();
  const [env, setEnv] = useState("");
  const [mode, setMode] = useState("");
  const [health, setHealth] = useState("");
  const [query, setQuery] = useState("");

  const envs = useLoad(() => api.get<Paged<Environment>>("/api/environments?limit=200"), []);
  const rows = useLoad(async () => {
    const [deps, ops] = await Promise.all([
      api.get<Paged<DeploymentSummary>>("/api/deployments?limit=500"),
      api.get<Paged<Operation>>("/api/operations?limit=500"),
    ]);
    const last = new Map<string, Operation>();
    for (const o of ops.items) {
      if (!o.deploymentId) continue;
      const seen = last.get(o.deploymentId);
      if (!seen || seen.createdAt < o.createdAt) last.set(o.deploymentId, o);
    }
    // Health lives in the detail (what really runs); fetched in parallel, at most 100 deployments.
    const details = await Promise.all(deps.items.slice(0, 100).map(d =>
      api.get<DeploymentDetail>(`/api/deployments/${enc(d.id)}`).catch(() => null)));
    return deps.items.map((d, i): Row => ({ d, health: details[i]?.health ?? "Unknown", last: last.get(d.id) }));
  }, []);

  const envName = useMemo(() => new Map((envs.data?.items ?? []).map(e => [e.id, e.name])), [envs.data]);
  const filtered = (rows.data ?? []).filter(r =>
    (!env || r.d.environmentId === env) && (!mode || r.d.mode === mode) && (!health || r.health.toLowerCase() === health.toLowerCase())
    && (!query || (r.d.name + " " + r.d.stackId).toLowerCase().includes(query.toLowerCase())));

  return (
    <>
      <div className="row spread">
        <h1>{t("overview.title")}</h1>
        <button type="button" onClick={() => { void envs.reload(); void rows.reload(); }}>{t("common.refresh")}</button>
      </div>
      <section aria-labelledby="envs-title">
        <h2 id="envs-title">{t("overview.environments")}</h2>
        <ErrorNote error={envs.error} />
        <ul className="cards">
          {(envs.data?.items ?? []).map(e => (
            <li key={e.id} className="card">
              <strong>{e.name}</strong> {e.isDefault && <span className="badge badge-info">{t("overview.default")}</span>}
              <div className="muted small"><code>{e.dockerEndpoint}</code></div>
              <div className="small">{t("overview.deployments")}: {(rows.data ?? []).filter(r => r.d.environmentId === e.id).length}</div>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="deps-title">
        <h2 id="deps-title">{t("overview.deployments")}</h2>
        <form className="filters" role="search" onSubmit={e => e.preventDefault()}>
          <label>{t("common.search")}
            <input type="search" value={query} placeholder={t("overview.searchPlaceholder")} onChange={e => setQuery(e.target.value)} />
          </label>
          <label>{t("overview.filterEnv")}
            <select value={env} onChange={e => setEnv(e.target.value)}>
              <option value="">{t("common.all")}</option>
              {(envs.data?.items ?? []).map(e => <option key={e.id} value={e.id}>{e.name}</option>)}
            </select>
          </label>
          <label>{t("overview.filterMode")}
            <select value={mode} onChange={e => setMode(e.target.value)}>
              <option value="">{t("common.all")}</option>
              {MODES.map(m => <option key={m} value={m}>{t(`mode.${m}`)}</option>)}
            </select>
          </label>
          <label>{t("overview.filterHealth")}
            <select value={health} onChange={e => setHealth(e.target.value)}>
              <option value="">{t("common.all")}</option>
              {(["Healthy", "Degraded", "Unhealthy", "Unknown"] as const).map(h => <option key={h} value={h}>{t(`health.${h}`)}</option>)}
              <option value="maintenance">{t("health.maintenance")}</option>
            </select>
          </label>
        </form>
        <ErrorNote error={rows.error} />
        {rows.loading && !rows.data && <p role="status" className="muted">{t("common.loading")}</p>}
        {rows.data && rows.data.length === 0 && <p className="muted">{t("overview.noDeployments")} <Link to="/catalog">{t("nav.catalog")}</Link></p>}
        {rows.data && rows.data.length > 0 && (
          <div className="table-wrap">
            <table data-testid="deployments">
              <thead>
                <tr>
                  <th scope="col">{t("col.name")}</th><th scope="col">{t("col.environment")}</th><th scope="col">{t("col.stack")}</th>
                  <th scope="col">{t("col.version")}</th><th scope="col">{t("col.mode")}</th><th scope="col">{t("col.health")}</th>
                  <th scope="col">{t("col.lastOperation")}</th>
                </tr>
              </thead>
              <tbody>
                {filtered.map(r => (
                  <tr key={r.d.id}>
                    <th scope="row"><Link to={`/deployments/${enc(r.d.id)}`}>{r.d.name}</Link></th>
                    <td>{envName.get(r.d.environmentId) ?? r.d.environmentId}</td>
                    <td><code>{r.d.stackId}</code></td>
                    <td>{r.d.version}</td>
                    <td><ModeBadge mode={r.d.mode} /></td>
                    <td><HealthBadge health={r.health} /></td>
                    <td>{r.last ? <span title={fmtDate(r.last.createdAt)}>{r.last.kind} · {r.last.status}</span> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {filtered.length === 0 && <p className="muted">{t("overview.empty")}</p>}
          </div>
        )}
      </section>
    </>
  );
}
