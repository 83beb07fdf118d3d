import { useState, type FormEvent } from "react";
import { api, ApiError, enc, errorText, qs } from "../api";
import { isAdmin, useAuth } from "../auth";
import { useI18n } from "../i18n";
import { ErrorNote } from "../components/Dialog";
import { useLoad } from "../useLoad";
import type { DeploymentSummary, Environment, Paged, Registry, Token, User } from "../types";

function fieldErrors(e: unknown): string {
  if (e instanceof ApiError && e.problem.errors) return Object.values(e.problem.errors).flat().join(" ");
  return errorText(e);
}

export function UsersPage() {
  const { t, fmtDate } = useI18n();
  const users = useLoad(() => api.get<Paged<User>>("/api/users?limit=500"), []);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState("viewer");
  const [error, setError] = useState<string | null>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try { await api.post("/api/users", { username, password, role }); setUsername(""); setPassword(""); await users.reload(); } catch (err) { setError(fieldErrors(err)); }
  };
  const run = async (f: () => Promise<unknown>) => { setError(null); try { await f(); await users.reload(); } catch (err) { setError(fieldErrors(err)); } };
  return (
    <>
      <h1>{t("users.title")}</h1>
      <ErrorNote error={users.error} />
      <div className="table-wrap">
        <table data-testid="users">
          <thead><tr><th scope="col">{t("col.name")}</th><th scope="col">{t("col.role")}</th><th scope="col">{t("col.lastUsed")}</th><th scope="col">{t("col.created")}</th><th scope="col"></th></tr></thead>
          <tbody>
            {users.data?.items.map(u => (
              <tr key={u.id}>
                <th scope="row">{u.username}</th>
                <td>
                  <select aria-label={`${t("col.role")} ${u.username}`} value={u.role} onChange={e => void run(() => api.put(`/api/users/${enc(u.id)}/role`, { role: e.target.value }))}>
                    <option value="viewer">viewer</option><option value="operator">operator</option><option value="admin">admin</option>
                  </select>
                </td>
                <td>{fmtDate(u.lastLoginAt)}</td><td>{fmtDate(u.createdAt)}</td>
                <td className="row">
                  <button type="button" onClick={() => { const p = window.prompt(t("users.newPassword")); if (p) void run(() => api.put(`/api/users/${enc(u.id)}/password`, { password: p })); }}>{t("users.resetPassword")}</button>
                  <button type="button" className="danger" onClick={() => { if (window.confirm(t("users.confirmDelete", { name: u.username }))) void run(() => api.del(`/api/users/${enc(u.id)}`)); }}>{t("common.delete")}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form onSubmit={create} className="card row wrap end-align" aria-labelledby="new-user">
        <h2 id="new-user" className="full">{t("users.create")}</h2>
        <div className="field"><label htmlFor="nu-name">{t("login.username")}</label><input id="nu-name" value={username} onChange={e => setUsername(e.target.value)} required /></div>
        <div className="field"><label htmlFor="nu-pw">{t("login.password")}</label><input id="nu-pw" type="password" autoComplete="new-password" value={password} onChange={e => setPassword(e.target.value)} required /></div>
        <div className="field"><label htmlFor="nu-role">{t("col.role")}</label>
          <select id="nu-role" value={role} onChange={e => setRole(e.target.value)}><option value="viewer">viewer</option><option value="operator">operator</option><option value="admin">admin</option></select>
        </div>
        <button type="submit" className="primary">{t("users.create")}</button>
      </form>
      <ErrorNote error={error} />
    </>
  );
}

export function TokensPage() {
  const { t, fmtDate } = useI18n();
  const { me } = useAuth();
  const [all, setAll] = useState(false);
  const tokens = useLoad(() => api.get<Paged<Token>>(`/api/tokens${qs({ all: all || undefined, limit: 500 })}`), [all]);
  const envs = useLoad(() => api.get<Paged<Environment>>("/api/environments?limit=200"), []);
  const deps = useLoad(() => api.get<Paged<DeploymentSummary>>("/api/deployments?limit=500"), []);
  const [name, setName] = useState("");
  const [days, setDays] = useState(90);
  const [scopeEnv, setScopeEnv] = useState("");
  const [scopeDep, setScopeDep] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api.post<{ token: string }>("/api/tokens", { name, expiresInDays: days, scopeEnvironmentId: scopeEnv || undefined, scopeDeploymentId: scopeDep || undefined });
      setCreated(r.token); setName(""); await tokens.reload();
    } catch (err) { setError(fieldErrors(err)); }
  };
  return (
    <>
      <div className="row spread">
        <h1>{t("tokens.title")}</h1>
        {isAdmin(me) && <label className="inline"><input type="checkbox" checked={all} onChange={e => setAll(e.target.checked)} /> {t("tokens.all")}</label>}
      </div>
      <ErrorNote error={tokens.error} />
      <div className="table-wrap">
        <table data-testid="tokens">
          <thead><tr><th scope="col">{t("col.name")}</th><th scope="col">{t("col.prefix")}</th><th scope="col">{t("col.scope")}</th><th scope="col">{t("col.created")}</th><th scope="col">{t("col.expires")}</th><th scope="col">{t("col.lastUsed")}</th><th scope="col">{t("col.status")}</th><th scope="col"></th></tr></thead>
          <tbody>
            {tokens.data?.items.map(k => (
              <tr key={k.id}>
                <th scope="row">{k.name}</th><td><code>{k.prefix}</code></td>
                <td>{k.scopeDeploymentId ? `deployment ${k.scopeDeploymentId}` : k.scopeEnvironmentId ? `environment ${k.scopeEnvironmentId}` : "—"}</td>
                <td>{fmtDate(k.createdAt)}</td><td>{fmtDate(k.expiresAt)}</td><td>{fmtDate(k.lastUsedAt)}</td>
                <td><span className={`badge badge-${k.active ? "ok" : "muted"}`}>{k.active ? t("tokens.active") : t("tokens.inactive")}</span></td>
                <td>{k.active && <button type="button" className="danger" onClick={async () => { try { await api.del(`/api/tokens/${enc(k.id)}`); await tokens.reload(); } catch (err) { setError(errorText(err)); } }}>{t("tokens.revoke")}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form onSubmit={create} className="card row wrap end-align" aria-labelledby="new-token">
        <h2 id="new-token" className="full">{t("tokens.create")}</h2>
        <div className="field"><label htmlFor="tk-name">{t("tokens.name")}</label><input id="tk-name" value={name} onChange={e => setName(e.target.value)} required /></div>
        <div className="field"><label htmlFor="tk-days">{t("tokens.expiresInDays")}</label><input id="tk-days" type="number" min={1} max={365} value={days} onChange={e => setDays(Number(e.target.value))} /></div>
        <div className="field"><label htmlFor="tk-env">{t("tokens.scopeEnv")}</label>
          <select id="tk-env" value={scopeEnv} onChange={e => setScopeEnv(e.target.value)}><option value="">—</option>{envs.data?.items.map(x => <option key={x.id} value={x.id}>{x.name}</option>)}</select>
        </div>
        <div className="field"><label htmlFor="tk-dep">{t("tokens.scopeDeployment")}</label>
          <select id="tk-dep" value={scopeDep} onChange={e => setScopeDep(e.target.value)}><option value="">—</option>{deps.data?.items.map(x => <option key={x.id} value={x.id}>{x.name}</option>)}</select>
        </div>
        <button type="submit" className="primary">{t("tokens.create")}</button>
      </form>
      {created && <div className="banner banner-blue" role="status"><div className="banner-body"><p>{t("tokens.created")}</p><code className="secret-once" data-testid="new-token">{created}</code></div><button type="button" onClick={() => setCreated(null)}>{t("common.close")}</button></div>}
      <ErrorNote error={error} />
    </>
  );
}

export function RegistriesPage() {
  const { t, fmtDate } = useI18n();
  const regs = useLoad(() => api.get<Paged<Registry> | Registry[]>("/api/registries?limit=500"), []);
  const items = Array.isArray(regs.data) ? regs.data : regs.data?.items ?? [];
  const [host, setHost] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try { await api.put(`/api/registries/${enc(host)}`, { username, password }); setHost(""); setUsername(""); setPassword(""); await regs.reload(); } catch (err) { setError(fieldErrors(err)); }
  };
  return (
    <>
      <h1>{t("registries.title")}</h1>
      <ErrorNote error={regs.error} />
      <div className="table-wrap">
        <table data-testid="registries">
          <thead><tr><th scope="col">{t("col.host")}</th><th scope="col">{t("login.username")}</th><th scope="col">{t("login.password")}</th><th scope="col">{t("col.created")}</th><th scope="col"></th></tr></thead>
          <tbody>
            {items.map(r => (
              <tr key={r.host}>
                <th scope="row">{r.host}</th><td>{r.username}</td><td>{r.password}</td><td>{fmtDate(r.updatedAt)}</td>
                <td><button type="button" className="danger" onClick={async () => { if (!window.confirm(t("registries.confirmDelete", { host: r.host }))) return; try { await api.del(`/api/registries/${enc(r.host)}`); await regs.reload(); } catch (err) { setError(errorText(err)); } }}>{t("common.delete")}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form onSubmit={save} className="card row wrap end-align" aria-labelledby="new-reg">
        <h2 id="new-reg" className="full">{t("registries.save")}</h2>
        <div className="field"><label htmlFor="rg-host">{t("col.host")}</label><input id="rg-host" value={host} onChange={e => setHost(e.target.value)} required placeholder="registry.example.com" /></div>
        <div className="field"><label htmlFor="rg-user">{t("login.username")}</label><input id="rg-user" value={username} onChange={e => setUsername(e.target.value)} required /></div>
        <div className="field"><label htmlFor="rg-pw">{t("login.password")}</label><input id="rg-pw" type="password" autoComplete="new-password" value={password} onChange={e => setPassword(e.target.value)} required /></div>
        <button type="submit" className="primary">{t("common.save")}</button>
      </form>
      <ErrorNote error={error} />
    </>
  );
}
