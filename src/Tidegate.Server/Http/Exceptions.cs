namespace Tidegate.Server.Http;

/// <summary>Thrown by a seam the deployment engine has not filled yet; becomes 501 engine-not-wired.</summary>
internal sealed class EngineNotWiredException(string capability)
    : Exception($"{capability} needs the deployment engine, which is not wired into this server yet.")
{
    public string Capability { get; } = capability;
}

/// <summary>A request that is valid in shape but conflicts with the current state; becomes 409.</summary>
internal sealed class ConflictException(string message) : Exception(message);

/// <summary>An id in the request that names nothing; becomes 404.</summary>
internal sealed class NotFoundException(string what, string id) : Exception($"{what} '{id}' does not exist.");

/// <summary>Field errors found below the endpoint (e.g. by the engine); becomes 400 validation with errors.</summary>
internal sealed class RequestValidationException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("One or more fields are not valid.")
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
