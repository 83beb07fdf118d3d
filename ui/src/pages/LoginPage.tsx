import { useState, type FormEvent } from "react";
import { api, errorText } from "../api";
import { useI18n } from "../i18n";
import type { Me } from "../types";
import { LanguageSwitch } from "../App";

export function LoginPage({ onLogin }: { onLogin: (me: Me) => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await api.post<Me>("/api/auth/login", { username, password }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="login">
      <form onSubmit={submit} className="card login-card" aria-labelledby="login-title">
        <div className="row spread"><h1 id="login-title">{t("login.title")}</h1><LanguageSwitch /></div>
        <div className="field">
          <label htmlFor="username">{t("login.username")}</label>
          <input id="username" name="username" autoComplete="username" required value={username} onChange={e => setUsername(e.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="password">{t("login.password")}</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={e => setPassword(e.target.value)} />
        </div>
        {error && <p className="error" role="alert">{t("login.failed")}: {error}</p>}
        <button type="submit" className="primary" disabled={busy}>{t("login.submit")}</button>
      </form>
    </main>
  );
}
