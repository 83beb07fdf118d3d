using Tidegate.Core.Definitions;

namespace Tidegate.Core.Tests.Definitions;

public sealed class MergeIncludeExtendsTests
{
    [Fact]
    public void Resolve_OverrideWithAnInterpolatedPortForTheSameBinding_ReportsTheDuplicateHostPort()
    {
        using var dir = new TempDirectory();
        var baseFile = dir.Write("compose.yaml", "services:\n  web:\n    image: x\n    ports: [\"8080:80\"]\n");
        var overrideFile = dir.Write("compose.override.yaml", "services:\n  web:\n    ports: [\"${HOST_PORT:-8080}:80\"]\n");

        var resolved = StackResolver.Resolve(StackLoader.LoadFiles([baseFile, overrideFile]));

        var error = Assert.Single(resolved.Diagnostics.Errors());
        Assert.Equal("services.web.ports", error.Path);
        Assert.Contains("host port 8080/tcp is published twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[\"8080:80\", \"8080:81\"]", "", "host port 8080/tcp")]
    [InlineData("[\"127.0.0.1:8080:80\"]", "  db:\n    image: y\n    ports: [\"127.0.0.1:8080:5432\"]\n", "host port 127.0.0.1:8080/tcp is published twice (also by service 'db')")]
    [InlineData("[\"[::1]:53:53/udp\", \"::1:53:54/udp\"]", "", "host port [::1]:53/udp")]
    public void Validate_DuplicateHostPorts_AreErrors(string ports, string more, string message)
    {
        var template = StackLoader.LoadText($"services:\n  web:\n    image: x\n    ports: {ports}\n{more}");

        Assert.Contains(template.Diagnostics.Errors(), e => e.Path.EndsWith(".ports", StringComparison.Ordinal) && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[\"8080:80\", \"8080:80/udp\"]")]
    [InlineData("[\"127.0.0.1:8080:80\", \"127.0.0.2:8080:80\"]")]
    [InlineData("[\"80\", \"80\"]")]
    public void Validate_DistinctHostBindings_AreFine(string ports)
    {
        var template = StackLoader.LoadText($"services:\n  web:\n    image: x\n    ports: {ports}\n");

        Assert.Empty(template.Diagnostics.Errors());
    }

    [Theory]
    [InlineData("[\"a:10.0.0.1\", \"b:10.0.0.2\"]", "[\"b:10.0.0.9\", \"c:10.0.0.3\"]", "a=10.0.0.1;b=10.0.0.9;c=10.0.0.3")]
    [InlineData("[\"somehost:162.242.195.82\"]", "[\"v6:[::1]\"]", "somehost=162.242.195.82;v6=::1")]
    [InlineData("[\"a=10.0.0.1\"]", "[\"a:10.0.0.2\"]", "a=10.0.0.2")]
    [InlineData("{a: 10.0.0.1}", "[\"b:10.0.0.2\"]", "a=10.0.0.1;b=10.0.0.2")]
    public void Merge_ExtraHostsInHostColonIpForm_KeepsEveryEntry(string baseHosts, string overrideHosts, string expected)
    {
        using var dir = new TempDirectory();
        var baseFile = dir.Write("compose.yaml", $"services:\n  web:\n    image: x\n    extra_hosts: {baseHosts}\n");
        var overrideFile = dir.Write("compose.override.yaml", $"services:\n  web:\n    extra_hosts: {overrideHosts}\n");

        var template = StackLoader.LoadFiles([baseFile, overrideFile]);

        Assert.Empty(template.Diagnostics.Errors());
        Assert.Equal(expected, string.Join(";", template.Preview!.Service("web")!.ExtraHosts.Select(h => $"{h.Host}={h.Address}").Order(StringComparer.Ordinal)));
    }

    [Theory]
    [InlineData("environment: [A=1]", "environment:", "services.web.environment", true)]
    [InlineData("environment: [A=1]", "environment: oops", "services.web.environment", true)]
    [InlineData("labels: [a=1]", "labels: \"oops\"", "services.web.labels", true)]
    [InlineData("extra_hosts: [\"h=1.2.3.4\"]", "extra_hosts: h", "services.web.extra_hosts", true)]
    [InlineData("environment: oops", "environment: [A=1]", "services.web.environment", false)]
    [InlineData("depends_on: [db]", "depends_on: db", "services.web.depends_on", true)]
    public void Merge_ListAgainstAScalar_ReportsAnErrorAtTheFieldInsteadOfThrowing(string baseField, string overrideField, string path, bool inOverride)
    {
        using var dir = new TempDirectory();
        var baseFile = dir.Write("compose.yaml", $"services:\n  web:\n    image: x\n    {baseField}\n  db:\n    image: y\n");
        var overrideFile = dir.Write("compose.override.yaml", $"services:\n  web:\n    {overrideField}\n");

        var template = StackLoader.LoadFiles([baseFile, overrideFile]);

        var errors = template.Diagnostics.Errors().ToList();
        var error = Assert.Single(errors, e => e.Path == path);
        Assert.Equal((inOverride ? overrideFile : baseFile, inOverride ? 3 : 4), (error.File, error.Line));
        Assert.StartsWith("expected a ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(errors, e => e.Message.Contains("could not be processed", StringComparison.Ordinal));
    }

    [Fact]
    public void Merge_OverrideFile_FollowsTheSpecificationRules()
    {
        using var dir = new TempDirectory();
        var baseFile = dir.Write("compose.yaml", """
            services:
              web:
                image: app:1
                command: ["serve", "--a"]
                environment:
                  A: base
                  B: base
                labels:
                  - one=1
                ports:
                  - "8080:80"
                  - "9000:9000"
                volumes:
                  - data:/data
                dns: [1.1.1.1]
                healthcheck:
                  test: ["CMD", "a"]
                  interval: 10s
            volumes:
              data: {}
              other: {}
            """);
        var overrideFile = dir.Write("compose.override.yaml", """
            services:
              web:
                image: app:2
                command: ["serve", "--b"]
                environment:
                  - B=override
                  - C=new
                labels:
                  two: "2"
                ports:
                  - "8081:80"
                  - "9000:9000"
                volumes:
                  - other:/data
                dns: [8.8.8.8]
                healthcheck:
                  test: ["CMD", "b"]
            """);

        var template = StackLoader.LoadFiles([baseFile, overrideFile]);

        Assert.Empty(template.Diagnostics.Errors());
        var web = template.Preview!.Service("web")!;
        Assert.Equal("app:2", web.Image);
        Assert.Equal(["serve", "--b"], web.Command);
        Assert.Equal("A=base;B=override;C=new", string.Join(";", web.Environment.Select(e => $"{e.Key}={e.Value}")));
        Assert.Equal("one=1;two=2", string.Join(";", web.Labels.Select(e => $"{e.Key}={e.Value}")));
        Assert.Equal(["8080:80", "9000:9000", "8081:80"], web.Ports.Select(p => $"{p.Published}:{p.Target}"));
        Assert.Equal("other", Assert.Single(web.Volumes).Source);
        Assert.Equal(["1.1.1.1", "8.8.8.8"], web.Dns);
        Assert.Equal(["CMD", "b"], web.HealthCheck!.Test);
        Assert.Equal(TimeSpan.FromSeconds(10), web.HealthCheck.Interval);
    }

    [Fact]
    public void Merge_ResetAndOverrideTags()
    {
        using var dir = new TempDirectory();
        var a = dir.Write("a.yaml", "services:\n  web:\n    image: x\n    ports: [\"8080:80\"]\n    environment:\n      FOO: bar\n      KEEP: k\n    labels:\n      a: \"1\"\n");
        var b = dir.Write("b.yaml", "services:\n  web:\n    ports: !reset []\n    environment:\n      FOO: !reset null\n    labels: !override\n      b: \"2\"\n");

        var web = StackLoader.LoadFiles([a, b]).Preview!.Service("web")!;

        Assert.Empty(web.Ports);
        Assert.Equal(["KEEP"], web.Environment.Keys);
        Assert.Equal(["b"], web.Labels.Keys);
    }

    [Fact]
    public void Merge_DependsOnListAndMap_AreCombined()
    {
        using var dir = new TempDirectory();
        var a = dir.Write("a.yaml", "services:\n  web:\n    image: x\n    depends_on: [db]\n  db:\n    image: x\n  cache:\n    image: x\n");
        var b = dir.Write("b.yaml", "services:\n  web:\n    depends_on:\n      cache:\n        condition: service_healthy\n");

        var web = StackLoader.LoadFiles([a, b]).Preview!.Service("web")!;

        Assert.Equal(["cache", "db"], web.DependsOn.Keys);
    }

    [Fact]
    public void Include_CopiesResources_AndRebasesRelativePaths()
    {
        using var dir = new TempDirectory();
        dir.Write("common/db.yaml", """
            services:
              db:
                image: postgres
                volumes:
                  - ./initdb:/docker-entrypoint-initdb.d
                env_file: db.env
            volumes:
              dbdata: {}
            """);
        var main = dir.Write("app/compose.yaml", """
            include:
              - ../common/db.yaml
            services:
              web:
                image: nginx
                depends_on: [db]
            """);

        // ../common stays inside the source (the temp directory): a catalog source root allows it.
        var template = StackLoader.LoadFile(main, dir.Path);

        Assert.Empty(template.Diagnostics.Errors());
        var db = template.Preview!.Service("db")!;
        Assert.Equal("../common/initdb", db.Volumes[0].Source);
        Assert.Equal("../common/db.env", db.EnvFiles[0].Path);
        Assert.Contains(template.Preview.Volumes, v => v.Key == "dbdata");
    }

    [Fact]
    public void Include_LongSyntaxWithPathList_MergesThoseFilesFirst()
    {
        using var dir = new TempDirectory();
        dir.Write("inc/a.yaml", "services:\n  db:\n    image: postgres:15\n");
        dir.Write("inc/b.yaml", "services:\n  db:\n    image: postgres:16\n");
        var main = dir.Write("compose.yaml", "include:\n  - path:\n      - inc/a.yaml\n      - inc/b.yaml\nservices:\n  web:\n    image: nginx\n");

        var template = StackLoader.LoadFile(main);

        Assert.Equal("postgres:16", template.Preview!.Service("db")!.Image);
    }

    [Fact]
    public void Include_ConflictingResource_WarnsAndKeepsTheLocalOne()
    {
        using var dir = new TempDirectory();
        dir.Write("other.yaml", "services:\n  web:\n    image: other\n");
        var main = dir.Write("compose.yaml", "include:\n  - other.yaml\nservices:\n  web:\n    image: mine\n");

        var template = StackLoader.LoadFile(main);

        Assert.Equal("mine", template.Preview!.Service("web")!.Image);
        Assert.Contains(template.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning && d.Message.Contains("conflicts", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("include:\n  - missing.yaml\nservices:\n  web:\n    image: x\n", "include[0]", "does not exist")]
    [InlineData("include:\n  - compose.yaml\nservices:\n  web:\n    image: x\n", "include[0]", "include cycle")]
    [InlineData("include: other.yaml\nservices:\n  web:\n    image: x\n", "include", "expected a list of files")]
    public void Include_Problems_AreErrorsNotExceptions(string yaml, string path, string message)
    {
        using var dir = new TempDirectory();
        var main = dir.Write("compose.yaml", yaml);

        var template = StackLoader.LoadFile(main);

        var error = Assert.Single(template.Diagnostics.Errors());
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extends_SameFile_MergesTheBaseService()
    {
        var template = StackLoader.LoadText("""
            services:
              base:
                image: app:1
                environment:
                  A: "1"
                ports: ["80"]
              web:
                extends: base
                environment:
                  B: "2"
              worker:
                extends:
                  service: web
                command: work
            """);

        Assert.Empty(template.Diagnostics.Errors());
        var worker = template.Preview!.Service("worker")!;
        Assert.Equal("app:1", worker.Image);
        Assert.Equal(["A", "B"], worker.Environment.Keys);
        Assert.Equal(["work"], worker.Command);
        Assert.Single(worker.Ports);
    }

    [Fact]
    public void Extends_OtherFile_ResolvesRelativeToTheExtendingFile()
    {
        using var dir = new TempDirectory();
        dir.Write("shared/common.yaml", "services:\n  base:\n    image: app:1\n    volumes:\n      - ./conf:/etc/app\n");
        var main = dir.Write("compose.yaml", "services:\n  web:\n    extends:\n      file: shared/common.yaml\n      service: base\n    restart: always\n");

        var template = StackLoader.LoadFile(main);

        Assert.Empty(template.Diagnostics.Errors());
        var web = template.Preview!.Service("web")!;
        Assert.Equal(("app:1", "always", "./shared/conf"), (web.Image, web.Restart, web.Volumes[0].Source));
    }

    [Theory]
    [InlineData("services:\n  a:\n    extends: b\n  b:\n    extends: a\n", "extends cycle")]
    [InlineData("services:\n  a:\n    extends: missing\n", "expected the name of a service in this file, got 'missing'")]
    [InlineData("services:\n  a:\n    extends:\n      file: nope.yaml\n      service: x\n", "file 'nope.yaml' does not exist")]
    [InlineData("services:\n  a:\n    extends: [1]\n", "expected a service name or a mapping")]
    public void Extends_Problems_AreErrors(string yaml, string message)
    {
        using var dir = new TempDirectory();
        var main = dir.Write("compose.yaml", yaml);

        var template = StackLoader.LoadFile(main);

        Assert.Contains(template.Diagnostics.Errors(), e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void AnchorsAliasesAndMergeKeys_AreApplied()
    {
        var template = StackLoader.LoadText("""
            x-defaults: &defaults
              restart: always
              environment:
                A: "1"
            x-env: &env
              B: "2"
            services:
              web:
                <<: *defaults
                image: nginx
                restart: "no"
              worker:
                <<: [*defaults]
                image: worker
                environment: *env
            """);

        Assert.Empty(template.Diagnostics.Errors());
        var web = template.Preview!.Service("web")!;
        var worker = template.Preview.Service("worker")!;
        Assert.Equal(("no", "1"), (web.Restart, web.Environment["A"]));
        Assert.Equal(("always", "2"), (worker.Restart, worker.Environment["B"]));
    }
}
