using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Tidegate.Server;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate serve</c>: runs the server in this process.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Listen URL(s), separated by ';'.",
            DefaultValueFactory = _ => "http://127.0.0.1:8080",
        };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (store, keys). Default: ./data or TIDEGATE_DataDirectory." };
        var catalogDir = new Option<string?>("--catalog-dir") { Description = "A directory catalog registered as source 'demo' (e.g. demo/catalog). Default: none or TIDEGATE_DemoCatalog." };
        var webRoot = new Option<string?>("--web-root") { Description = "Directory of the built web UI (ui/: npm run build). Default: wwwroot beside the server or TIDEGATE_WebRoot." };
        var command = new Command("serve", "Run the Tidegate server (REST API, hub, web UI).") { urls, dataDir, catalogDir, webRoot };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var args = new List<string> { "--urls", parseResult.GetValue(urls)! };
            if (parseResult.GetValue(dataDir) is { } dir)
            {
                args.Add("--DataDirectory");
                args.Add(dir);
            }
            if (parseResult.GetValue(catalogDir) is { } catalog)
            {
                args.Add("--DemoCatalog");
                args.Add(catalog);
            }
            if (parseResult.GetValue(webRoot) is { } web)
            {
                args.Add("--WebRoot");
                args.Add(web);
            }
            var app = ServerHost.Build([.. args]);
            await app.StartAsync(cancellationToken);
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
