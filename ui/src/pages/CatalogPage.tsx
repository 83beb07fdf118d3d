import { useState } from "react";
import { Link } from "react-router";
import { api, enc, errorText, qs } from "../api";
import { canOperate, useAuth } from "../auth";
import { useI18n } from "../i18n";
import { ErrorNote } from "../components/Dialog";
import { useLoad } from "../useLoad";
import type { Paged, Product, Stack, StackVersion, VersionDetail } from "../types";

export function CatalogPage() {
  const { t } = useI18n();
  const { me } = useAuth();
  const [stackId, setStackId] = useState<string | null>(null);
  const [version, setVersion] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const data = useLoad(async () => {
    const [products, stacks] = await Promise.all([
      api.get<Paged<Product>>("/api/catalog/products?limit=500"),
      api.get<Paged<Stack>>("/api/catalog/stacks?limit=1000"),
    ]);
    return { products: products.items, stacks: stacks.items };
  }, []);
  const versions = useLoad(() => stackId ? api.get<Paged<StackVersion>>(`/api/catalog/stacks/${enc(stackId)}/versions?limit=200`) : Promise.resolve(null), [stackId]);
  const detail = useLoad(() => stackId && version ? api.get<VersionDetail>(`/api/catalog/stacks/${enc(stackId)}/versions/${enc(version)}`) : Promise.resolve(null), [stackId, version]);

  const sync = async () => {
    setNote(null);
    try { await api.post("/api/catalog/sync"); await data.reload(); setNote("✓"); } catch (e) { setNote(errorText(e)); }
  };

  return (
    <>
      <div className="row spread">
        <h1>{t("catalog.title")}</h1>
        {canOperate(me) && <span>{note && <span className="muted">{note} </span>}<button type="button" onClick={sync}>{t("catalog.sync")}</button></span>}
      </div>
      <ErrorNote error={data.error} />
      {data.data && data.data.products.length === 0 && <p className="muted">{t("catalog.empty")}</p>}
      <div className="split">
        <section aria-labelledby="products-title" className="pane">
          <h2 id="products-title">{t("catalog.products")}</h2>
          {data.data?.products.map(p => (
            <div key={p.key} className="card">
              <h3>{p.name} <small className="muted">{p.key}</small></h3>
              {p.description && <p className="small">{p.description}</p>}
              <ul className="plain">
                {data.data!.stacks.filter(s => s.productKey === p.key).map(s => (
                  <li key={s.id}>
                    <button type="button" className={`link ${stackId === s.id ? "active" : ""}`} aria-pressed={stackId === s.id}
                      onClick={() => { setStackId(s.id); setVersion(s.latestVersion); }}>
                      {s.name}
                    </button>{" "}
                    <span className="muted small">{s.latestVersion ?? "—"} · {s.versionCount} {t("catalog.versions")}</span>
                    {s.hasBrokenEntries && <span className="badge badge-bad">{t("catalog.broken")}</span>}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </section>
        {stackId && (
          <section aria-labelledby="versions-title" className="pane">
            <h2 id="versions-title">{t("catalog.versions")} <code className="small">{stackId}</code></h2>
            <ErrorNote error={versions.error} />
            <ul className="plain versions">
              {versions.data?.items.map(v => (
                <li key={v.version ?? v.file}>
                  <button type="button" className={`link ${version === v.version ? "active" : ""}`} aria-pressed={version === v.version}
                    disabled={!v.version} onClick={() => setVersion(v.version)}>{v.version ?? v.file}</button>
                  {v.prerelease && <span className="badge badge-info">{t("catalog.prerelease")}</span>}
                  {v.broken && <span className="badge badge-bad" title={v.diagnostics.join("\n")}>{t("catalog.broken")}</span>}
                  {v.releaseNotesUrl && <> · <a href={v.releaseNotesUrl} target="_blank" rel="noreferrer noopener">{t("catalog.releaseNotes")}</a></>}
                </li>
              ))}
            </ul>
            <ErrorNote error={detail.error} />
            {detail.data && (
              <div className="card">
                <div className="row spread">
                  <h3>{detail.data.version.version}</h3>
                  {canOperate(me) && !detail.data.version.broken && (
                    <Link className="button primary" to={`/deploy${qs({ stackId, version: detail.data.version.version })}`}>{t("catalog.deployThis")}</Link>
                  )}
                </div>
                {detail.data.version.releaseNotesUrl && (
                  <p><a href={detail.data.version.releaseNotesUrl} target="_blank" rel="noreferrer noopener">{t("catalog.releaseNotes")}</a></p>
                )}
                <h4>{t("catalog.variables")}</h4>
                <div className="table-wrap">
                  <table>
                    <thead><tr><th scope="col">{t("col.name")}</th><th scope="col">{t("col.type")}</th><th scope="col">{t("catalog.default")}</th><th scope="col"></th></tr></thead>
                    <tbody>
                      {detail.data.variables.map(v => (
                        <tr key={v.name}>
                          <th scope="row"><code>{v.name}</code><div className="small muted">{v.label}{v.description ? " — " + v.description : ""}</div></th>
                          <td>{v.type}</td>
                          <td>{v.default ?? "—"}</td>
                          <td>{v.required && <span className="badge badge-warn">{t("catalog.required")}</span>} {v.secret && <span className="badge badge-muted">{t("catalog.secret")}</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
            )}
          </section>
        )}
      </div>
    </>
  );
}
