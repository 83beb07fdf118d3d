using Tidegate.Server;

await ServerHost.Build(args).RunAsync();
