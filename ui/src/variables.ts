import type { Problem } from "./api";
import type { T } from "./i18n";
import type { VariableDef } from "./types";

export const title = (d: VariableDef) => d.label || d.name;

/** Client-side checks mirroring the server's typed variables; the server stays the judge. */
export function validateVariables(defs: VariableDef[], values: Record<string, string>, t: T, opts?: { keepSecrets?: Set<string> }): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const d of defs) {
    const v = (values[d.name] ?? "").trim();
    const field = title(d);
    if (!v) {
      if (d.required && !(d.secret && opts?.keepSecrets?.has(d.name))) errors[d.name] = t("field.required", { field });
      continue;
    }
    switch (d.type.toLowerCase()) {
      case "number":
        if (!/^-?\d+(\.\d+)?$/.test(v)) errors[d.name] = t("field.number", { field });
        break;
      case "port": {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 65535) errors[d.name] = t("field.port", { field });
        break;
      }
      case "url":
        try { new URL(v); } catch { errors[d.name] = t("field.url", { field }); }
        break;
      case "email":
        if (!/^[^@\s]+@[^@\s]+$/.test(v)) errors[d.name] = t("field.email", { field });
        break;
    }
  }
  return errors;
}

/** Spreads a ValidationProblem over the form: keys naming a variable (or variables.NAME) go to that field;
 * messages under "variables" go to the field they mention; the rest stays a form-level message. */
export function problemToFieldErrors(problem: Problem, defs: VariableDef[], otherFields: string[] = []): { fields: Record<string, string>; form: string[] } {
  const fields: Record<string, string> = {};
  const form: string[] = [];
  const byName = new Map(defs.map(d => [d.name.toLowerCase(), d.name]));
  for (const [key, messages] of Object.entries(problem.errors ?? {})) {
    const k = key.replace(/^variables[.:[]/i, "").replace(/]$/, "");
    const named = byName.get(k.toLowerCase()) ?? otherFields.find(f => f.toLowerCase() === k.toLowerCase());
    for (const m of messages) {
      if (named) { fields[named] = fields[named] ? fields[named] + " " + m : m; continue; }
      const mentioned = defs.find(d => m.includes(d.name) || (d.label && m.startsWith(d.label)));
      if (mentioned) fields[mentioned.name] = fields[mentioned.name] ? fields[mentioned.name] + " " + m : m;
      else form.push(m);
    }
  }
  return { fields, form };
}

/** KEY=VALUE lines; # comments, `export `, single or double quotes (with \n in double quotes). */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (value.startsWith('"') && value.lastIndexOf('"') > 0) value = value.slice(1, value.lastIndexOf('"')).replace(/\\n/g, "\n").replace(/\\"/g, '"');
    else if (value.startsWith("'") && value.lastIndexOf("'") > 0) value = value.slice(1, value.lastIndexOf("'"));
    else value = value.replace(/\s+#.*$/, "").trim();
    out[m[1]] = value;
  }
  return out;
}

export function defaultsOf(defs: VariableDef[]): Record<string, string> {
  const v: Record<string, string> = {};
  for (const d of defs) v[d.name] = d.secret ? "" : d.default ?? "";
  return v;
}
