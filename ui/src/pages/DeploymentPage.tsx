import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { api, ApiError, enc, errorText, newSessionId, optional, qs } from "../api";
import { canOperate, isAdmin, useAuth } from "../auth";
import { useI18n, type Key } from "../i18n";
import { useHub, useSessionProgress } from "../live";
import { HealthBadge, ModeBadge } from "../components/Badges";
import { RollbackBanner, UpgradeBanner } from "../components/Banners";
import { Dialog, ErrorNote } from "../components/Dialog";
import { LiveIndicator, ProgressDisplay } from "../components/ProgressDisplay";
import { VariableFields } from "../components/VariableFields";
import { useLoad } from "../useLoad";
import { problemToFieldErrors, validateVariables } from "../variables";
import { MODES, type Mode } from "../types";
import type {
  DeploymentDetail, LogLine, ModeHistoryEntry, Operation, OperationAccepted, ObserverStatus, Paged, Revision, RevisionDiff,
  RollbackInfo, Rollout, UpgradeCheck, VariableDef, VersionDetail,
} from "../types";

const LIFECYCLE = ["start", "stop", "restart", "redeploy", "remove"] as const;

export function DeploymentPage() {
  const { id = "" } = useParams();
  const { t, fmtDate } = useI18n();
  const { me } = useAuth();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [upgradeOpen, setUpgradeOpen] = useState(false);
  const [actionNote, setActionNote] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const op = params.get("op");

  const detail = useLoad(() => api.get<DeploymentDetail>(`/api/deployments/${enc(id)}`), [id]);
  const d = detail.data?.deployment;
  const envId = d?.environmentId;
  const seedBase = envId ? `/api/environments/${enc(envId)}/deployments/${enc(id)}` : null;
  const upgrade = useLoad(() => seedBase ? optional<UpgradeCheck>(`${seedBase}/upgrade/check`).catch(() => null) : Promise.resolve(null), [seedBase]);
  const rollback = useLoad(() => seedBase ? optional<RollbackInfo>(`${seedBase}/rollback`).catch(() => null) : Promise.resolve(null), [seedBase]);
  const operations = useLoad(() => api.get<Paged<Operation>>(`/api/operations${qs({ deploymentId: id, limit: 10 })}`), [id]);

  // Health changes without an event (a container turns healthy or crashes): poll the detail quietly.
  const reloadDetail = detail.reload;
  useEffect(() => {
    const h = setInterval(() => { if (document.visibilityState !== "hidden") void reloadDetail(); }, 5000);
    return () => clearInterval(h);
  }, [reloadDetail]);

  const [tick, setTick] = useState(0);
  const refreshAll = useCallback(() => {
    setTick(x => x + 1);
    void detail.reload(); void upgrade.reload(); void rollback.reload(); void operations.reload();
  }, [detail, upgrade, rollback, operations]);

  // Live: mode changes and events of any operation of this deployment refresh the page (debounced).
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const soon = useCallback(() => { clearTimeout(timer.current); timer.current = setTimeout(refreshAll, 400); }, [refreshAll]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const deploymentLive = useHub(id ? "d:" + id : null, {
    subscribe: hub => hub.invoke("SubscribeToDeploymentId", id),
    onProgress: e => { if (e.kind !== "progress") soon(); },
    onModeChanged: () => soon(),
    onObserverStatus: () => soon(),
    onReconnected: () => soon(),
  });

  // The operation to follow: a session we started here (upgrade), the ?op= of a started action, or the running one.
  const runningOp = op ?? detail.data?.runningOperationId ?? null;
  const live = useSessionProgress(runningOp);
  const { session, progress } = live;
  // While an operation runs the engine refuses another one (409): the controls wait instead.
  const busy = !!(progress.event?.operationId ?? runningOp) && !progress.done && !progress.failed;
  useEffect(() => { if (progress.done || progress.failed) soon(); }, [progress.done, progress.failed, soon]);

  const act = async (action: string) => {
    setActionError(null);
    setActionNote(null);
    if (action === "remove" && !window.confirm(t("action.confirmRemove", { name: d?.name ?? id }))) return;
    try {
      if (action === "enterMaintenance" || action === "exitMaintenance") {
        const changed = await api.put<{ operationId?: string }>(`/api/deployments/${enc(id)}/operation-mode`,
          { newMode: action === "enterMaintenance" ? "Maintenance" : "Normal", reason: "UI" });
        // The containers follow in an operation: follow it, and keep the controls disabled until it ends.
        if (changed?.operationId) setParams({ op: changed.operationId });
        setActionNote(t("mode.changed", { mode: t(action === "enterMaintenance" ? "mode.Maintenance" : "mode.Normal") }));
        soon();
        return;
      }
      if (action === "remove") {
        await api.del<OperationAccepted>(`/api/deployments/${enc(id)}`);
        navigate("/");
        return;
      }
      const sessionId = newSessionId();
      setParams({});
      await live.start(sessionId);
      try {
        await api.post<OperationAccepted>(`/api/deployments/${enc(id)}/${action}`, { reason: "UI", sessionId });
      } catch (e) {
        live.clear();
        throw e;
      }
      setActionNote(t("action.started", { action: t(`action.${action}` as Key) }));
    } catch (e) {
      setActionError(e);
    }
  };

  if (detail.error && !detail.data) return <><ErrorNote error={detail.error} /><Link to="/">{t("detail.back")}</Link></>;
  if (!detail.data || !d) return <p role="status" className="muted">{t("common.loading")}</p>;
  const dd = detail.data;
  const operate = canOperate(me);
  const actions = dd.availableActions ?? [...LIFECYCLE, d.mode === "Maintenance" ? "exitMaintenance" : "enterMaintenance"];

  return (
    <>
      <p><Link to="/">← {t("detail.back")}</Link></p>
      <div className="row spread">
        <h1 data-testid="deployment-name">{d.name}</h1>
        <LiveIndicator connection={deploymentLive} />
      </div>
      <dl className="facts">
        <div><dt>{t("col.version")}</dt><dd data-testid="deployment-version">{d.version}</dd></div>
        <div><dt>{t("col.mode")}</dt><dd><ModeBadge mode={d.mode} /></dd></div>
        <div><dt>{t("col.health")}</dt><dd><HealthBadge health={dd.health} /></dd></div>
        <div><dt>{t("col.stack")}</dt><dd><code>{d.stackId}</code></dd></div>
        <div><dt>{t("col.revision")}</dt><dd>{d.currentRevision ?? "—"}</dd></div>
      </dl>
      {dd.statusError && <p className="error" role="alert">{t("detail.statusError", { error: dd.statusError })}</p>}

      {upgrade.data && <UpgradeBanner check={upgrade.data} canOperate={operate} onUpgrade={() => setUpgradeOpen(true)} />}
      {rollback.data && <RollbackBanner info={rollback.data} canOperate={operate} rollbackHref={`/deployments/${enc(id)}/rollback`} />}

      {(session || runningOp) && (
        <ProgressDisplay event={progress.event} connection={progress.connection} title={progress.event?.phase ? undefined : t("detail.running")} />
      )}
      {operate && (progress.event?.operationId ?? runningOp) && !progress.done && !progress.failed && (
        <CancelOperation operationId={(progress.event?.operationId ?? runningOp)!} />
      )}

      {operate && (
        <section aria-labelledby="actions-title" className="card">
          <h2 id="actions-title">{t("detail.actions")}</h2>
          <div className="row wrap">
            {actions.filter(a => a !== "upgrade" && a !== "rollback").map(a => (
              <button key={a} type="button" className={a === "remove" ? "danger" : ""} disabled={busy} onClick={() => void act(a)}>
                {t(`action.${a}` as Key) ?? a}
              </button>
            ))}
          </div>
          {actionNote && <p role="status" className="muted">{actionNote}</p>}
          <ErrorNote error={actionError} />
        </section>
      )}

      <section aria-labelledby="services-title">
        <h2 id="services-title">{t("detail.services")}</h2>
        {dd.services.length === 0 ? <p className="muted">{t("detail.noServices")}</p> : (
          <div className="table-wrap">
            <table data-testid="services">
              <thead>
                <tr>
                  <th scope="col">{t("col.service")}</th><th scope="col">{t("col.container")}</th><th scope="col">{t("col.state")}</th>
                  <th scope="col">{t("col.health")}</th><th scope="col">{t("col.restarts")}</th><th scope="col">{t("col.image")}</th>
                  <th scope="col">{t("col.digest")}</th><th scope="col">{t("col.ports")}</th>
                </tr>
              </thead>
              <tbody>
                {dd.services.flatMap(s => (s.containers.length ? s.containers : [null]).map((c, i) => (
                  <tr key={s.name + (c?.id ?? i)}>
                    {i === 0 && <th scope="row" rowSpan={Math.max(1, s.containers.length)}>{s.name} <HealthBadge health={s.health} /></th>}
                    {c ? <>
                      <td>{c.name}{c.revision != null && <span className="muted small"> r{c.revision}</span>}</td>
                      <td>{c.state}</td>
                      <td>{c.health ?? "—"} <span className="muted small">({c.verdict})</span></td>
                      <td>{c.restartCount}</td>
                      <td><code>{c.image}</code></td>
                      <td><code className="digest" title={c.imageDigest ?? ""}>{c.imageDigest ? c.imageDigest.replace(/^sha256:/, "").slice(0, 12) : "—"}</code></td>
                      <td>{c.ports.join(", ") || "—"}</td>
                    </> : <td colSpan={7} className="muted">—</td>}
                  </tr>
                )))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <details className="card">
        <summary><h2 className="inline-h">{t("detail.variables")}</h2></summary>
        <dl className="vars">
          {dd.variables.map(v => <div key={v.name}><dt><code>{v.name}</code></dt><dd>{v.secret ? <span>{v.value}</span> : v.value || "—"}</dd></div>)}
        </dl>
      </details>

      <ModePanel id={id} mode={d.mode} actions={dd.availableActions} busy={busy}
        onChanged={operationId => { if (operationId) setParams({ op: operationId }); soon(); }} tick={tick} />
      <RolloutPanel id={id} />
      <LogsPanel id={id} services={dd.services.map(s => s.name)} />
      <RevisionsPanel id={id} />

      <section aria-labelledby="ops-title">
        <h2 id="ops-title">{t("detail.operations")}</h2>
        <ul className="plain">
          {operations.data?.items.map(o => (
            <li key={o.id}><span className="muted small">{fmtDate(o.createdAt)}</span> {o.kind} · {o.status}{o.error ? ` — ${o.error}` : ""} <span className="muted small">{o.requestedBy}</span></li>
          ))}
        </ul>
      </section>

      {upgradeOpen && upgrade.data && seedBase && (
        <UpgradeDialog
          name={d.name} stackId={d.stackId} check={upgrade.data} base={seedBase}
          onClose={() => setUpgradeOpen(false)}
          startSession={async s => { setParams({}); await live.start(s); }}
          onStarted={() => setUpgradeOpen(false)}
          cancelSession={live.clear}
        />
      )}
    </>
  );
}

const modeText = (t: (k: Key) => string, m: string) => MODES.includes(m as Mode) ? t(`mode.${m}` as Key) : m;

/** POST /api/operations/{id}/cancel: 202 when requested, 409 with the reason when past the point of no return. */
function CancelOperation({ operationId }: { operationId: string }) {
  const { t } = useI18n();
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cancel = async () => {
    setError(null);
    try { await api.post(`/api/operations/${enc(operationId)}/cancel`); setNote(t("progress.cancelRequested")); } catch (e) { setError(e); }
  };
  return (
    <div className="row wrap">
      <button type="button" className="danger" onClick={() => void cancel()} disabled={!!note}>{t("progress.cancel")}</button>
      {note && <span role="status" className="muted">{note}</span>}
      <ErrorNote error={error} />
    </div>
  );
}

function UpgradeDialog({ name, stackId, check, base, onClose, onStarted, startSession, cancelSession }: {
  name: string; stackId: string; check: UpgradeCheck; base: string; onClose: () => void; onStarted: () => void;
  startSession: (sessionId: string) => Promise<void>; cancelSession: () => void;
}) {
  const { t } = useI18n();
  const targets = check.newerVersions?.length ? check.newerVersions : [{ version: check.latestVersion ?? "", stackId: check.latestStackId ?? stackId, releaseNotesUrl: null }];
  const [target, setTarget] = useState(targets[0].version);
  const [strategy, setStrategy] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const chosen = targets.find(x => x.version === target) ?? targets[0];
  const catalogStack = (check.latestStackId ?? stackId).split("@")[0];
  const defs = useLoad(() => optional<VersionDetail>(`/api/catalog/stacks/${enc(catalogStack)}/versions/${enc(chosen.version)}`), [catalogStack, chosen.version]);
  const newDefs: VariableDef[] = (defs.data?.variables ?? []).filter(v => check.newVariables.includes(v.name));

  useEffect(() => {
    setValues(v => ({ ...Object.fromEntries(newDefs.map(x => [x.name, x.secret ? "" : x.default ?? ""])), ...v }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [defs.data]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = validateVariables(newDefs, values, t);
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    setError(null);
    const sessionId = newSessionId();
    try {
      const variables = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ""));
      await startSession(sessionId); // subscribe first (seed 000)
      await api.post(`${base}/upgrade`, { stackId: chosen.stackId, version: chosen.version, variables, sessionId, strategy: strategy || undefined });
      onStarted();
    } catch (err) {
      cancelSession();
      if (err instanceof ApiError && err.problem.errors) {
        const spread = problemToFieldErrors(err.problem, newDefs);
        setErrors(spread.fields);
        if (spread.form.length) setError(spread.form.join(" "));
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t("upgrade.dialogTitle", { name, version: chosen.version })} onClose={onClose}>
      <form onSubmit={submit} noValidate data-testid="upgrade-dialog">
        <div className="grid2">
          <div className="field">
            <label htmlFor="upgrade-target">{t("upgrade.target")}</label>
            <select id="upgrade-target" value={target} onChange={e => setTarget(e.target.value)}>
              {targets.map(x => <option key={x.version} value={x.version}>{x.version}</option>)}
            </select>
            {chosen.releaseNotesUrl && <a href={chosen.releaseNotesUrl} target="_blank" rel="noreferrer noopener">{t("catalog.releaseNotes")}</a>}
          </div>
          <div className="field">
            <label htmlFor="upgrade-strategy">{t("upgrade.strategy")}</label>
            <select id="upgrade-strategy" value={strategy} onChange={e => setStrategy(e.target.value)}>
              <option value="">{t("upgrade.strategyDefault")}</option>
              <option value="recreate">recreate</option>
              <option value="rolling">rolling</option>
              <option value="blue-green">blue-green</option>
              <option value="canary">canary</option>
            </select>
          </div>
        </div>
        <h3>{t("upgrade.newRequired")}</h3>
        {newDefs.length === 0 ? <p className="muted">{t("upgrade.noNewValues")}</p>
          : <VariableFields idPrefix="upgrade" defs={newDefs} values={values} errors={errors} onChange={(n, v) => setValues(x => ({ ...x, [n]: v }))} />}
        {check.removedVariables.length > 0 && <p className="muted">{t("upgrade.removedVariables")}: {check.removedVariables.join(", ")}</p>}
        <ErrorNote error={error} />
        <div className="row end">
          <button type="button" onClick={onClose}>{t("common.cancel")}</button>
          <button type="submit" className="primary" disabled={busy}>{t("upgrade.confirm")}</button>
        </div>
      </form>
    </Dialog>
  );
}

function ModePanel({ id, mode, actions, onChanged, tick, busy }: {
  id: string; mode: string; actions?: string[]; onChanged: (operationId?: string) => void; tick: number; busy: boolean;
}) {
  const { t, fmtDate } = useI18n();
  const { me } = useAuth();
  const [newMode, setNewMode] = useState(mode === "Maintenance" ? "Normal" : "Maintenance");
  const [reason, setReason] = useState("");
  const [override, setOverride] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const history = useLoad(() => api.get<Paged<ModeHistoryEntry> | ModeHistoryEntry[]>(`/api/deployments/${enc(id)}/operation-mode/history`), [id, mode, tick]);
  const observer = useLoad(() => optional<ObserverStatus>(`/api/deployments/${enc(id)}/observer`).catch(() => null), [id, mode, tick]);
  const entries = Array.isArray(history.data) ? history.data : history.data?.items ?? [];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null); setNote(null);
    try {
      const changed = await api.put<{ operationId?: string }>(`/api/deployments/${enc(id)}/operation-mode`, { newMode, reason, ...(override ? { override: true } : {}) });
      setNote(t("mode.changed", { mode: t(`mode.${newMode}` as Key) }));
      setReason("");
      onChanged(changed?.operationId);
      void history.reload();
    } catch (err) {
      const allowed = err instanceof ApiError ? (err.problem.allowedModes as string[] | undefined) : undefined;
      setError(allowed ? `${errorText(err)} ${t("mode.allowed", { modes: allowed.join(", ") })}` : err);
    }
  };

  return (
    <section aria-labelledby="mode-title" className="card" data-testid="mode-panel">
      <h2 id="mode-title">{t("detail.mode")}</h2>
      <p>{t("mode.current")}: <ModeBadge mode={mode} /></p>
      {actions && <p className="small">{t("mode.availableActions")}: {actions.map(a => <code key={a} className="chip">{a}</code>)}</p>}
      {canOperate(me) && (
        <form onSubmit={submit} className="row wrap end-align">
          <div className="field">
            <label htmlFor="mode-new">{t("mode.new")}</label>
            <select id="mode-new" value={newMode} onChange={e => setNewMode(e.target.value)}>
              {["Normal", "Maintenance", "Stopped", "Migrating", "Failed"].filter(m => m !== mode).map(m => <option key={m} value={m}>{t(`mode.${m}` as Key)}</option>)}
            </select>
          </div>
          <div className="field grow">
            <label htmlFor="mode-reason">{t("mode.reason")}</label>
            <input id="mode-reason" value={reason} onChange={e => setReason(e.target.value)} />
          </div>
          {isAdmin(me) && observer.data?.configured && (
            <label className="inline"><input type="checkbox" checked={override} onChange={e => setOverride(e.target.checked)} /> {t("mode.override")}</label>
          )}
          <button type="submit" className="primary" disabled={busy}>{t("mode.change")}</button>
        </form>
      )}
      {note && <p role="status" className="muted">{note}</p>}
      <ErrorNote error={error} />
      <h3>{t("detail.observer")}</h3>
      {observer.data === null || observer.data === undefined ? <p className="muted">{t("common.notAvailable")}</p>
        : !observer.data.configured ? <p className="muted">{t("observer.none")}</p> : (
          <dl className="facts" data-testid="observer">
            <div><dt>{t("observer.type")}</dt><dd>{observer.data.type}</dd></div>
            <div><dt>{t("observer.source")}</dt><dd>{observer.data.source}</dd></div>
            <div><dt>{t("observer.health")}</dt><dd><span className={`badge badge-${observer.data.health === "ok" ? "ok" : observer.data.health === "error" ? "bad" : "muted"}`}>{observer.data.health}</span></dd></div>
            <div><dt>{t("observer.lastValue")}</dt><dd>{observer.data.lastValue ?? "—"}</dd></div>
            <div><dt>{t("observer.lastPolled")}</dt><dd>{fmtDate(observer.data.lastPolledAt)}</dd></div>
            <div><dt>{t("observer.observedMode")}</dt><dd>{observer.data.observedMode ?? "—"}</dd></div>
            <div><dt>{t("observer.interval")}</dt><dd>{observer.data.pollingIntervalSeconds ?? "—"} s</dd></div>
            {observer.data.error && <div><dt>{t("common.error")}</dt><dd className="error">{observer.data.error}</dd></div>}
          </dl>
        )}
      <h3>{t("mode.history")}</h3>
      <div className="table-wrap">
        <table data-testid="mode-history">
          <thead><tr><th scope="col">{t("col.when")}</th><th scope="col">{t("col.from")}</th><th scope="col">{t("col.to")}</th><th scope="col">{t("col.by")}</th><th scope="col">{t("col.reason")}</th></tr></thead>
          <tbody>
            {entries.map(h => (
              <tr key={h.id}><td>{fmtDate(h.at)}</td><td>{modeText(t, h.from)}</td><td>{modeText(t, h.to)}</td><td>{h.changedBy}</td><td>{h.reason ?? ""}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function RolloutPanel({ id }: { id: string }) {
  const { t } = useI18n();
  const { me } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const rollout = useLoad(() => optional<Rollout>(`/api/deployments/${enc(id)}/rollout`).catch(() => null), [id]);
  useEffect(() => {
    if (!rollout.data) return;
    const h = setInterval(() => void rollout.reload(), 3000);
    return () => clearInterval(h);
  }, [rollout.data, rollout]);
  if (!rollout.data) return null; // no rollout running, or the endpoint is not there yet
  const r = rollout.data;
  const post = async (what: "promote" | "abort") => {
    setError(null);
    try { await api.post(`/api/deployments/${enc(id)}/rollout/${what}`); await rollout.reload(); } catch (e) { setError(e); }
  };
  return (
    <section aria-labelledby="rollout-title" className="card" data-testid="rollout">
      <h2 id="rollout-title">{t("detail.rollout")}: {r.strategy} · {r.phase}</h2>
      <p>{t("rollout.step", { current: r.currentStep + 1, total: r.steps.length })}</p>
      <h3>{t("rollout.weights")}</h3>
      <div className="weights" role="img" aria-label={`${t("rollout.stable")} ${r.stable.weight}%, ${t("rollout.candidate")} ${r.candidate.weight}%`}>
        <div className="w-stable" style={{ flexGrow: r.stable.weight }}>{t("rollout.stable")} {r.stable.version} · {r.stable.weight}%</div>
        <div className="w-candidate" style={{ flexGrow: r.candidate.weight }}>{t("rollout.candidate")} {r.candidate.version} · {r.candidate.weight}%</div>
      </div>
      <div className="table-wrap">
        <table>
          <thead><tr><th scope="col">{t("col.version")}</th><th scope="col">{t("rollout.requests")}</th><th scope="col">{t("rollout.errors")}</th><th scope="col">{t("rollout.errorRate")}</th><th scope="col">p99</th></tr></thead>
          <tbody>
            {r.counters.map(c => (
              <tr key={c.version}><th scope="row">{c.version}</th><td>{c.requests}</td><td>{c.errors}</td><td>{(c.errorRate * 100).toFixed(2)} %</td><td>{c.p99Ms != null ? `${c.p99Ms} ms` : "—"}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
      {canOperate(me) && (
        <div className="row">
          <button type="button" className="primary" onClick={() => void post("promote")}>{t("rollout.promote")}</button>
          <button type="button" className="danger" onClick={() => void post("abort")}>{t("rollout.abort")}</button>
        </div>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function LogsPanel({ id, services }: { id: string; services: string[] }) {
  const { t } = useI18n();
  const [service, setService] = useState("");
  const [tail, setTail] = useState(200);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState<"idle" | "unavailable" | "ready">("idle");
  const [following, setFollowing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const box = useRef<HTMLPreElement>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const r = await optional<{ lines: LogLine[] }>(`/api/deployments/${enc(id)}/logs${qs({ service, tail })}`);
      if (!r) { setState("unavailable"); return; }
      setLines(r.lines); setState("ready");
    } catch (e) { setError(e); }
  }, [id, service, tail]);
  useEffect(() => { void load(); }, [load]);

  useEffect(() => {
    if (!following) return;
    const es = new EventSource(`/api/deployments/${enc(id)}/logs/follow${qs({ service, tail: 50 })}`);
    es.addEventListener("log", ev => {
      try {
        const line = JSON.parse((ev as MessageEvent).data) as LogLine;
        setLines(l => [...l.slice(-999), line]);
      } catch { /* ignore a malformed line */ }
    });
    return () => es.close();
  }, [following, id, service]);
  useEffect(() => { if (following && box.current) box.current.scrollTop = box.current.scrollHeight; }, [lines, following]);

  return (
    <section aria-labelledby="logs-title" className="card" data-testid="logs">
      <h2 id="logs-title">{t("detail.logs")}</h2>
      {state === "unavailable" ? <p className="muted">{t("common.notAvailable")}</p> : (
        <>
          <div className="row wrap end-align">
            <div className="field">
              <label htmlFor="logs-service">{t("logs.service")}</label>
              <select id="logs-service" value={service} onChange={e => setService(e.target.value)}>
                <option value="">{t("common.all")}</option>
                {services.map(s => <option key={s} value={s}>{s}</option>)}
              </select>
            </div>
            <div className="field">
              <label htmlFor="logs-tail">{t("logs.tail")}</label>
              <input id="logs-tail" type="number" min={1} max={5000} value={tail} onChange={e => setTail(Math.max(1, Number(e.target.value) || 200))} />
            </div>
            <button type="button" onClick={() => void load()}>{t("logs.load")}</button>
            <button type="button" aria-pressed={following} onClick={() => setFollowing(f => !f)}>{following ? t("logs.stop") : t("logs.follow")}</button>
          </div>
          <ErrorNote error={error} />
          <pre className="logs" ref={box} tabIndex={0} aria-label={t("detail.logs")}>
            {lines.length === 0 ? t("logs.empty") : lines.map((l, i) => (
              <span key={i} className={l.stream === "stderr" ? "stderr" : ""}>{l.service ? `[${l.service}] ` : ""}{l.text}{"\n"}</span>
            ))}
          </pre>
        </>
      )}
    </section>
  );
}

function RevisionsPanel({ id }: { id: string }) {
  const { t, fmtDate } = useI18n();
  const { me } = useAuth();
  const revisions = useLoad(() => optional<Paged<Revision>>(`/api/deployments/${enc(id)}/revisions?limit=100`).catch(() => null), [id]);
  const [from, setFrom] = useState<number | "">("");
  const [to, setTo] = useState<number | "">("");
  const [diff, setDiff] = useState<RevisionDiff | null>(null);
  const [error, setError] = useState<unknown>(null);
  const items = revisions.data?.items ?? [];
  useEffect(() => {
    if (items.length >= 2 && from === "" && to === "") { setFrom(items[1].number); setTo(items[0].number); }
  }, [items, from, to]);

  if (revisions.loading && !revisions.data) return null;
  const compare = async () => {
    setError(null);
    try { setDiff(await api.get<RevisionDiff>(`/api/deployments/${enc(id)}/revisions/diff${qs({ from, to })}`)); } catch (e) { setError(e); }
  };
  return (
    <section aria-labelledby="rev-title" className="card" data-testid="revisions">
      <h2 id="rev-title">{t("detail.revisions")}</h2>
      {!revisions.data ? <p className="muted">{t("common.notAvailable")}</p> : (
        <>
          <div className="table-wrap">
            <table>
              <thead><tr><th scope="col">#</th><th scope="col">{t("col.version")}</th><th scope="col">{t("col.when")}</th><th scope="col">{t("col.by")}</th><th scope="col">{t("col.reason")}</th><th scope="col">{t("col.outcome")}</th><th scope="col"></th></tr></thead>
              <tbody>
                {items.map(r => (
                  <tr key={r.number}>
                    <th scope="row">{r.number}{r.current && <span className="badge badge-info">{t("revisions.current")}</span>}</th>
                    <td>{r.version}</td><td>{fmtDate(r.createdAt)}</td><td>{r.createdBy}</td><td>{r.reason ?? ""}</td><td>{r.outcome ?? ""}</td>
                    <td>{!r.current && canOperate(me) && (
                      <Link to={`/deployments/${enc(id)}/rollback${qs({ toRevision: r.number, version: r.version })}`}>{t("rollback.toRevision", { number: r.number })}</Link>
                    )}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {items.length >= 2 && (
            <div className="row wrap end-align">
              <div className="field">
                <label htmlFor="rev-from">{t("revisions.from")}</label>
                <select id="rev-from" value={from} onChange={e => setFrom(Number(e.target.value))}>{items.map(r => <option key={r.number} value={r.number}>{r.number} ({r.version})</option>)}</select>
              </div>
              <div className="field">
                <label htmlFor="rev-to">{t("revisions.to")}</label>
                <select id="rev-to" value={to} onChange={e => setTo(Number(e.target.value))}>{items.map(r => <option key={r.number} value={r.number}>{r.number} ({r.version})</option>)}</select>
              </div>
              <button type="button" onClick={() => void compare()}>{t("revisions.compare")}</button>
            </div>
          )}
          <ErrorNote error={error} />
          {diff && (
            <div className="diff" data-testid="revision-diff">
              <p>{t("col.version")}: {diff.version.from} → {diff.version.to}</p>
              <h3>{t("revisions.images")}</h3>
              {diff.images.length === 0 ? <p className="muted">{t("revisions.noChanges")}</p> : (
                <ul className="plain">{diff.images.map((i, n) => <li key={n}><code>{i.service ?? i.image}</code>: <del>{i.from ?? "—"}</del> → <ins>{i.to ?? "—"}</ins></li>)}</ul>
              )}
              <h3>{t("revisions.variables")}</h3>
              {diff.variables.length === 0 ? <p className="muted">{t("revisions.noChanges")}</p> : (
                <ul className="plain">{diff.variables.map(v => <li key={v.name}><code>{v.name}</code> ({v.change}): <del>{v.from ?? "—"}</del> → <ins>{v.to ?? "—"}</ins></li>)}</ul>
              )}
              <h3>{t("revisions.definition")}</h3>
              <pre className="logs">{diff.definition ? diff.definition.split("\n").map((l, i) => (
                <span key={i} className={l.startsWith("+") ? "add" : l.startsWith("-") ? "rem" : ""}>{l}{"\n"}</span>
              )) : t("revisions.noChanges")}</pre>
            </div>
          )}
        </>
      )}
    </section>
  );
}
