using System.Collections.Concurrent;

namespace Tidegate.Core.Engine;

/// <summary>The answer to a cancel request.</summary>
internal abstract record CancelRequestResult
{
    private CancelRequestResult()
    {
    }

    /// <summary>The operation's token was cancelled; it ends as Cancelled once its current step notices.</summary>
    internal sealed record Requested(string OperationId, string Phase) : CancelRequestResult;

    /// <summary>A cancel was already requested (idempotent: the caller gets 202 again).</summary>
    internal sealed record AlreadyRequested(string OperationId, string RequestedBy) : CancelRequestResult;

    /// <summary>The operation started touching what runs; stopping now could leave neither version running.</summary>
    internal sealed record PastPointOfNoReturn(string OperationId, string Reason) : CancelRequestResult;

    /// <summary>Nothing cancellable with this id runs in this process (not started here, a kind that cannot be cancelled, or ended).</summary>
    internal sealed record NotCancellable(string OperationId) : CancelRequestResult;
}

/// <summary>Operations that may still be cancelled safely, by id. An executor registers its operation while it
/// runs; the registration starts in the cancellable window (e.g. pulling images, nothing of the running version
/// touched) and the executor closes that window with <see cref="OperationCancellationHandle.TryPassPointOfNoReturn"/>
/// before it stops, renames or replaces a container. A cancel request and passing the point of no return are
/// decided under one lock, so exactly one of them wins.</summary>
internal sealed class OperationCancellation
{
    private readonly ConcurrentDictionary<string, OperationCancellationHandle> _handles = new(StringComparer.Ordinal);

    /// <summary>Registers a running operation as cancellable; dispose the handle when the operation ends.
    /// <see cref="OperationCancellationHandle.Token"/> is cancelled by a cancel request or by <paramref name="stopping"/>.</summary>
    public OperationCancellationHandle Register(string operationId, string phase, CancellationToken stopping = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        var handle = new OperationCancellationHandle(this, operationId, phase, stopping);
        if (!_handles.TryAdd(operationId, handle))
        {
            handle.Dispose();
            throw new InvalidOperationException($"Operation {operationId} is already registered for cancellation.");
        }
        return handle;
    }

    public CancelRequestResult RequestCancel(string operationId, string requestedBy)
        => _handles.TryGetValue(operationId, out var handle) ? handle.Request(requestedBy) : new CancelRequestResult.NotCancellable(operationId);

    /// <summary>Whether an operation is registered and still before its point of no return.</summary>
    public bool IsCancellable(string operationId) => _handles.TryGetValue(operationId, out var handle) && handle.IsCancellable;

    internal void Remove(OperationCancellationHandle handle) => ((ICollection<KeyValuePair<string, OperationCancellationHandle>>)_handles)
        .Remove(new KeyValuePair<string, OperationCancellationHandle>(handle.OperationId, handle));
}

/// <summary>One running operation's cancellation state. Thread-safe.</summary>
internal sealed class OperationCancellationHandle : IDisposable
{
    private readonly Lock _gate = new();
    private readonly OperationCancellation _owner;
    private readonly CancellationTokenSource _source;
    private string _phase;
    private string? _pointOfNoReturn;
    private string? _requestedBy;
    private bool _disposed;

    internal OperationCancellationHandle(OperationCancellation owner, string operationId, string phase, CancellationToken stopping)
    {
        _owner = owner;
        OperationId = operationId;
        _phase = phase;
        _source = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    public string OperationId { get; }

    /// <summary>Cancelled when a user cancels (or the engine stops). Pass it to the cancellable work (pulls).</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Who asked to cancel; null when nobody did.</summary>
    public string? RequestedBy
    {
        get
        {
            lock (_gate)
            {
                return _requestedBy;
            }
        }
    }

    public bool IsCancellationRequested => RequestedBy is not null;

    public bool IsCancellable
    {
        get
        {
            lock (_gate)
            {
                return _pointOfNoReturn is null && !_disposed;
            }
        }
    }

    /// <summary>Names what the operation is doing, for the answer to a cancel request.</summary>
    public void SetPhase(string phase)
    {
        lock (_gate)
        {
            _phase = phase;
        }
    }

    /// <summary>Closes the cancellable window before the first change to what runs. False when a cancel was requested
    /// first: the caller must then stop without touching anything and end the operation as Cancelled.</summary>
    public bool TryPassPointOfNoReturn(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        lock (_gate)
        {
            if (_requestedBy is not null)
            {
                return false;
            }
            _pointOfNoReturn ??= reason;
            return true;
        }
    }

    internal CancelRequestResult Request(string requestedBy)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return new CancelRequestResult.NotCancellable(OperationId);
            }
            if (_requestedBy is not null)
            {
                return new CancelRequestResult.AlreadyRequested(OperationId, _requestedBy);
            }
            if (_pointOfNoReturn is not null)
            {
                return new CancelRequestResult.PastPointOfNoReturn(OperationId, _pointOfNoReturn);
            }
            _requestedBy = requestedBy;
        }
        // Outside the lock: callbacks registered on the token run synchronously here.
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the operation ended in between: nothing left to stop
        }
        return new CancelRequestResult.Requested(OperationId, _phase);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        _owner.Remove(this);
        _source.Dispose();
    }
}
