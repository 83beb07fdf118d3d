using System.Globalization;
using System.Text.RegularExpressions;
using NuGet.Versioning;
using Tidegate.Core.Definitions.Compose;
using Tidegate.Core.Definitions.Interpolation;
using Tidegate.Core.Definitions.Yaml;
using static Tidegate.Core.Definitions.Yaml.YNodeExtensions;

namespace Tidegate.Core.Definitions.Variables;

/// <summary>The parsed <c>x-tidegate</c> section. Sections that later features type (strategy, hooks,
/// maintenanceObserver, backup, restore, edge) are kept as position-carrying trees.</summary>
internal sealed record TidegateExtension(StackMetadata Metadata, IReadOnlyDictionary<string, YNode> Sections)
{
    public static readonly TidegateExtension Empty = new(new StackMetadata(), new Dictionary<string, YNode>());

    public YNode? Section(string name) => Sections.TryGetValue(name, out var node) ? node : null;
}

internal static class TidegateExtensionParser
{
    public const string Key = "x-tidegate";

    private static readonly HashSet<string> KeptSections = new(StringComparer.Ordinal)
    {
        "strategy", "hooks", "maintenanceObserver", "backup", "restore", "edge",
    };

    public static TidegateExtension Parse(YNode? node, ParseContext ctx)
    {
        if (node is null || node.IsNull())
        {
            return TidegateExtension.Empty;
        }

        var map = ctx.Map(node, Key);
        if (map is null)
        {
            return TidegateExtension.Empty;
        }

        var metadata = new StackMetadata();
        var sections = new SortedDictionary<string, YNode>(StringComparer.Ordinal);
        foreach (var e in map.Entries)
        {
            var key = e.Key.Value;
            var p = Join(Key, key);
            switch (key)
            {
                case "product" or "productId": metadata = metadata with { ProductId = ctx.Str(e.Value, p) }; break;
                case "productName": metadata = metadata with { ProductName = ctx.Str(e.Value, p) }; break;
                case "stack" or "stackName" or "name": metadata = metadata with { StackName = ctx.Str(e.Value, p) }; break;
                case "description": metadata = metadata with { Description = ctx.Str(e.Value, p) }; break;
                case "releaseNotes" or "releaseNotesUrl":
                    var url = ctx.Str(e.Value, p);
                    if (url is not null && !Uri.TryCreate(url, UriKind.Absolute, out _))
                    {
                        ctx.Error(e.Value, p, $"expected an absolute URL, got '{url}'");
                    }

                    metadata = metadata with { ReleaseNotesUrl = url };
                    break;
                case "version":
                    var version = ctx.Str(e.Value, p);
                    if (version is not null && !SemanticVersion.TryParse(version, out _))
                    {
                        ctx.Error(e.Value, p, $"expected a SemVer 2.0 version such as 1.2.3 or 2.0.0-rc.1, got '{version}'");
                    }

                    metadata = metadata with { Version = version };
                    break;
                case "variables":
                    metadata = metadata with { Variables = ParseVariables(e.Value, p, ctx) };
                    break;
                default:
                    if (KeptSections.Contains(key))
                    {
                        sections[key] = e.Value;
                    }
                    else
                    {
                        ctx.Unknown(e, Key);
                    }

                    break;
            }
        }

        return new TidegateExtension(metadata, sections);
    }

    public static List<VariableDefinition> ParseVariables(YNode node, string path, ParseContext ctx)
    {
        var result = new List<VariableDefinition>();
        var map = ctx.Map(node, path);
        if (map is null)
        {
            return result;
        }

        var order = 0;
        foreach (var e in map.Entries)
        {
            var name = e.Key.Value;
            var p = Join(path, name);
            order++;
            if (!Template.IsValidName(name))
            {
                ctx.Error(e.Key, p, $"expected a variable name ([A-Za-z_][A-Za-z0-9_]*), got '{name}'");
                continue;
            }

            if (e.Value is YScalar scalar)
            {
                // Shorthand: NAME: default
                result.Add(new VariableDefinition { Name = name, Default = scalar.IsNull ? null : scalar.Value, Order = order });
                continue;
            }

            if (ctx.Map(e.Value, p) is not { } vm)
            {
                continue;
            }

            var v = new VariableDefinition { Name = name, Order = order };
            var typeGiven = false;
            foreach (var f in vm.Entries)
            {
                var fp = Join(p, f.Key.Value);
                switch (f.Key.Value)
                {
                    case "type":
                        typeGiven = true;
                        var type = ParseType(f.Value, fp, ctx);
                        v = v with { Type = type ?? VariableType.String };
                        break;
                    case "label": v = v with { Label = ctx.Str(f.Value, fp) }; break;
                    case "description": v = v with { Description = ctx.Str(f.Value, fp) }; break;
                    case "required": v = v with { Required = ctx.Bool(f.Value, fp) ?? false }; break;
                    case "default": v = v with { Default = f.Value is YScalar ds && !ds.IsNull ? ds.Value : ctx.Str(f.Value, fp) }; break;
                    case "pattern":
                        var pattern = ctx.Str(f.Value, fp);
                        if (pattern is not null && !IsValidRegex(pattern, out var regexError))
                        {
                            ctx.Error(f.Value, fp, $"expected a regular expression, got '{pattern}': {regexError}");
                            pattern = null;
                        }

                        v = v with { Pattern = pattern };
                        break;
                    case "patternMessage" or "pattern_message": v = v with { PatternMessage = ctx.Str(f.Value, fp) }; break;
                    case "options": v = v with { Options = ParseOptions(f.Value, fp, ctx) }; break;
                    case "min": v = v with { Min = ctx.Decimal(f.Value, fp) }; break;
                    case "max": v = v with { Max = ctx.Decimal(f.Value, fp) }; break;
                    case "group": v = v with { Group = ctx.Str(f.Value, fp) }; break;
                    case "order": v = v with { Order = ctx.Int(f.Value, fp) ?? order }; break;
                    default: ctx.Unknown(f, p); break;
                }
            }

            if (!typeGiven && v.Options.Count > 0)
            {
                v = v with { Type = VariableType.Select };
            }

            if (v.Type == VariableType.Select && v.Options.Count == 0)
            {
                ctx.Error(vm, p, "expected 'options' for a select variable");
            }

            if (v.Min is not null && v.Max is not null && v.Min > v.Max)
            {
                ctx.Error(vm["min"]!, Join(p, "min"), $"expected min ({v.Min}) to be at most max ({v.Max})");
            }

            if (v.Default is not null)
            {
                var error = VariableValidator.Check(v, v.Default);
                if (error is not null)
                {
                    var dn = vm["default"]!;
                    ctx.Error(dn, Join(p, "default"), "the default does not fit the variable: " + error);
                }
            }

            result.Add(v);
        }

        return result;
    }

    private static VariableType? ParseType(YNode v, string p, ParseContext ctx)
    {
        var text = ctx.Str(v, p);
        VariableType? type = text?.ToLowerInvariant() switch
        {
            "string" or "text" => VariableType.String,
            "number" or "int" or "integer" => VariableType.Number,
            "boolean" or "bool" => VariableType.Boolean,
            "select" => VariableType.Select,
            "secret" or "password" => VariableType.Secret,
            "port" => VariableType.Port,
            "url" => VariableType.Url,
            "email" => VariableType.Email,
            "path" => VariableType.Path,
            "multiline" => VariableType.Multiline,
            "connectionstring" or "connection_string" => VariableType.ConnectionString,
            _ => null,
        };
        if (type is null && text is not null)
        {
            ctx.Error(v, p, $"expected a variable type (string, number, boolean, select, secret, password, port, url, email, path, multiline, connectionString), got '{text}'");
        }

        return type;
    }

    private static List<VariableOption> ParseOptions(YNode v, string p, ParseContext ctx)
    {
        var result = new List<VariableOption>();
        if (v is not YSeq seq)
        {
            ctx.Error(v, p, $"expected a list of options, got {v.Describe()}");
            return result;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var ip = Index(p, i);
            if (seq.Items[i] is YMap m)
            {
                var value = m["value"] is { } vn ? ctx.Str(vn, Join(ip, "value")) : null;
                var label = m["label"] is { } ln ? ctx.Str(ln, Join(ip, "label")) : null;
                if (value is null)
                {
                    ctx.Error(m, ip, "expected 'value' in the option");
                    continue;
                }

                result.Add(new VariableOption(value, label));
            }
            else if (ctx.Str(seq.Items[i], ip) is { } value)
            {
                result.Add(new VariableOption(value, null));
            }
        }

        return result;
    }

    private static bool IsValidRegex(string pattern, out string? error)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            error = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    internal static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
