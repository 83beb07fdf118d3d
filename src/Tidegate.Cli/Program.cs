using Tidegate.Cli;

return await CliApp.RunAsync(args);
