using Tidegate.Core.Catalog;
using Tidegate.Core.Store;
using StoredKind = Tidegate.Core.Store.CatalogSourceKind;

namespace Tidegate.Server.Catalog;

/// <summary>Sources added through the API: persisted in the store and registered with the live catalog.
/// Sources from configuration (and the demo catalog) live only in the catalog and cannot be removed here.</summary>
internal sealed class CatalogSourceRegistry(StackCatalog catalog, TidegateStore store)
{
    // The store keeps one git ref; a tag is stored in its full form so it comes back as a tag.
    private const string TagPrefix = "refs/tags/";

    private readonly HashSet<string> _configured = new(StringComparer.Ordinal);

    public bool IsConfigured(string id) => _configured.Contains(id);

    /// <summary>At start: remember the configured sources, then register every stored one.</summary>
    public async Task LoadStoredAsync(ILogger logger, CancellationToken ct)
    {
        foreach (var source in catalog.ListSources())
        {
            _configured.Add(source.Id);
        }
        for (var offset = 0; ; offset += Page.MaxLimit)
        {
            var page = await store.CatalogSources.ListAsync(new Page(Page.MaxLimit, offset), ct);
            foreach (var record in page.Items.Where(r => !_configured.Contains(r.Id)))
            {
                try
                {
                    catalog.AddSource(ToOptions(record, await store.CatalogSources.GetCredentialsAsync(record.Id, ct)));
                }
                catch (CatalogConfigurationException ex)
                {
                    Hosting.Log.StoredSourceInvalid(logger, record.Id, ex.Message);
                }
            }
            if (!page.HasMore)
            {
                break;
            }
        }
    }

    /// <summary>Validates, persists and registers a new source. Throws CatalogConfigurationException for invalid settings.</summary>
    public async Task<CatalogSourceDefinition?> AddAsync(CatalogSourceOptions options, CancellationToken ct)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new CatalogConfigurationException(errors);
        }
        if (catalog.FindSource(options.Id) is not null)
        {
            return null;
        }
        var definition = options.ToDefinition(TimeSpan.FromMinutes(5));
        var credentials = string.IsNullOrEmpty(options.Username) ? null : options.Username + "\n" + options.Password;
        var saved = await store.CatalogSources.CreateAsync(new NewCatalogSource(
            definition.Id, definition.Kind is Tidegate.Core.Catalog.CatalogSourceKind.Git ? StoredKind.Git : StoredKind.LocalDirectory,
            definition.Location, options.Tag is { } tag ? TagPrefix + tag : options.Branch, definition.SubPath, options.SyncInterval, credentials), ct);
        if (saved is not SaveResult<CatalogSourceRecord>.Saved)
        {
            return null;
        }
        return catalog.AddSource(options);
    }

    public async Task<bool> RemoveAsync(string id, CancellationToken ct)
    {
        var removedFromStore = await store.CatalogSources.DeleteAsync(id, ct);
        return catalog.RemoveSource(id) || removedFromStore;
    }

    private static CatalogSourceOptions ToOptions(CatalogSourceRecord record, string? credentials)
    {
        var parts = credentials?.Split('\n', 2);
        return new CatalogSourceOptions
        {
            Id = record.Id,
            Kind = record.Kind is StoredKind.Git ? "git" : "directory",
            Path = record.Kind is StoredKind.Git ? null : record.Location,
            Url = record.Kind is StoredKind.Git ? record.Location : null,
            Branch = record.Kind is StoredKind.Git && record.Ref?.StartsWith(TagPrefix, StringComparison.Ordinal) == false ? record.Ref : null,
            Tag = record.Kind is StoredKind.Git && record.Ref?.StartsWith(TagPrefix, StringComparison.Ordinal) == true ? record.Ref[TagPrefix.Length..] : null,
            SubPath = record.SubPath,
            SyncInterval = record.SyncInterval,
            Username = parts is { Length: 2 } ? parts[0] : null,
            Password = parts is { Length: 2 } ? parts[1] : null,
        };
    }
}
