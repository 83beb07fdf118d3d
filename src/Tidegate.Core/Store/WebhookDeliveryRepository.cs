namespace Tidegate.Core.Store;

/// <summary>An operation a deploy webhook started for an Idempotency-Key (per caller).</summary>
internal sealed record WebhookDelivery(string Caller, string Key, string OperationId, string DeploymentId, string Version, DateTimeOffset CreatedAt);

/// <summary>Deploy-webhook deliveries by (caller, Idempotency-Key), so a delivery repeated after a server restart still
/// answers with the operation the first one started instead of starting another.</summary>
internal sealed class WebhookDeliveryRepository(StoreDatabase db, TimeProvider time)
{
    /// <summary>The delivery recorded for (caller, key) at or after <paramref name="notBefore"/>; older ones count as gone.</summary>
    public async Task<WebhookDelivery?> GetAsync(string caller, string key, DateTimeOffset notBefore, CancellationToken ct)
    {
        await using var uow = await db.OpenAsync(ct);
        return await uow.QuerySingleAsync("""
            SELECT caller, idempotency_key, operation_id, deployment_id, version, created_at FROM webhook_deliveries
            WHERE caller = @c AND idempotency_key = @k AND created_at >= @since
            """,
            r => new WebhookDelivery(r.Str("caller"), r.Str("idempotency_key"), r.Str("operation_id"), r.Str("deployment_id"), r.Str("version"), r.Time("created_at")),
            ct, ("@c", caller), ("@k", key), ("@since", notBefore));
    }

    /// <summary>Records a delivery (the first one wins) and forgets those older than <paramref name="forgetBefore"/>.</summary>
    public async Task AddAsync(string caller, string key, string operationId, string deploymentId, string version, DateTimeOffset forgetBefore, CancellationToken ct)
    {
        await using var uow = await db.BeginAsync(ct);
        await uow.ExecuteAsync("DELETE FROM webhook_deliveries WHERE created_at < @before", ct, ("@before", forgetBefore));
        await uow.ExecuteAsync("""
            INSERT INTO webhook_deliveries (caller, idempotency_key, operation_id, deployment_id, version, created_at)
            VALUES (@c, @k, @op, @d, @v, @at)
            ON CONFLICT (caller, idempotency_key) DO NOTHING
            """, ct, ("@c", caller), ("@k", key), ("@op", operationId), ("@d", deploymentId), ("@v", version), ("@at", time.GetUtcNow()));
        await uow.CommitAsync(ct);
    }
}
