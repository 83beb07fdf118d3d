using System.Security.Cryptography;
using System.Text;

namespace Tidegate.Core.Secrets;

/// <summary>Encrypts secret values at rest with AES-256-GCM. Ciphertext text form:
/// <c>tg1:</c> + base64(nonce | tag | ciphertext). The associated data binds a ciphertext to its row,
/// so a value copied into another row (or another variable name) fails to decrypt.</summary>
internal sealed class SecretProtector
{
    public const string KeyEnvironmentVariable = "TIDEGATE_SECRET_KEY";
    public const string KeyFileName = "secret.key";
    public const int KeySize = 32;

    private const string Prefix = "tg1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _key;

    public SecretProtector(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new SecretKeyException($"The secret key must be {KeySize} bytes (256 bits), got {key.Length} bytes.");
        }

        _key = key.ToArray();
    }

    /// <summary>Where the key came from, for start-up logs ("environment variable" or the file path).</summary>
    public string KeySource { get; private init; } = "explicit key";

    public static bool IsProtected(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    public string Protect(string plaintext, string associatedData = "")
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(associatedData);
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var blob = new byte[NonceSize + TagSize + plain.Length];
        var nonce = blob.AsSpan(0, NonceSize);
        var tag = blob.AsSpan(NonceSize, TagSize);
        var cipher = blob.AsSpan(NonceSize + TagSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagSize))
        {
            aes.Encrypt(nonce, plain, cipher, tag, Encoding.UTF8.GetBytes(associatedData));
        }

        CryptographicOperations.ZeroMemory(plain);
        return Prefix + Convert.ToBase64String(blob);
    }

    public string Unprotect(string protectedValue, string associatedData = "")
    {
        ArgumentNullException.ThrowIfNull(protectedValue);
        ArgumentNullException.ThrowIfNull(associatedData);
        if (!IsProtected(protectedValue))
        {
            throw new SecretDecryptionException("The value is not a Tidegate ciphertext (missing 'tg1:' prefix).");
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(protectedValue[Prefix.Length..]);
        }
        catch (FormatException)
        {
            throw new SecretDecryptionException("The ciphertext is not valid base64.");
        }

        if (blob.Length < NonceSize + TagSize)
        {
            throw new SecretDecryptionException("The ciphertext is too short.");
        }

        var plain = new byte[blob.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(
                blob.AsSpan(0, NonceSize),
                blob.AsSpan(NonceSize + TagSize),
                blob.AsSpan(NonceSize, TagSize),
                plain,
                Encoding.UTF8.GetBytes(associatedData));
        }
        catch (AuthenticationTagMismatchException)
        {
            // Deliberately vague: tampering, a different key and a ciphertext moved to another row look alike.
            throw new SecretDecryptionException(
                "The secret could not be decrypted: it was modified, belongs to another record, or was encrypted with a different key.");
        }

        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Loads the key from <see cref="KeyEnvironmentVariable"/> (base64) when set, else from
    /// <c>secret.key</c> in the data directory, creating it with mode 0600 on first start.</summary>
    public static SecretProtector Load(string dataDirectory, Func<string, string?>? getEnvironmentVariable = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;
        var fromEnvironment = getEnvironmentVariable(KeyEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new SecretProtector(DecodeKey(fromEnvironment, $"environment variable {KeyEnvironmentVariable}"))
            {
                KeySource = $"environment variable {KeyEnvironmentVariable}",
            };
        }

        var path = Path.Combine(dataDirectory, KeyFileName);
        return new SecretProtector(LoadOrCreateKeyFile(path)) { KeySource = path };
    }

    private static byte[] LoadOrCreateKeyFile(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (!File.Exists(path))
        {
            var key = RandomNumberGenerator.GetBytes(KeySize);
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    // Created 0600 from the first byte, so the key is never readable by others even briefly.
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var stream = new FileStream(path, options);
                stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n"));
                stream.Flush(flushToDisk: true);
                return key;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first; use theirs.
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode groupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & groupOrOthers) != 0)
            {
                throw new SecretKeyException(
                    $"The key file {path} is accessible by group or others (mode {Convert.ToString((int)mode, 8)}). " +
                    $"Restrict it with 'chmod 600 {path}' and start again.");
            }
        }

        return DecodeKey(File.ReadAllText(path), $"key file {path}");
    }

    private static byte[] DecodeKey(string base64, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new SecretKeyException($"The secret key in {source} is not valid base64.");
        }

        if (key.Length != KeySize)
        {
            throw new SecretKeyException(
                $"The secret key in {source} must decode to {KeySize} bytes (256 bits), got {key.Length} bytes. " +
                "Generate one with: head -c 32 /dev/urandom | base64");
        }

        return key;
    }
}

/// <summary>The key is missing, malformed or insecurely stored. Messages never contain key material.</summary>
internal sealed class SecretKeyException(string message) : Exception(message);

/// <summary>A ciphertext could not be decrypted (tampered, wrong key, or wrong associated data).</summary>
internal sealed class SecretDecryptionException(string message) : Exception(message);
