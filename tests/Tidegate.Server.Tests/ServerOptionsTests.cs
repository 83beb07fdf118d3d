using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tidegate.Server.Tests;

public sealed class ServerOptionsTests
{
    [Fact]
    public async Task Start_WhenDataDirectoryCannotBeCreated_FailsNamingTheSetting()
    {
        var file = Path.GetTempFileName();
        try
        {
            await using var app = ServerHost.Build(["--urls", "http://127.0.0.1:0", "--DataDirectory", Path.Combine(file, "sub")]);

            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

            Assert.Contains("DataDirectory", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

public sealed class StartupTests
{
    [Fact]
    public async Task Start_WhenDemoCatalogDoesNotExist_FailsNamingTheSetting()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        await using var app = ServerHost.Build(["--urls", "http://127.0.0.1:0", "--DataDirectory", dir, "--DemoCatalog", Path.Combine(dir, "nope")]);

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("DemoCatalog", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithBootstrapAdmin_CreatesItOnlyWhenNoUserExists()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        string[] Args(string user) => ["--urls", "http://127.0.0.1:0", "--DataDirectory", dir, "--BootstrapAdminUser", user, "--BootstrapAdminPassword", "bootstrap-password-1"];

        await using (var first = ServerHost.Build(Args("first")))
        {
            await first.StartAsync();
            await first.StopAsync();
        }
        await using var second = ServerHost.Build(Args("second"));
        await second.StartAsync();
        var store = second.Services.GetRequiredService<Tidegate.Core.Store.TidegateStore>();
        var users = await store.Users.ListAsync(new Tidegate.Core.Store.Page(10, 0), default);
        await second.StopAsync();

        var admin = Assert.Single(users.Items);
        Assert.Equal("first", admin.Username);
        Assert.Equal(Tidegate.Core.Store.UserRole.Admin, admin.Role);
    }

    [Fact]
    public async Task Start_WithATooShortBootstrapPassword_FailsBeforeServing()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        await using var app = ServerHost.Build(["--urls", "http://127.0.0.1:0", "--DataDirectory", dir, "--BootstrapAdminUser", "a", "--BootstrapAdminPassword", "short"]);

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoredCatalogSources_AreRegisteredAgainAfterARestart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tidegate-tests", Guid.NewGuid().ToString("N"));
        string[] args = ["--urls", "http://127.0.0.1:0", "--DataDirectory", dir];
        await using (var first = ServerHost.Build(args))
        {
            await first.StartAsync();
            var store = first.Services.GetRequiredService<Tidegate.Core.Store.TidegateStore>();
            await store.CatalogSources.CreateAsync(new Tidegate.Core.Store.NewCatalogSource(
                "extra", Tidegate.Core.Store.CatalogSourceKind.LocalDirectory, CatalogApiTests.DemoCatalog), default);
            await store.CatalogSources.CreateAsync(new Tidegate.Core.Store.NewCatalogSource(
                "tagged", Tidegate.Core.Store.CatalogSourceKind.Git, "https://git.example.invalid/stacks.git", "refs/tags/v1.2.0"), default);
            await first.StopAsync();
        }

        await using var second = ServerHost.Build(args);
        await second.StartAsync();
        var catalog = second.Services.GetRequiredService<Tidegate.Core.Catalog.StackCatalog>();
        var extra = catalog.FindSource("extra");
        var tagged = catalog.FindSource("tagged");
        await second.StopAsync();

        Assert.NotNull(extra);
        Assert.Equal(Tidegate.Core.Catalog.CatalogSourceKind.Directory, extra.Definition.Kind);
        Assert.Equal("v1.2.0", tagged!.Definition.Tag);
        Assert.Null(tagged.Definition.Branch);
    }
}
