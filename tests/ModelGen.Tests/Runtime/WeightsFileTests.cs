using System;
using System.IO;
using Xunit;
using ModelGen.CompilerServices;

namespace ModelGen.Tests.Runtime;

/// <summary>WeightsFile: round trip and every rejection with its message.</summary>
public class WeightsFileTests
{
    private static readonly string[] Names = { "dense_0/kernel", "dense_0/bias", "batch_normalization_0/gamma" };
    private static readonly int[] Lengths = { 6, 3, 3 };
    private static readonly float[][] Tensors =
    {
        new[] { 1f, -2f, 3.5f, float.Epsilon, -0f, 1e30f },
        new[] { 0.1f, 0.2f, 0.3f },
        new[] { 1f, 1f, 1f },
    };

    private static byte[] Save(string model = "Samples.Net")
    {
        using var stream = new MemoryStream();
        WeightsFile.Write(stream, model, Names, Tensors);
        return stream.ToArray();
    }

    private static InvalidDataException Reject(byte[] bytes, string model = "Samples.Net", string[]? names = null, int[]? lengths = null) =>
        Assert.Throws<InvalidDataException>(() => WeightsFile.Read(new MemoryStream(bytes), model, names ?? Names, lengths ?? Lengths));

    [Fact]
    public void RoundTripsBitForBit()
    {
        float[][] read = WeightsFile.Read(new MemoryStream(Save()), "Samples.Net", Names, Lengths);
        Assert.Equal(Tensors.Length, read.Length);
        for (int i = 0; i < Tensors.Length; i++)
        {
            Assert.Equal(Array.ConvertAll(Tensors[i], BitConverter.SingleToInt32Bits), Array.ConvertAll(read[i], BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void RoundTripsThroughAFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"modelgen-{Guid.NewGuid():N}.weights");
        try
        {
            WeightsFile.Write(path, "Samples.Net", Names, Tensors);
            Assert.False(File.Exists(path + ".tmp"));
            Assert.Equal(Tensors, WeightsFile.Read(path, "Samples.Net", Names, Lengths));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void StartsWithMagicAndVersionAndIsLittleEndian()
    {
        byte[] bytes = Save();
        Assert.Equal("MGWT"u8.ToArray(), bytes[..4]);
        Assert.Equal(new byte[] { 1, 0, 0, 0 }, bytes[4..8]);
        int expected = 4 + 4 + 4 + "Samples.Net".Length + 4 + (4 + 14 + 4) + (4 + 12 + 4) + (4 + 27 + 4) + 8 + 12 * 4 + 4;
        Assert.Equal(expected, bytes.Length);
    }

    [Fact]
    public void RejectsAnotherModel() =>
        Assert.Equal("The weights file is for model 'Samples.Net', not 'Samples.Other'.", Reject(Save(), model: "Samples.Other").Message);

    [Fact]
    public void RejectsAnotherLayout()
    {
        InvalidDataException ex = Reject(Save(), lengths: new[] { 6, 4, 3 });
        Assert.Equal("The weights file's tensor 1 is 'dense_0/bias' with 3 values, but model 'Samples.Net' expects 'dense_0/bias' with 4 values: the layout differs.", ex.Message);
        ex = Reject(Save(), names: new[] { "dense_0/kernel", "dense_0/bias" }, lengths: new[] { 6, 3 });
        Assert.Equal("The weights file has 3 tensors, but model 'Samples.Net' has 2: the layout differs.", ex.Message);
    }

    [Fact]
    public void RejectsATruncatedFile()
    {
        byte[] bytes = Save();
        Assert.Equal($"The weights file is truncated: the file ends after {bytes.Length - 5} bytes, expected {bytes.Length}.", Reject(bytes[..^5]).Message);
        Assert.Equal("The weights file is truncated: the file ends after 10 bytes, expected at least 12.", Reject(bytes[..10]).Message);
        Assert.Contains("the file ends after 0 bytes", Reject(Array.Empty<byte>()).Message);
    }

    [Fact]
    public void RejectsAFlippedByte()
    {
        byte[] bytes = Save();
        foreach (int position in new[] { bytes.Length - 20, 15, bytes.Length - 2 })
        {
            byte[] damaged = (byte[])bytes.Clone();
            damaged[position] ^= 0x10;
            Assert.Equal("Checksum mismatch: the weights file is damaged.", Reject(damaged).Message);
        }
    }

    [Fact]
    public void RejectsWrongMagicAndVersion()
    {
        byte[] bytes = Save();
        bytes[0] = (byte)'X';
        Assert.Equal("Not a ModelGen weights file: the file does not start with \"MGWT\".", Reject(bytes).Message);
        bytes = Save();
        bytes[4] = 2;
        Assert.Equal("Weights file format version 2 is not supported; this ModelGen reads version 1.", Reject(bytes).Message);
    }

    [Fact]
    public void RejectsTrailingData()
    {
        byte[] bytes = Save();
        Array.Resize(ref bytes, bytes.Length + 3);
        Assert.Contains("there is data after the checksum", Reject(bytes).Message);
    }
}
