using System;
using System.IO;
using System.IO.Compression;
using System.Text;
using ModelGen.Keras;
using Xunit;

namespace ModelGen.Tests.Keras;

/// <summary>Keras files told by content, a <c>.keras</c> zip's <c>config.json</c> read within bounds, and hostile or
/// foreign files refused with a message.</summary>
public class KerasFileTests
{
    private const string Config = """{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "batch_input_shape": [null, 3], "units": 2}}]}}""";

    private static MemoryStream Zip(params (string Name, byte[] Content)[] entries)
    {
        var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach ((string name, byte[] content) in entries)
            {
                using Stream entry = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
                entry.Write(content);
            }
        }

        stream.Position = 0;
        return stream;
    }

    [Fact]
    public void FormatsAreToldByContentNotByName()
    {
        Assert.Equal(KerasFileFormat.KerasZip, KerasFile.Detect(Zip(("config.json", Encoding.UTF8.GetBytes(Config))).ToArray()));
        Assert.Equal(KerasFileFormat.Hdf5, KerasFile.Detect([0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n', 0, 0]));
        Assert.Equal(KerasFileFormat.Json, KerasFile.Detect(Encoding.UTF8.GetBytes("\uFEFF  \n{\"class_name\": 1}")));
        Assert.Equal(KerasFileFormat.Unknown, KerasFile.Detect("GIF89a"u8));
    }

    [Fact]
    public void AKerasZipsConfigTranslates()
    {
        using MemoryStream zip = Zip(("metadata.json", "{}"u8.ToArray()), ("config.json", Encoding.UTF8.GetBytes(Config)), ("model.weights.h5", new byte[16]));

        string config = KerasFile.ReadConfig(zip, "m.keras");

        Assert.Equal(Config, config);
        Assert.Contains("dense 2 name=d", KerasConfig.ToModelFile(config, "M").ModelFile);
    }

    [Fact]
    public void HostileAndForeignFilesAreRefusedWithAMessage()
    {
        // A zip bomb: 40 MB of zeros compress to a few kilobytes; reading stops at the bound.
        using MemoryStream bomb = Zip(("config.json", new byte[40 * 1024 * 1024]));
        Assert.True(bomb.Length < 100_000);
        Assert.Contains("more than the", Assert.Throws<InvalidDataException>(() => KerasFile.ReadConfig(bomb, "bomb.keras")).Message);

        using MemoryStream noConfig = Zip(("model.weights.h5", new byte[4]));
        Assert.Contains("without config.json", Assert.Throws<InvalidDataException>(() => KerasFile.ReadConfig(noConfig, "w.keras")).Message);

        byte[] truncated = Zip(("config.json", Encoding.UTF8.GetBytes(Config))).ToArray()[..20];
        Assert.Contains("truncated.keras", Assert.Throws<InvalidDataException>(() => KerasFile.ReadConfig(new MemoryStream(truncated), "truncated.keras")).Message);

        // HDF5 is read now (KerasWeightsFileTests): a file that is only the signature is damaged.
        Assert.StartsWith("model.h5", Assert.Throws<InvalidDataException>(() => KerasFile.ReadConfig(new MemoryStream([0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n']), "model.h5")).Message);
        Assert.Contains("not a Keras model file", Assert.Throws<InvalidDataException>(() => KerasFile.ReadConfig(new MemoryStream("GIF89a"u8.ToArray()), "x.keras")).Message);
    }
}
