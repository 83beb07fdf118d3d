using System.Runtime.Versioning;
using System.Security.Cryptography;
using Tidegate.Core.Secrets;
using Tidegate.Core.Tests.Store;

namespace Tidegate.Core.Tests.Secrets;

// Key files are protected by Unix permissions; Tidegate runs on Linux.
[UnsupportedOSPlatform("windows")]
public sealed class SecretProtectorTests : IDisposable
{
    private readonly string _dir = StoreFixture.NewTempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SecretProtector NewProtector() => new(RandomNumberGenerator.GetBytes(SecretProtector.KeySize));

    [Theory]
    [InlineData("")]
    [InlineData("p@ssw0rd")]
    [InlineData("Grüße, 東京, emoji 🚀")]
    [InlineData("Host=db;Username=app;Password=s3cr3t;")]
    public void Protect_ThenUnprotect_ReturnsThePlaintext(string plaintext)
    {
        var protector = NewProtector();
        var ciphertext = protector.Protect(plaintext, "row-1");

        Assert.StartsWith("tg1:", ciphertext, StringComparison.Ordinal);
        Assert.Equal(plaintext, protector.Unprotect(ciphertext, "row-1"));
    }

    [Fact]
    public void Protect_SameValueTwice_UsesFreshNonces()
    {
        var protector = NewProtector();

        Assert.NotEqual(protector.Protect("same", "ad"), protector.Protect("same", "ad"));
    }

    [Fact]
    public void Protect_DoesNotContainThePlaintext()
    {
        var ciphertext = NewProtector().Protect("hunter2-very-secret");

        Assert.DoesNotContain("hunter2", ciphertext, StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_TamperedCiphertext_Throws()
    {
        var protector = NewProtector();
        var blob = Convert.FromBase64String(protector.Protect("value", "ad")[4..]);
        blob[^1] ^= 0x01;

        Assert.Throws<SecretDecryptionException>(() => protector.Unprotect("tg1:" + Convert.ToBase64String(blob), "ad"));
    }

    [Theory]
    [InlineData("plain text")]
    [InlineData("tg1:not-base64!!")]
    [InlineData("tg1:AAAA")]
    public void Unprotect_MalformedInput_ThrowsDecryptionError(string input)
    {
        Assert.Throws<SecretDecryptionException>(() => NewProtector().Unprotect(input));
    }

    [Fact]
    public void Unprotect_WithAnotherKey_Throws()
    {
        var ciphertext = NewProtector().Protect("value", "ad");

        Assert.Throws<SecretDecryptionException>(() => NewProtector().Unprotect(ciphertext, "ad"));
    }

    [Fact]
    public void Unprotect_WithOtherAssociatedData_Throws()
    {
        var protector = NewProtector();
        var ciphertext = protector.Protect("value", "deployment-a");

        Assert.Throws<SecretDecryptionException>(() => protector.Unprotect(ciphertext, "deployment-b"));
    }

    [Fact]
    public void Load_WithoutKey_CreatesKeyFileWithMode0600_AndReusesIt()
    {
        var first = SecretProtector.Load(_dir, _ => null);
        var path = Path.Combine(_dir, SecretProtector.KeyFileName);

        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var second = SecretProtector.Load(_dir, _ => null);
        Assert.Equal("value", second.Unprotect(first.Protect("value", "ad"), "ad"));
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherWrite)]
    public void Load_KeyFileAccessibleByOthers_IsRefusedWithClearError(UnixFileMode mode)
    {
        SecretProtector.Load(_dir, _ => null);
        var path = Path.Combine(_dir, SecretProtector.KeyFileName);
        var key = File.ReadAllText(path).Trim();
        File.SetUnixFileMode(path, mode);

        var ex = Assert.Throws<SecretKeyException>(() => SecretProtector.Load(_dir, _ => null));

        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FromEnvironmentVariable_UsesItAndCreatesNoFile()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var env = new Dictionary<string, string?> { [SecretProtector.KeyEnvironmentVariable] = key };

        var protector = SecretProtector.Load(_dir, name => env.GetValueOrDefault(name));
        var sameKey = new SecretProtector(Convert.FromBase64String(key));

        Assert.False(File.Exists(Path.Combine(_dir, SecretProtector.KeyFileName)));
        Assert.Equal("v", sameKey.Unprotect(protector.Protect("v")));
        Assert.Contains(SecretProtector.KeyEnvironmentVariable, protector.KeySource, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c2hvcnQta2V5")] // valid base64, 9 bytes
    [InlineData("not base64 at all, secret-ish material")]
    public void Load_BadEnvironmentKey_ErrorNeverContainsTheKey(string badKey)
    {
        var ex = Assert.Throws<SecretKeyException>(
            () => SecretProtector.Load(_dir, name => name == SecretProtector.KeyEnvironmentVariable ? badKey : null));

        Assert.DoesNotContain(badKey, ex.Message, StringComparison.Ordinal);
        Assert.Contains(SecretProtector.KeyEnvironmentVariable, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptKeyFile_ErrorNeverContainsTheFileContent()
    {
        var path = Path.Combine(_dir, SecretProtector.KeyFileName);
        const string content = "c2VjcmV0LWJ1dC10b28tc2hvcnQ=";
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var ex = Assert.Throws<SecretKeyException>(() => SecretProtector.Load(_dir, _ => null));

        Assert.DoesNotContain(content, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decryption_Failure_MessageNeverContainsKeyOrPlaintext()
    {
        var keyBytes = RandomNumberGenerator.GetBytes(32);
        var protector = new SecretProtector(keyBytes);
        var ciphertext = protector.Protect("the-plaintext", "a");

        var ex = Assert.Throws<SecretDecryptionException>(() => protector.Unprotect(ciphertext, "b"));

        Assert.DoesNotContain(Convert.ToBase64String(keyBytes), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the-plaintext", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("a-very-long-secret-value-with-many-characters")]
    public void Masked_IsConstant_WhateverTheSecret(string secret)
    {
        Assert.Equal(Masked.Value, Masked.Mask(secret));
        Assert.DoesNotContain(secret[..1], Masked.Value, StringComparison.Ordinal);
        Assert.Null(Masked.Mask(null));
    }
}
