import { useEffect, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, enc, newSessionId, qs } from "../api";
import { useI18n } from "../i18n";
import { DeployForm } from "../components/DeployForm";
import { ErrorNote } from "../components/Dialog";
import { useLoad } from "../useLoad";
import type { Environment, OperationAccepted, Paged, Stack, StackVersion, VersionDetail } from "../types";

export function DeployPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const stackId = params.get("stackId") ?? "";
  const [version, setVersion] = useState(params.get("version") ?? "");

  const base = useLoad(async () => {
    const [stacks, envs] = await Promise.all([
      api.get<Paged<Stack>>("/api/catalog/stacks?limit=1000"),
      api.get<Paged<Environment>>("/api/environments?limit=200"),
    ]);
    return { stacks: stacks.items, envs: envs.items };
  }, []);
  const versions = useLoad(() => stackId ? api.get<Paged<StackVersion>>(`/api/catalog/stacks/${enc(stackId)}/versions?limit=200`) : Promise.resolve(null), [stackId]);
  useEffect(() => {
    const items = versions.data?.items.filter(v => v.version && !v.broken) ?? [];
    if (items.length && !items.some(v => v.version === version)) setVersion((items.find(v => !v.prerelease) ?? items[0]).version!);
  }, [versions.data, version]);
  const detail = useLoad(() => stackId && version ? api.get<VersionDetail>(`/api/catalog/stacks/${enc(stackId)}/versions/${enc(version)}`) : Promise.resolve(null), [stackId, version]);

  const stack = base.data?.stacks.find(s => s.id === stackId);
  return (
    <>
      <h1>{t("deploy.title")}</h1>
      <ErrorNote error={base.error} />
      <div className="grid2 card">
        <div className="field">
          <label htmlFor="deploy-stack">{t("deploy.stack")}</label>
          <select id="deploy-stack" value={stackId} onChange={e => { setParams(e.target.value ? { stackId: e.target.value } : {}); setVersion(""); }}>
            <option value="">{t("deploy.chooseStack")}</option>
            {base.data?.stacks.map(s => <option key={s.id} value={s.id}>{s.name} ({s.id})</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="deploy-version">{t("deploy.version")}</label>
          <select id="deploy-version" value={version} onChange={e => { setVersion(e.target.value); setParams({ stackId, version: e.target.value }); }} disabled={!stackId}>
            {versions.data?.items.filter(v => v.version).map(v => <option key={v.version!} value={v.version!} disabled={v.broken}>{v.version}{v.prerelease ? " (pre)" : ""}</option>)}
          </select>
        </div>
      </div>
      <ErrorNote error={versions.error ?? detail.error} />
      {detail.data && base.data && detail.data.version.version === version && (
        <DeployForm
          key={stackId + "@" + version}
          defs={detail.data.variables}
          environments={base.data.envs}
          initialName={stack ? stack.name.toLowerCase().replace(/[^a-z0-9_-]+/g, "-") : ""}
          submit={b => api.post<OperationAccepted>(`/api/environments/${enc(b.environmentId)}/deployments`,
            { name: b.name, stackId, version, variables: b.variables, sessionId: newSessionId() })}
          onStarted={r => navigate(`/deployments/${enc(r.deploymentId!)}${qs({ op: r.operationId })}`)}
        />
      )}
    </>
  );
}
