import { useCallback, useEffect, useState } from "react";
import { NavLink, Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { api, ApiError, resetAntiforgery, setUnauthenticatedHandler } from "./api";
import { AuthContext, isAdmin } from "./auth";
import { LANGS, useI18n, type Lang } from "./i18n";
import { applyTheme, storedTheme, type Theme } from "./theme";
import type { Me } from "./types";
import { LoginPage } from "./pages/LoginPage";
import { OverviewPage } from "./pages/OverviewPage";
import { CatalogPage } from "./pages/CatalogPage";
import { DeployPage } from "./pages/DeployPage";
import { DeploymentPage } from "./pages/DeploymentPage";
import { RollbackPage } from "./pages/RollbackPage";
import { AuditPage } from "./pages/AuditPage";
import { UsersPage, TokensPage, RegistriesPage } from "./pages/AdminPages";

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const navigate = useNavigate();
  const location = useLocation();

  const loadMe = useCallback(async () => {
    try {
      setMe(await api.get<Me>("/api/auth/me"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else setMe(null);
    }
  }, []);

  useEffect(() => { void loadMe(); }, [loadMe]);
  useEffect(() => {
    setUnauthenticatedHandler(() => { resetAntiforgery(); setMe(null); });
    return () => setUnauthenticatedHandler(null);
  }, []);

  const logout = useCallback(async () => {
    try { await api.post("/api/auth/logout"); } catch { /* already gone */ }
    resetAntiforgery();
    setMe(null);
    navigate("/login");
  }, [navigate]);

  if (me === undefined) return <p className="center muted" role="status">…</p>;
  if (me === null) {
    return (
      <Routes>
        <Route path="*" element={<LoginPage onLogin={m => { resetAntiforgery(); setMe(m); navigate(location.pathname === "/login" ? "/" : location.pathname + location.search); }} />} />
      </Routes>
    );
  }
  return (
    <AuthContext.Provider value={{ me, logout }}>
      <Shell>
        <Routes>
          <Route path="/" element={<OverviewPage />} />
          <Route path="/login" element={<Navigate to="/" replace />} />
          <Route path="/catalog" element={<CatalogPage />} />
          <Route path="/deploy" element={<DeployPage />} />
          <Route path="/deployments/:id" element={<DeploymentPage />} />
          <Route path="/deployments/:id/rollback" element={<RollbackPage />} />
          <Route path="/tokens" element={<TokensPage />} />
          {isAdmin(me) && <Route path="/audit" element={<AuditPage />} />}
          {isAdmin(me) && <Route path="/users" element={<UsersPage />} />}
          {isAdmin(me) && <Route path="/registries" element={<RegistriesPage />} />}
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Shell>
    </AuthContext.Provider>
  );
}

function NotFound() {
  const { t } = useI18n();
  return <h1>{t("notFound.title")}</h1>;
}

function Shell({ children }: { children: React.ReactNode }) {
  const { t } = useI18n();
  return (
    <AuthContext.Consumer>
      {auth => (
        <>
          <a className="skip" href="#main">{t("app.skip")}</a>
          <header className="top">
            <span className="brand" aria-hidden="true"><span className="logo" />{t("app.name")}</span>
            <nav aria-label={t("nav.main")}>
              <NavLink to="/" end>{t("nav.overview")}</NavLink>
              <NavLink to="/catalog">{t("nav.catalog")}</NavLink>
              <NavLink to="/deploy">{t("nav.deploy")}</NavLink>
              <NavLink to="/tokens">{t("nav.tokens")}</NavLink>
              {auth && isAdmin(auth.me) && <NavLink to="/users">{t("nav.users")}</NavLink>}
              {auth && isAdmin(auth.me) && <NavLink to="/registries">{t("nav.registries")}</NavLink>}
              {auth && isAdmin(auth.me) && <NavLink to="/audit">{t("nav.audit")}</NavLink>}
            </nav>
            <div className="tools">
              <LanguageSwitch />
              <ThemeSwitch />
              {auth && <span className="muted user" data-testid="user">{auth.me.username} ({auth.me.role})</span>}
              {auth && <button type="button" onClick={() => void auth.logout()}>{t("nav.logout")}</button>}
            </div>
          </header>
          <main id="main" tabIndex={-1}>{children}</main>
        </>
      )}
    </AuthContext.Consumer>
  );
}

export function LanguageSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <label className="inline">
      <span className="sr-only">{t("nav.language")}</span>
      <select value={lang} onChange={e => setLang(e.target.value as Lang)} aria-label={t("nav.language")} data-testid="language">
        {LANGS.map(l => <option key={l} value={l}>{l === "en" ? "English" : "Deutsch"}</option>)}
      </select>
    </label>
  );
}

function ThemeSwitch() {
  const { t } = useI18n();
  const [theme, setTheme] = useState<Theme>(storedTheme);
  return (
    <label className="inline">
      <span className="sr-only">{t("nav.theme")}</span>
      <select value={theme} aria-label={t("nav.theme")} onChange={e => { const v = e.target.value as Theme; setTheme(v); applyTheme(v); }}>
        <option value="system">{t("theme.system")}</option>
        <option value="light">{t("theme.light")}</option>
        <option value="dark">{t("theme.dark")}</option>
      </select>
    </label>
  );
}
