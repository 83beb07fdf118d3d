using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Diagnostics;
using Tidegate.Core.Catalog;
using Tidegate.Core.Store;

namespace Tidegate.Server.Http;

/// <summary>The one place where exception types become status codes and ProblemDetails.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (type, detail, extensions) = Map(exception);
        if (type.Status >= 500 && exception is not EngineNotWiredException)
        {
            Hosting.Log.Unhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path.Value ?? "");
        }
        httpContext.Response.StatusCode = type.Status;
        var details = new Microsoft.AspNetCore.Mvc.ProblemDetails { Type = type.Uri, Title = type.Title, Status = type.Status, Detail = detail };
        foreach (var (key, value) in extensions)
        {
            details.Extensions[key] = value;
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }

    private static (ProblemType Type, string Detail, Dictionary<string, object?> Extensions) Map(Exception exception) => exception switch
    {
        IllegalModeTransitionException e => (ProblemTypes.IllegalModeTransition, e.Message,
            new() { ["currentMode"] = e.From.ToString(), ["requestedMode"] = e.To.ToString(), ["allowedModes"] = e.Allowed.Select(m => m.ToString()).ToArray() }),
        NotFoundException e => (ProblemTypes.NotFound, e.Message, []),
        UnknownCatalogSourceException e => (ProblemTypes.NotFound, e.Message, []),
        ConflictException e => (ProblemTypes.Conflict, e.Message, []),
        CatalogConfigurationException e => (ProblemTypes.Validation, e.Message, new() { ["errors"] = new Dictionary<string, string[]> { ["source"] = [.. e.Errors] } }),
        RequestValidationException e => (ProblemTypes.Validation, e.Message, new() { ["errors"] = e.Errors }),
        EngineNotWiredException e => (ProblemTypes.EngineNotWired, e.Message, []),
        AntiforgeryValidationException => (ProblemTypes.Antiforgery, "Send the token from GET /api/auth/antiforgery in the X-CSRF-TOKEN header.", []),
        BadHttpRequestException e => (ProblemTypes.BadRequest, e.Message, []),
        _ => (ProblemTypes.Internal, "The server could not complete the request; see the server log.", []),
    };
}
