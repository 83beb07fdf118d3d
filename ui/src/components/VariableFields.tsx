import { useState } from "react";
import { useI18n } from "../i18n";
import type { VariableDef } from "../types";
import { title } from "../variables";

/** Form fields generated from a stack version's typed variables, grouped and ordered as the stack says. */
export function VariableFields({ defs, values, errors, onChange, idPrefix = "var" }: {
  defs: VariableDef[]; values: Record<string, string>; errors: Record<string, string>;
  onChange: (name: string, value: string) => void; idPrefix?: string;
}) {
  const groups = new Map<string, VariableDef[]>();
  for (const d of [...defs].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))) {
    const g = d.group ?? "";
    groups.set(g, [...(groups.get(g) ?? []), d]);
  }
  return (
    <>
      {[...groups.entries()].map(([group, items]) => (
        <fieldset key={group || "_"} className="group">
          {group && <legend>{group}</legend>}
          {items.map(d => (
            <VariableField key={d.name} def={d} value={values[d.name] ?? ""} error={errors[d.name]} onChange={v => onChange(d.name, v)} id={`${idPrefix}-${d.name}`} />
          ))}
        </fieldset>
      ))}
    </>
  );
}

function VariableField({ def, value, error, onChange, id }: { def: VariableDef; value: string; error?: string; onChange: (v: string) => void; id: string }) {
  const { t } = useI18n();
  const [reveal, setReveal] = useState(false);
  const type = def.type.toLowerCase();
  const describedBy = [def.description ? id + "-desc" : "", error ? id + "-err" : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id, name: def.name, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy,
    "aria-required": def.required || undefined, "data-variable": def.name,
  } as const;
  let input;
  if (type === "boolean") {
    input = (
      <input {...common} type="checkbox" checked={value.toLowerCase() === "true"} onChange={e => onChange(e.target.checked ? "true" : "false")} />
    );
  } else if (type === "select") {
    input = (
      <select {...common} value={value} onChange={e => onChange(e.target.value)}>
        {!def.required && <option value="">—</option>}
        {def.options.map(o => <option key={o.value} value={o.value}>{o.label ?? o.value}</option>)}
      </select>
    );
  } else if (type === "multiline") {
    input = <textarea {...common} rows={4} value={value} onChange={e => onChange(e.target.value)} />;
  } else if (def.secret || type === "secret" || type === "connectionstring") {
    input = (
      <span className="secret">
        <input {...common} type={reveal ? "text" : "password"} autoComplete="new-password" value={value} onChange={e => onChange(e.target.value)} />
        <button type="button" className="link" onClick={() => setReveal(r => !r)} aria-pressed={reveal} aria-controls={id}>
          {reveal ? t("field.conceal") : t("field.reveal")}
        </button>
      </span>
    );
  } else {
    const htmlType = type === "number" || type === "port" ? "text" : type === "url" ? "url" : type === "email" ? "email" : "text";
    input = (
      <input
        {...common} type={htmlType} inputMode={type === "number" || type === "port" ? "numeric" : undefined}
        value={value} onChange={e => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={`field ${type === "boolean" ? "field-check" : ""} ${error ? "field-error" : ""}`}>
      <label htmlFor={id}>
        {title(def)}{def.required && <span className="req" aria-hidden="true"> *</span>}
        <code className="varname">{def.name}</code>
      </label>
      {input}
      {def.description && <small id={id + "-desc"} className="muted">{def.description}</small>}
      {error && <small id={id + "-err"} className="error" role="alert">{error}</small>}
    </div>
  );
}
