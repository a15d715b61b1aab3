using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using ModelGen.Keras;
using Xunit;
using static ModelGen.Tests.Keras.KerasWeightsTestFiles;

namespace ModelGen.Tests.Keras;

/// <summary>Valid weight files of every layout, mutated with a seeded <see cref="Random"/> (bit flips, truncations, runs
/// of bytes): each read either succeeds or throws <see cref="InvalidDataException"/>/<see cref="NotSupportedException"/>
/// naming the file, and ends within a time bound.</summary>
public sealed class KerasWeightsFuzzTests : IDisposable
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(5);

    private readonly string _folder = Directory.CreateTempSubdirectory("modelgen-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Formats() => ["keras3", "legacy", "legacy-real", "zip", "tfjs"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task MutatedFilesAreReadOrRefusedNeverAnotherException(string format)
    {
        (string name, byte[] valid) = format switch
        {
            "keras3" => ("model.weights.h5", Keras3Bytes()),
            "legacy" => ("model.h5", Bytes(LegacyFullModel())),
            "legacy-real" => ("real.h5", File.ReadAllBytes(Fixture("dl4j_lstm_functional_keras2_0_model.h5"))),
            "zip" => ("model.keras", ZipBytes()),
            _ => ("model.json", File.ReadAllBytes(WriteTfjs(_folder, out _))),
        };
        var random = new Random(Seed(format));
        var stopwatch = Stopwatch.StartNew();
        // MODELGEN_FUZZ_CASES runs more cases per format for a longer local search (the time bound then scales).
        int cases = int.TryParse(Environment.GetEnvironmentVariable("MODELGEN_FUZZ_CASES"), out int n) && n > 0 ? n : 80;
        for (int i = 0; i < cases; i++)
        {
            byte[] mutated = Mutate(valid, random, format == "tfjs");
            string path = Path.Combine(_folder, name);
            File.WriteAllBytes(path, mutated);
            Task<Exception?> read = Task.Run(() =>
            {
                try
                {
                    KerasWeightsFile.Read(path);
                    return (Exception?)null;
                }
                catch (Exception exception)
                {
                    return exception;
                }
            });
            bool ended = await Task.WhenAny(read, Task.Delay(PerCase)) == read;
            if (!ended && Environment.GetEnvironmentVariable("MODELGEN_FUZZ_KEEP") is { Length: > 0 } keep)
            {
                File.Copy(path, Path.Combine(keep, $"{format}-{i}-{name}"), overwrite: true);
            }

            Assert.True(ended, $"{format} case {i}: the read did not end within {PerCase.TotalSeconds} s");
            if (await read is { } error)
            {
                Assert.True(error is InvalidDataException or NotSupportedException, $"{format} case {i}: {error}");
                Assert.StartsWith(name, error.Message);
            }
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20.0 * cases / 80), $"{format}: {cases} cases took {stopwatch.Elapsed}");
    }

    private static int Seed(string format)
    {
        int seed = 17;
        foreach (char c in format)
        {
            seed = (seed * 31) + c;
        }

        return seed;
    }

    private static byte[] ZipBytes()
    {
        using var stream = new MemoryStream();
        string path = Path.Combine(Path.GetTempPath(), $"modelgen-fuzz-{Guid.NewGuid():N}.keras");
        try
        {
            KerasWeightsFile.WriteKerasZip(path, SequentialConfig, Keras3Layers());
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>One to three mutations: flipped bits, a truncation, a run of one byte value (0x00, 0xFF or random) over
    /// a stretch, or (JSON) a digit made large.</summary>
    private static byte[] Mutate(byte[] valid, Random random, bool json)
    {
        var bytes = new List<byte>(valid);
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            switch (random.Next(json ? 5 : 4))
            {
                case 0:
                    for (int k = random.Next(1, 9); k > 0; k--)
                    {
                        int at = random.Next(bytes.Count);
                        bytes[at] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 1:
                    int cut = random.Next(bytes.Count);
                    bytes.RemoveRange(cut, bytes.Count - cut);
                    break;
                case 2:
                case 3:
                    int start = random.Next(bytes.Count);
                    int length = Math.Min(bytes.Count - start, random.Next(1, 64));
                    byte value = random.Next(3) switch { 0 => 0, 1 => 0xFF, _ => (byte)random.Next(256) };
                    for (int k = 0; k < length; k++)
                    {
                        bytes[start + k] = value;
                    }

                    break;
                default:
                    string text = Encoding.UTF8.GetString(bytes.ToArray());
                    int digit = text.IndexOfAny("0123456789".ToCharArray(), random.Next(text.Length));
                    if (digit >= 0)
                    {
                        text = text.Insert(digit, random.Next(2) == 0 ? "99999999" : "-");
                    }

                    bytes = new List<byte>(Encoding.UTF8.GetBytes(text));
                    break;
            }
        }

        return bytes.ToArray();
    }
}
