import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, errorText } from "../api";
import { useI18n } from "../i18n";
import type { Environment, OperationAccepted, VariableDef } from "../types";
import { defaultsOf, parseDotEnv, problemToFieldErrors, validateVariables } from "../variables";
import { VariableFields } from "./VariableFields";

export interface DeployBody { environmentId: string; name: string; variables: Record<string, string> }

/** The deploy form generated from a version's typed variables: per-field messages (client checks first,
 * then the server's ValidationProblem spread over the fields), secrets masked, values importable from .env. */
export function DeployForm({ defs, environments, submit, onStarted, initialName = "" }: {
  defs: VariableDef[]; environments: Environment[]; initialName?: string;
  submit: (body: DeployBody) => Promise<OperationAccepted>; onStarted: (r: OperationAccepted) => void;
}) {
  const { t } = useI18n();
  const [environmentId, setEnvironmentId] = useState(() => environments.find(e => e.isDefault)?.id ?? environments[0]?.id ?? "");
  const [name, setName] = useState(initialName);
  const [values, setValues] = useState<Record<string, string>>(() => defaultsOf(defs));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => { setValues(v => ({ ...defaultsOf(defs), ...Object.fromEntries(Object.entries(v).filter(([k, x]) => x && defs.some(d => d.name === k))) })); }, [defs]);
  useEffect(() => { if (!environmentId && environments.length) setEnvironmentId(environments.find(e => e.isDefault)?.id ?? environments[0].id); }, [environments, environmentId]);

  const focusFirstError = () => setTimeout(() => formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus(), 0);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setNote(null);
    const found = validateVariables(defs, values, t);
    if (!name.trim()) found["name"] = t("field.required", { field: t("deploy.name") });
    setErrors(found);
    setFormErrors([]);
    if (Object.keys(found).length) { setFormErrors([t("deploy.invalid")]); focusFirstError(); return; }
    setBusy(true);
    try {
      const variables: Record<string, string> = {};
      for (const d of defs) if ((values[d.name] ?? "") !== "") variables[d.name] = values[d.name];
      onStarted(await submit({ environmentId, name: name.trim(), variables }));
    } catch (err) {
      if (err instanceof ApiError && err.problem.errors) {
        const spread = problemToFieldErrors(err.problem, defs, ["name"]);
        setErrors(spread.fields);
        setFormErrors(spread.form.length ? spread.form : [err.message]);
        focusFirstError();
      } else {
        setFormErrors([errorText(err)]);
      }
    } finally {
      setBusy(false);
    }
  };

  const importEnv = async (file: File) => {
    const parsed = parseDotEnv(await file.text());
    const known = Object.keys(parsed).filter(k => defs.some(d => d.name === k));
    const unknown = Object.keys(parsed).filter(k => !known.includes(k));
    setValues(v => ({ ...v, ...Object.fromEntries(known.map(k => [k, parsed[k]])) }));
    setNote(t("deploy.envImported", { count: known.length, file: file.name }) + (unknown.length ? " " + t("deploy.envUnknown", { names: unknown.join(", ") }) : ""));
  };

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate className="card form" aria-label={t("deploy.title")} data-testid="deploy-form">
      <div className="grid2">
        <div className="field">
          <label htmlFor="deploy-env">{t("deploy.environment")}</label>
          <select id="deploy-env" value={environmentId} onChange={e => setEnvironmentId(e.target.value)}>
            {environments.map(e => <option key={e.id} value={e.id}>{e.name}</option>)}
          </select>
        </div>
        <div className={`field ${errors.name ? "field-error" : ""}`}>
          <label htmlFor="deploy-name">{t("deploy.name")}<span className="req" aria-hidden="true"> *</span></label>
          <input id="deploy-name" value={name} onChange={e => setName(e.target.value)} aria-required="true"
            aria-invalid={errors.name ? true : undefined} aria-describedby={errors.name ? "deploy-name-hint deploy-name-err" : "deploy-name-hint"} />
          <small id="deploy-name-hint" className="muted">{t("deploy.nameHint")}</small>
          {errors.name && <small id="deploy-name-err" className="error" role="alert">{errors.name}</small>}
        </div>
      </div>
      <div className="field">
        <label htmlFor="deploy-envfile">{t("deploy.envImport")}</label>
        <input id="deploy-envfile" type="file" accept=".env,text/plain" onChange={e => { const f = e.target.files?.[0]; if (f) void importEnv(f); e.target.value = ""; }} />
        {note && <small className="muted" role="status">{note}</small>}
      </div>
      <VariableFields defs={defs} values={values} errors={errors} onChange={(n, v) => { setValues(x => ({ ...x, [n]: v })); setErrors(x => { const c = { ...x }; delete c[n]; return c; }); }} />
      {formErrors.length > 0 && <div className="error" role="alert">{formErrors.map((m, i) => <p key={i}>{m}</p>)}</div>}
      <button type="submit" className="primary" disabled={busy || !environmentId}>{t("deploy.submit")}</button>
    </form>
  );
}
