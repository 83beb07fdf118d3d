namespace Tidegate.Core.Tests.Definitions;

public sealed class ServiceFieldTests
{
    private const string Others = "  db:\n    image: postgres\n  cache:\n    image: redis\n  init:\n    image: busybox\n";

    [Theory]
    [InlineData("depends_on: [db]", "db=ServiceStarted,False,True")]
    [InlineData("depends_on:\n  - db\n  - cache", "cache=ServiceStarted,False,True;db=ServiceStarted,False,True")]
    [InlineData("depends_on:\n  db:\n    condition: service_healthy", "db=ServiceHealthy,False,True")]
    [InlineData("depends_on:\n  init:\n    condition: service_completed_successfully", "init=ServiceCompletedSuccessfully,False,True")]
    [InlineData("depends_on:\n  db:\n    condition: service_started\n    restart: true", "db=ServiceStarted,True,True")]
    [InlineData("depends_on:\n  db:\n    condition: service_healthy\n    required: false", "db=ServiceHealthy,False,False")]
    [InlineData("depends_on:\n  db: {}", "db=ServiceStarted,False,True")]
    [InlineData("depends_on:\n  db:\n    condition: service_healthy\n  cache:\n    condition: service_started", "cache=ServiceStarted,False,True;db=ServiceHealthy,False,True")]
    public void DependsOn_ShortAndLongSyntax(string yaml, string expected)
    {
        var (s, d) = LoadWithOthers(yaml);

        Assert.Empty(d.Errors());
        Assert.Equal(expected, string.Join(";", s!.DependsOn.Select(x => $"{x.Key}={x.Value.Condition},{x.Value.Restart},{x.Value.Required}")));
    }

    [Theory]
    [InlineData("depends_on: [missing]", "services.web.depends_on.missing", "expected the name of a service, got 'missing'")]
    [InlineData("depends_on:\n  db:\n    condition: service_ready", "services.web.depends_on.db.condition", "expected one of service_started, service_healthy, service_completed_successfully, got 'service_ready'")]
    [InlineData("depends_on:\n  db:\n    restart: sometimes", "services.web.depends_on.db.restart", "expected a boolean")]
    [InlineData("depends_on: db", "services.web.depends_on", "expected a list of service names or a mapping")]
    [InlineData("depends_on: [web]", "services.web.depends_on.web", "dependency cycle: web -> web")]
    public void DependsOn_Malformed_ReportsPathAndExpectation(string yaml, string path, string message)
    {
        var (_, d) = LoadWithOthers(yaml);

        var error = Assert.Single(d.Errors());
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DependsOn_Cycle_IsReportedWithTheChain()
    {
        const string yaml = "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    depends_on: [a]\n";

        var template = Tidegate.Core.Definitions.StackLoader.LoadText(yaml);

        var error = Assert.Single(template.Diagnostics.Errors());
        Assert.Contains("dependency cycle: a -> b -> c -> a", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, error.Line);
    }

    [Theory]
    [InlineData("healthcheck:\n  test: curl -f http://localhost", "CMD-SHELL|curl -f http://localhost", false)]
    [InlineData("healthcheck:\n  test: [\"CMD\", \"curl\", \"-f\", \"http://x\"]", "CMD|curl|-f|http://x", false)]
    [InlineData("healthcheck:\n  test: [\"CMD-SHELL\", \"exit 0\"]", "CMD-SHELL|exit 0", false)]
    [InlineData("healthcheck:\n  test: [\"NONE\"]", "NONE", true)]
    [InlineData("healthcheck:\n  disable: true", "", true)]
    [InlineData("healthcheck:\n  test: exit 0\n  interval: 1m30s\n  timeout: 10s\n  retries: 3\n  start_period: 40s\n  start_interval: 5s", "CMD-SHELL|exit 0", false)]
    public void HealthCheck_TestForms(string yaml, string test, bool disabled)
    {
        var (s, d) = ServiceFixture.Load(yaml);

        Assert.Empty(d.Errors());
        Assert.Equal(test, string.Join("|", s!.HealthCheck!.Test ?? []));
        Assert.Equal(disabled, s.HealthCheck.Disable);
    }

    [Fact]
    public void HealthCheck_Timings_AreTimeSpans()
    {
        var (s, _) = ServiceFixture.Load("healthcheck:\n  test: exit 0\n  interval: 1m30s\n  timeout: 10s\n  retries: 3\n  start_period: 40s\n  start_interval: 500ms");

        var h = s!.HealthCheck!;
        Assert.Equal((TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(10), 3, TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(500)),
            (h.Interval, h.Timeout, h.Retries, h.StartPeriod, h.StartInterval));
    }

    [Theory]
    [InlineData("healthcheck:\n  test: [\"RUN\", \"x\"]", "services.web.healthcheck.test[0]", "expected the test to start with CMD, CMD-SHELL or NONE, got 'RUN'")]
    [InlineData("healthcheck:\n  test: [\"CMD-SHELL\", \"a\", \"b\"]", "services.web.healthcheck.test", "expected exactly one command string after CMD-SHELL")]
    [InlineData("healthcheck:\n  retries: many", "services.web.healthcheck.retries", "expected an integer >= 0, got 'many'")]
    [InlineData("healthcheck:\n  interval: 10", "services.web.healthcheck.interval", "expected a duration")]
    [InlineData("healthcheck: yes", "services.web.healthcheck", "expected a mapping")]
    [InlineData("healthcheck:\n  test: exit 0\n  disable: true", "services.web.healthcheck", "expected either 'disable: true' or a 'test'")]
    public void HealthCheck_Malformed(string yaml, string path, string message)
    {
        var (_, d) = ServiceFixture.Load(yaml);

        var error = Assert.Single(d.Errors());
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("environment:\n  A: 1\n  B: two", "A=1;B=two")]
    [InlineData("environment:\n  - A=1\n  - B=two", "A=1;B=two")]
    [InlineData("environment:\n  - A=x=y", "A=x=y")]
    [InlineData("environment:\n  - A=", "A=")]
    [InlineData("environment:\n  - A", "A=<null>")]
    [InlineData("environment:\n  A:", "A=<null>")]
    [InlineData("environment:\n  A: \"\"", "A=")]
    [InlineData("environment:\n  A: true\n  B: 1.50", "A=true;B=1.50")]
    [InlineData("environment:\n  - \"A=with spaces\"", "A=with spaces")]
    [InlineData("environment:\n  Z: 1\n  A: 2", "A=2;Z=1")]
    [InlineData("environment: []", "")]
    public void Environment_ListAndMapForms(string yaml, string expected)
    {
        var (s, d) = ServiceFixture.Load(yaml);

        Assert.Empty(d.Errors());
        Assert.Equal(expected, string.Join(";", s!.Environment.Select(e => $"{e.Key}={e.Value ?? "<null>"}")));
    }

    [Theory]
    [InlineData("environment: FOO=1", "services.web.environment", "expected a mapping or a list of KEY=VALUE strings")]
    [InlineData("environment:\n  - =1", "services.web.environment[0]", "expected KEY=VALUE, got '=1'")]
    [InlineData("environment:\n  A: [1, 2]", "services.web.environment.A", "expected a string, number or boolean")]
    public void Environment_Malformed(string yaml, string path, string message)
    {
        var (_, d) = ServiceFixture.Load(yaml);

        var error = Assert.Single(d.Errors());
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("labels:\n  com.example.a: x\n  rsgo.maintenance: ignore", "com.example.a=x;rsgo.maintenance=ignore")]
    [InlineData("labels:\n  - com.example.a=x\n  - tidegate.maintenance=ignore", "com.example.a=x;tidegate.maintenance=ignore")]
    [InlineData("labels:\n  - flag", "flag=")]
    [InlineData("labels:\n  enabled: true", "enabled=true")]
    [InlineData("labels:\n  - \"a=b=c\"", "a=b=c")]
    [InlineData("labels: {}", "")]
    public void Labels_ListAndMapForms(string yaml, string expected)
    {
        var (s, d) = ServiceFixture.Load(yaml);

        Assert.Empty(d.Errors());
        Assert.Equal(expected, string.Join(";", s!.Labels.Select(e => $"{e.Key}={e.Value}")));
    }

    [Theory]
    [InlineData("command: echo hello", "echo|hello")]
    [InlineData("command: [\"echo\", \"hello world\"]", "echo|hello world")]
    [InlineData("command: sh -c 'echo a b'", "sh|-c|echo a b")]
    [InlineData("command: 'echo \"a b\" c'", "echo|a b|c")]
    [InlineData("entrypoint: /docker-entrypoint.sh", "/docker-entrypoint.sh")]
    [InlineData("entrypoint: [\"/bin/sh\", \"-c\"]", "/bin/sh|-c")]
    [InlineData("command: []", "")]
    public void CommandAndEntrypoint_StringAndListForms(string yaml, string expected)
    {
        var (s, d) = ServiceFixture.Load(yaml);

        Assert.Empty(d.Errors());
        Assert.Equal(expected, string.Join("|", s!.Command ?? s.Entrypoint ?? []));
    }

    [Theory]
    [InlineData("extra_hosts:\n  - \"somehost:162.242.195.82\"", "somehost=162.242.195.82")]
    [InlineData("extra_hosts:\n  - \"somehost=162.242.195.82\"", "somehost=162.242.195.82")]
    [InlineData("extra_hosts:\n  - \"myhostv6=::1\"", "myhostv6=::1")]
    [InlineData("extra_hosts:\n  - \"myhostv6:[::1]\"", "myhostv6=::1")]
    [InlineData("extra_hosts:\n  somehost: 162.242.195.82\n  other: [\"10.0.0.1\", \"10.0.0.2\"]", "somehost=162.242.195.82;other=10.0.0.1;other=10.0.0.2")]
    public void ExtraHosts_ListAndMapForms(string yaml, string expected)
    {
        var (s, d) = ServiceFixture.Load(yaml);

        Assert.Empty(d.Errors());
        Assert.Equal(expected, string.Join(";", s!.ExtraHosts.Select(e => $"{e.Host}={e.Address}")));
    }

    [Theory]
    [InlineData("restart: always")]
    [InlineData("restart: \"no\"")]
    [InlineData("restart: unless-stopped")]
    [InlineData("restart: on-failure")]
    [InlineData("restart: on-failure:5")]
    [InlineData("privileged: true\ninit: true\nread_only: false")]
    [InlineData("cap_add: [NET_ADMIN]\ncap_drop: [ALL]")]
    [InlineData("deploy:\n  resources:\n    limits:\n      cpus: '0.50'\n      memory: 50M\n      pids: 1")]
    [InlineData("ulimits:\n  nproc: 65535\n  nofile:\n    soft: 20000\n    hard: 40000")]
    [InlineData("logging:\n  driver: syslog\n  options:\n    syslog-address: \"tcp://192.168.0.42:123\"")]
    [InlineData("pull_policy: missing")]
    [InlineData("stop_signal: SIGUSR1\nstop_grace_period: 1m30s")]
    [InlineData("networks:\n  front:\n    aliases: [a, b]\n    ipv4_address: 172.16.238.10")]
    public void ValidFields_ProduceNoErrors(string yaml)
    {
        var (_, d) = ServiceFixture.Load(yaml, "networks:\n  front: {}\n");

        Assert.Empty(d.Errors());
    }

    [Theory]
    [InlineData("restart: sometimes", "services.web.restart", "expected no, always, on-failure[:max-retries] or unless-stopped, got 'sometimes'")]
    [InlineData("privileged: perhaps", "services.web.privileged", "expected a boolean (true or false), got 'perhaps'")]
    [InlineData("cpus: lots", "services.web.cpus", "expected a number 0-4096, got 'lots'")]
    [InlineData("networks: [nowhere]", "services.web.networks.nowhere", "network 'nowhere' is used but not defined")]
    [InlineData("secrets: [nope]", "services.web.secrets[0]", "secret 'nope' is used but not defined")]
    [InlineData("configs: [nope]", "services.web.configs[0]", "config 'nope' is used but not defined")]
    [InlineData("networks:\n  front:\n    ipv4_address: 999.1.1.1", "services.web.networks.front.ipv4_address", "expected an IPv4 address")]
    [InlineData("pull_policy: sometimes", "services.web.pull_policy", "expected one of always, never")]
    [InlineData("deploy:\n  replicas: -1", "services.web.deploy.replicas", "expected a number of replicas 0-1000")]
    [InlineData("ulimits:\n  nofile:\n    soft: 1", "services.web.ulimits.nofile", "expected both 'soft' and 'hard'")]
    public void InvalidFields_ReportPathAndExpectation(string yaml, string path, string message)
    {
        var (_, d) = ServiceFixture.Load(yaml, "networks:\n  front: {}\n");

        var error = Assert.Single(d.Errors());
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("links: [db]", "services.web.links", "'links' is not supported by Tidegate")]
    [InlineData("frobnicate: yes", "services.web.frobnicate", "unknown field 'frobnicate'")]
    [InlineData("cpu_shares: 73", "services.web.cpu_shares", "'cpu_shares' is not supported by Tidegate")]
    public void UnknownOrUnsupportedFields_AreWarningsNamingFieldAndPath(string yaml, string path, string message)
    {
        var (s, d) = ServiceFixture.Load(yaml);

        Assert.NotNull(s);
        Assert.Empty(d.Errors());
        var warning = Assert.Single(d, x => x.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal((path, 4, 5), (warning.Path, warning.Line, warning.Column));
    }

    [Fact]
    public void MissingImage_WithoutBuild_IsAnError_AndBuildIsAWarning()
    {
        var template = Tidegate.Core.Definitions.StackLoader.LoadText("services:\n  a:\n    restart: always\n  b:\n    build: ./b\n");

        Assert.Contains(template.Diagnostics.Errors(), e => e.Path == "services.a" && e.Message.Contains("expected 'image'", StringComparison.Ordinal));
        Assert.Contains(template.Diagnostics, e => e.Path == "services.b.build" && e.Message.Contains("does not build", StringComparison.Ordinal));
    }

    [Fact]
    public void DuplicateContainerName_IsAnError()
    {
        var template = Tidegate.Core.Definitions.StackLoader.LoadText("services:\n  a:\n    image: x\n    container_name: same\n  b:\n    image: x\n    container_name: same\n");

        var error = Assert.Single(template.Diagnostics.Errors());
        Assert.Equal(("services.b.container_name", 7, 21), (error.Path, error.Line, error.Column));
    }

    private static (Tidegate.Core.Definitions.Compose.ServiceDefinition? Service, IReadOnlyList<Tidegate.Core.Definitions.Diagnostic> Diagnostics) LoadWithOthers(string yaml)
    {
        var indented = string.Join("\n", yaml.Split('\n').Select(l => "    " + l));
        var text = "services:\n  web:\n    image: nginx\n" + indented + "\n" + Others;
        var template = Tidegate.Core.Definitions.StackLoader.LoadText(text);
        return (template.Preview?.Service("web"), template.Diagnostics);
    }
}

public sealed class ProfilesAndBuildTests
{
    [Theory]
    [InlineData("", "always")]
    [InlineData("debug", "always,debugger")]
    [InlineData("debug,ops", "always,debugger,tools")]
    [InlineData("*", "always,debugger,tools")]
    public void WithProfiles_KeepsServicesWithoutProfilesAndActiveOnes(string active, string expected)
    {
        var project = Tidegate.Core.Definitions.StackLoader.LoadText("services:\n  always:\n    image: a\n  debugger:\n    image: b\n    profiles: [debug]\n  tools:\n    image: c\n    profiles: [ops, debug2]\n").Preview!;

        var filtered = project.WithProfiles(active.Split(',', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(expected, string.Join(",", filtered.Services.Select(s => s.Name)));
    }

    [Fact]
    public void Build_UnknownOptions_AreWarnings()
    {
        var (s, d) = ServiceFixture.Load("build:\n  context: .\n  cache_from: [x]");

        Assert.Equal(".", s!.Build!.Context);
        Assert.Contains(d, x => x.Severity == Tidegate.Core.Definitions.DiagnosticSeverity.Warning && x.Message.Contains("'cache_from'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("8000-8010", true)]
    [InlineData("8080", true)]
    [InlineData("abc-def", false)]
    [InlineData("0", false)]
    public void LongPort_PublishedIsValidated(string published, bool valid)
    {
        var (_, d) = ServiceFixture.Load($"ports:\n  - target: 80\n    published: \"{published}\"");

        Assert.Equal(valid, !d.Errors().Any());
    }
}
