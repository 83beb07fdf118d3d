using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Tidegate.Server.Hosting;

/// <summary>Serves the web UI (the Vite build of ui/, see docs/ui.md) from <see cref="ServerOptions.WebRoot"/>:
/// hashed assets with a long cache lifetime, and index.html for every GET that no endpoint answers outside
/// /api and /hubs, so client-side routes survive a reload. /api and /hubs keep their ProblemDetails 404s.
/// Without a built UI (no index.html) the server is API-only.</summary>
internal sealed class WebUi
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'";

    private readonly string _index;

    private WebUi(string root)
    {
        Root = root;
        _index = Path.Combine(root, "index.html");
    }

    public string Root { get; }

    /// <summary>The UI to serve, or null when the configured (or default) web root holds no index.html.</summary>
    public static WebUi? Resolve(IConfiguration configuration)
    {
        // Read from configuration, not IOptions: options validation belongs to start, not to building the pipeline.
        var configured = configuration[nameof(ServerOptions.WebRoot)];
        var root = Path.GetFullPath(configured is { Length: > 0 } ? configured : Path.Combine(AppContext.BaseDirectory, "wwwroot"));
        return File.Exists(Path.Combine(root, "index.html")) ? new WebUi(root) : null;
    }

    /// <summary>Static files; before routing, anonymous (the login page must load).</summary>
    public void UseAssets(WebApplication app)
    {
        var files = new PhysicalFileProvider(Root);
        app.Lifetime.ApplicationStopped.Register(files.Dispose);
        app.UseStaticFiles(Options(files));
    }

    private static StaticFileOptions Options(PhysicalFileProvider files) => new()
    {
        FileProvider = files,
        OnPrepareResponse = context =>
        {
            var headers = context.Context.Response.Headers;
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers[HeaderNames.CacheControl] = context.Context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal)
                ? "public, max-age=31536000, immutable"
                : "no-cache";
            if (context.File.Name.EndsWith(".html", StringComparison.Ordinal))
            {
                headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
            }
        },
    };

    /// <summary>After routing: a GET that matched no endpoint and is a client-side route gets index.html.</summary>
    public void UseFallback(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var path = context.Request.Path;
        if (context.GetEndpoint() is null && HttpMethods.IsGet(context.Request.Method)
            && !path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase)
            && !Path.HasExtension(path.Value))
        {
            var headers = context.Response.Headers;
            headers[HeaderNames.CacheControl] = "no-cache";
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.SendFileAsync(_index, context.RequestAborted);
            return;
        }
        await next(context);
    });
}
