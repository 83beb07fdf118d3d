using Microsoft.Extensions.Options;
using Tidegate.Server.Health;

namespace Tidegate.Server;

/// <summary>Builds the Tidegate web host; used by <c>tidegate serve</c>, by Program and by tests.</summary>
public static class ServerHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables("TIDEGATE_");
        builder.Services.AddOptions<ServerOptions>().Bind(builder.Configuration).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapHealthEndpoints();
        return app;
    }
}
