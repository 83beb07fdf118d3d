namespace Tidegate.Core.Tests.Store;

/// <summary>Representative rows per schema version, written with the SQL of that version. The
/// upgrade test inserts them right after each migration and checks they survive every later one.
/// A new migration must add its entry here (a test fails until it does).</summary>
internal static class MigrationSamples
{
    public static IReadOnlyDictionary<int, string> ByVersion { get; } = new Dictionary<int, string>
    {
        [1] = """
            INSERT INTO environments (id, name, docker_endpoint, tls_ca_ref, tls_cert_ref, tls_key_ref, is_default, created_at, updated_at)
            VALUES ('env1', 'local', 'unix:///var/run/docker.sock', NULL, NULL, NULL, 1, '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z'),
                   ('env2', 'remote', 'tcp://10.0.0.5:2376', '/etc/tidegate/ca.pem', '/etc/tidegate/cert.pem', 'secret:remote-key', 0, '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z');
            INSERT INTO environment_variables (environment_id, name, value, is_secret, updated_at)
            VALUES ('env1', 'DOMAIN', 'example.test', 0, '2026-01-01T00:00:00.0000000Z');
            INSERT INTO registry_credentials (host, username, password, created_at, updated_at)
            VALUES ('registry.local:5000', 'ci', 'tg1:AAAA', '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z');
            INSERT INTO catalog_sources (id, kind, location, git_ref, sub_path, sync_interval_ms, credentials, last_sync_at, last_sync_error, last_success_at, created_at, updated_at)
            VALUES ('demo', 'LocalDirectory', '/srv/catalog', NULL, NULL, 60000, NULL, NULL, NULL, NULL, '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z');
            """,
        [2] = """
            INSERT INTO deployments (id, environment_id, name, stack_id, product_id, version, operation_mode, current_revision, last_successful_revision, created_at, updated_at)
            VALUES ('dep1', 'env1', 'web', 'demo:web:web', 'web', '1.0.0', 'Normal', 1, 1, '2026-01-02T00:00:00.0000000Z', '2026-01-02T00:00:00.0000000Z');
            INSERT INTO deployment_variables (deployment_id, name, value, is_secret, updated_at)
            VALUES ('dep1', 'PORT', '8080', 0, '2026-01-02T00:00:00.0000000Z');
            INSERT INTO revisions (deployment_id, number, stack_id, version, definition, variables, image_digests, created_by, created_at, reason, outcome, outcome_at)
            VALUES ('dep1', 1, 'demo:web:web', '1.0.0', 'services: {}', '[]', '{}', 'admin', '2026-01-02T00:00:00.0000000Z', 'deploy', 'Succeeded', '2026-01-02T00:01:00.0000000Z');
            INSERT INTO mode_history (id, deployment_id, from_mode, to_mode, reason, changed_by, at)
            VALUES ('mh1', 'dep1', 'Normal', 'Maintenance', 'patching', 'admin', '2026-01-02T00:02:00.0000000Z');
            INSERT INTO snapshots (id, deployment_id, operation_id, revision, version, description, container_state, hook_outcome, state, created_at, deleted_at)
            VALUES ('snap1', 'dep1', NULL, 1, '1.0.0', 'Before upgrade to v2.0.0', '{"containers":[]}', NULL, 'Kept', '2026-01-02T00:03:00.0000000Z', NULL);
            INSERT INTO deployment_metadata (id, deployment_id, operation_id, at, revision, version, images, pull_result, deploy_result, health_result)
            VALUES ('meta1', 'dep1', NULL, '2026-01-02T00:04:00.0000000Z', 1, '1.0.0', '{"web:1.0.0":"sha256:abc"}', 'ok', 'ok', 'healthy');
            """,
        [3] = """
            INSERT INTO operations (id, deployment_id, deployment_name, kind, status, phase, percent, requested_by, session_id, created_at, started_at, finished_at, error)
            VALUES ('op1', 'dep1', 'web', 'Deploy', 'Succeeded', 'done', 100, 'admin', 's1', '2026-01-03T00:00:00.0000000Z', '2026-01-03T00:00:01.0000000Z', '2026-01-03T00:01:00.0000000Z', NULL);
            INSERT INTO operation_steps (operation_id, seq, name, status, detail, started_at, finished_at)
            VALUES ('op1', 1, 'pull', 'Succeeded', '{"images":1}', '2026-01-03T00:00:02.0000000Z', '2026-01-03T00:00:10.0000000Z');
            INSERT INTO progress_events (operation_id, deployment_id, session_id, kind, phase, message, percent, current_service, services_total, services_completed, status, at, data)
            VALUES ('op1', 'dep1', 's1', 'Progress', 'pull', 'Pulling web', 10, 'web', 1, 0, 'Running', '2026-01-03T00:00:03.0000000Z', NULL);
            INSERT INTO deployment_locks (deployment_id, operation_id, holder, acquired_at, expires_at)
            VALUES ('dep1', 'op1', 'host-a', '2026-01-03T00:00:00.0000000Z', '2026-01-03T00:05:00.0000000Z');
            """,
        [4] = """
            INSERT INTO users (id, username, password_hash, role, failed_login_count, locked_until, last_login_at, created_at, updated_at)
            VALUES ('u1', 'admin', 'AQAAAAIAAYagAAAAE...', 'Admin', 0, NULL, NULL, '2026-01-04T00:00:00.0000000Z', '2026-01-04T00:00:00.0000000Z');
            INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, scope_environment_id, scope_deployment_id, created_at, expires_at, revoked_at, last_used_at)
            VALUES ('t1', 'u1', 'ci', 'abcdef0123', 'tg_abcdefg', NULL, 'dep1', '2026-01-04T00:00:00.0000000Z', NULL, NULL, NULL);
            INSERT INTO audit_log (at, actor, action, target, result, reason, source_ip, details)
            VALUES ('2026-01-04T00:00:00.0000000Z', 'admin', 'deployment.deploy', 'dep1', 'Succeeded', NULL, '127.0.0.1', '{}');
            """,
        [5] = """
            INSERT INTO revisions (deployment_id, number, stack_id, version, definition, variables, image_digests, created_by, created_at, reason, outcome, outcome_at)
            VALUES ('dep1', 2, 'demo:web:web', '2.0.0', 'services: {}', '[]', '{}', 'admin', '2026-01-05T00:00:00.0000000Z', 'upgrade', 'Pending', NULL);
            """,
        [6] = """
            INSERT INTO deployment_observers (deployment_id, settings, updated_by, updated_at)
            VALUES ('dep1', 'tg1:AAAA', 'admin', '2026-01-06T00:00:00.0000000Z');
            """,
        [7] = """
            INSERT INTO webhook_deliveries (caller, idempotency_key, operation_id, deployment_id, version, created_at)
            VALUES ('token:t1', 'ci-run-42', 'op1', 'dep1', '1.0.0', '2026-01-07T00:00:00.0000000Z');
            """,
        [8] = """
            INSERT INTO users (id, username, password_hash, role, failed_login_count, locked_until, last_login_at, created_at, updated_at, security_stamp)
            VALUES ('u8', 'stamped', 'AQAAAAIAAYagAAAAE...', 'Viewer', 0, NULL, NULL, '2026-01-08T00:00:00.0000000Z', '2026-01-08T00:00:00.0000000Z', '0123456789abcdef0123456789abcdef');
            """,
    };
}
