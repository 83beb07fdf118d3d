using System.CommandLine;
using Tidegate.Cli.Client;

namespace Tidegate.Cli.Commands;

/// <summary><c>tidegate users list|create|set-role|reset-password|delete</c> (admin).</summary>
internal static class UsersCommand
{
    public static Command Create(CliIO io)
    {
        var paging = new PagingOptions();
        var list = new Command("list", "List users.");
        paging.AddTo(list);
        list.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            CliCommand.Print(io, parse, await api.GetAsync("api/users" + CliCommand.Query(paging.Query(parse)), ct), "id", "username", "role", "lastLoginAt");
            return ExitCodes.Ok;
        });

        var username = new Argument<string>("username");
        var role = new Option<string>("--role") { Description = "admin, operator or viewer.", Required = true };
        var create = new Command("create", "Create a user (password from stdin or a prompt).") { username, role };
        create.SetAction(io, async (parse, ct) =>
        {
            var password = io.ReadSecret("Password: ");
            using var api = ApiClient.ForCurrentContext(io);
            var user = await api.SendAsync(HttpMethod.Post, "api/users", new { username = parse.GetValue(username), password, role = parse.GetValue(role) }, ct);
            CliCommand.Print(io, parse, user, "id", "username", "role");
            return ExitCodes.Ok;
        });

        var userId = new Argument<string>("user-id");
        var newRole = new Argument<string>("role") { Description = "admin, operator or viewer." };
        var setRole = new Command("set-role", "Change a user's role.") { userId, newRole };
        setRole.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            var user = await api.SendAsync(HttpMethod.Put, $"api/users/{Uri.EscapeDataString(parse.GetValue(userId)!)}/role", new { role = parse.GetValue(newRole) }, ct);
            CliCommand.Print(io, parse, user, "id", "username", "role");
            return ExitCodes.Ok;
        });

        var resetId = new Argument<string>("user-id");
        var reset = new Command("reset-password", "Set a new password for a user (from stdin or a prompt).") { resetId };
        reset.SetAction(io, async (parse, ct) =>
        {
            var password = io.ReadSecret("New password: ");
            using var api = ApiClient.ForCurrentContext(io);
            await api.SendAsync(HttpMethod.Put, $"api/users/{Uri.EscapeDataString(parse.GetValue(resetId)!)}/password", new { password }, ct);
            io.Out.WriteLine("Password changed.");
            return ExitCodes.Ok;
        });

        var deleteId = new Argument<string>("user-id");
        var delete = new Command("delete", "Delete a user and their tokens.") { deleteId };
        delete.SetAction(io, async (parse, ct) =>
        {
            using var api = ApiClient.ForCurrentContext(io);
            await api.SendAsync(HttpMethod.Delete, $"api/users/{Uri.EscapeDataString(parse.GetValue(deleteId)!)}", null, ct);
            io.Out.WriteLine("Deleted.");
            return ExitCodes.Ok;
        });
        return new Command("users", "Manage users (admin).") { list, create, setRole, reset, delete };
    }
}
