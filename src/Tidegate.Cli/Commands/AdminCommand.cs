using System.CommandLine;
using Tidegate.Cli.Client;
using Tidegate.Core.Secrets;
using Tidegate.Core.Store;
using Tidegate.Server.Users;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate admin create --username U</c>: creates an admin offline, straight in the data
/// directory's store. The password comes from TIDEGATE_ADMIN_PASSWORD or stdin, never from an argument.</summary>
internal static class AdminCommand
{
    public static Command Create(CliIO io)
    {
        var username = new Option<string>("--username", "-u") { Description = "The admin's username.", Required = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory of the server. Default: TIDEGATE_DataDirectory or ./data." };
        var create = new Command("create", "Create an admin user (offline; run where the server's data directory is).") { username, dataDir };
        create.SetAction(io, async (parse, ct) =>
        {
            var password = io.GetEnvironmentVariable("TIDEGATE_ADMIN_PASSWORD");
            if (string.IsNullOrEmpty(password))
            {
                password = io.ReadSecret("Password: ");
                if (io.Interactive && io.ReadSecret("Repeat password: ") != password)
                {
                    throw new CliException(ExitCodes.Usage, "The passwords do not match.");
                }
            }
            if (string.IsNullOrEmpty(password))
            {
                throw new CliException(ExitCodes.Usage, "No password: pipe it on stdin or set TIDEGATE_ADMIN_PASSWORD.");
            }
            var dir = Path.GetFullPath(parse.GetValue(dataDir) ?? io.GetEnvironmentVariable("TIDEGATE_DataDirectory") ?? "data");
            var store = await TidegateStore.OpenAsync(new StoreOptions(dir), SecretProtector.Load(dir), TimeProvider.System, ct);
            var (user, error) = await AdminAccounts.CreateAsync(store, parse.GetValue(username)!, password, ct);
            if (user is null)
            {
                throw new CliException(error!.Contains("already exists", StringComparison.Ordinal) ? ExitCodes.Conflict : ExitCodes.Usage, error);
            }
            io.Out.WriteLine($"Created admin '{user.Username}' in {dir}.");
            return ExitCodes.Ok;
        });
        return new Command("admin", "Offline administration of the data directory.") { create };
    }
}
