using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using ModelGen.Keras;
using PureHDF;
using Xunit;
using static ModelGen.Tests.Keras.KerasWeightsTestFiles;

namespace ModelGen.Tests.Keras;

/// <summary>Keras weight files read in every layout (files written here, and real files from public repositories, see
/// <c>Fixtures/Formats/PROVENANCE.md</c>), Keras 3's formats written and read back bit for bit, and hostile files
/// refused with a message naming the file.</summary>
public sealed class KerasWeightsFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelgen-weights-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Save(string name, byte[] content)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static void AssertBitIdentical(IReadOnlyList<KerasLayerWeights> expected, IReadOnlyList<KerasLayerWeights> actual)
    {
        Assert.Equal(expected.Select(l => l.Name), actual.Select(l => l.Name));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Tensors.Select(t => t.Name), actual[i].Tensors.Select(t => t.Name));
            for (int j = 0; j < expected[i].Tensors.Count; j++)
            {
                KerasTensor e = expected[i].Tensors[j], a = actual[i].Tensors[j];
                Assert.Equal(e.Shape, a.Shape);
                Assert.Equal(e.Values.Select(BitConverter.SingleToInt32Bits), a.Values.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void Keras3WeightsRoundTripBitForBit()
    {
        List<KerasLayerWeights> layers = Keras3Layers();
        // Special values keep their bits: a NaN payload, -0, infinities, a subnormal.
        // Inserted where the reader's natural group order puts it.
        layers.Insert(1, new("dense_1", [new("vars/0", [5], [BitConverter.Int32BitsToSingle(0x7FC12345), -0f, float.PositiveInfinity, float.NegativeInfinity, 1.4e-45f])]));
        string path = Path.Combine(_folder, "model.weights.h5");
        KerasWeightsFile.WriteKeras3(path, layers);

        KerasWeightSet read = KerasWeightsFile.Read(path);

        Assert.Equal(KerasWeightsLayout.Keras3, read.Layout);
        Assert.Null(read.ModelConfig);
        Assert.Null(read.TrainingConfig);
        AssertBitIdentical(layers, read.Layers);
        Assert.Equal("dense_1/vars/0", read.FirstNonFinite());
        Assert.Equal(File.ReadAllBytes(path), Keras3Bytes(layers));
    }

    [Fact]
    public void Keras3WritesTheGroupsKerasWrites()
    {
        using NativeFileHandle file = new(Keras3Bytes());

        // Every layer has layers/<name>/vars, a weightless one too; the model's own (empty) vars group is at the root.
        Assert.True(file.File.LinkExists("vars"));
        Assert.True(file.File.LinkExists("layers/dropout/vars"));
        Assert.Empty(file.File.Group("layers/dropout/vars").Children());
        Assert.True(file.File.LinkExists("layers/lstm/vars"));
        Assert.Equal([4UL, 8UL], file.File.Dataset("layers/lstm/cell/vars/0").Space.Dimensions);
        Assert.Equal(H5DataTypeClass.FloatingPoint, file.File.Dataset("layers/dense/vars/0").Type.Class);
        Assert.Equal(4, file.File.Dataset("layers/dense/vars/0").Type.Size);
    }

    [Fact]
    public void VarsAreReadInNumericOrder()
    {
        // vars/10 and vars/11 come after vars/9, not after vars/1 as strings sort.
        var tensors = Enumerable.Range(0, 12).Select(i => new KerasTensor($"vars/{i}", [i + 1], Iota(i + 1))).ToList();
        string path = Save("many.weights.h5", Keras3Bytes([new("layer", tensors)]));

        KerasLayerWeights layer = Assert.Single(KerasWeightsFile.Read(path).Layers);

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"vars/{i}"), layer.Tensors.Select(t => t.Name));
        Assert.Equal(Enumerable.Range(1, 12), layer.Tensors.Select(t => t.Shape[0]));
    }

    [Fact]
    public void Keras3LayersComeInNaturalNameOrderAndRandomStateIsSkipped()
    {
        var file = new H5File
        {
            ["vars"] = new H5Group(),
            ["layers"] = new H5Group
            {
                ["dense_10"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(new float[] { 10 }, fileDims: [1]) } },
                ["dense_2"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(new float[] { 2 }, fileDims: [1]) } },
                ["dense"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(new float[] { 0 }, fileDims: [1]) } },
                ["dropout"] = new H5Group
                {
                    ["vars"] = new H5Group(),
                    ["seed_generator"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(new uint[] { 1, 42 }, fileDims: [2]) } },
                },
            },
        };

        KerasWeightSet read = KerasWeightsFile.Read(Save("order.weights.h5", Bytes(file)));

        Assert.Equal(["dense", "dense_2", "dense_10", "dropout"], read.Layers.Select(l => l.Name));
        Assert.Empty(read.Layers[3].Tensors);
        Assert.Equal([0f, 2f, 10f], read.Layers.Take(3).Select(l => l.Tensors[0].Values[0]));
    }

    [Fact]
    public void AKerasZipRoundTripsWithItsConfigAndMetadata()
    {
        string path = Path.Combine(_folder, "model.keras");
        KerasWeightsFile.WriteKerasZip(path, SequentialConfig, Keras3Layers());

        KerasWeightSet read = KerasWeightsFile.Read(path);

        Assert.Equal(KerasWeightsLayout.Keras3, read.Layout);
        Assert.Equal(SequentialConfig, read.ModelConfig);
        Assert.Equal(KerasWeightsFile.WrittenKerasVersion, read.KerasVersion);
        AssertBitIdentical(Keras3Layers(), read.Layers);
        Assert.Equal(SequentialConfig, KerasFile.ReadConfig(path));

        // As Keras writes it: three entries in this order, stored; metadata.json as json.dumps writes it.
        using ZipArchive archive = ZipFile.OpenRead(path);
        Assert.Equal(["metadata.json", "config.json", "model.weights.h5"], archive.Entries.Select(e => e.FullName));
        Assert.All(archive.Entries, e => Assert.Equal(e.Length, e.CompressedLength));
        using var metadata = new StreamReader(archive.GetEntry("metadata.json")!.Open());
        Assert.Matches("""^\{"keras_version": "3\.6\.0", "date_saved": "\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d"\}$""", metadata.ReadToEnd());
        using var weights = new MemoryStream();
        archive.GetEntry("model.weights.h5")!.Open().CopyTo(weights);
        Assert.Equal(Keras3Bytes(), weights.ToArray());
    }

    [Fact]
    public void ATfKerasZipReadsLayerCheckpointDependencies()
    {
        var h5 = new H5File
        {
            ["_layer_checkpoint_dependencies"] = new H5Group
            {
                ["my_dense"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(Iota(6), fileDims: [2, 3]), ["1"] = new H5Dataset(Iota(3), fileDims: [3]) } },
            },
        };
        string path = Save("tfkeras.keras", Zip(("config.json", Encoding.UTF8.GetBytes(SequentialConfig)), ("metadata.json", """{"keras_version": "2.13.1"}"""u8.ToArray()), ("model.weights.h5", Bytes(h5))));

        KerasWeightSet read = KerasWeightsFile.Read(path);

        Assert.Equal(KerasWeightsLayout.TfKerasZip, read.Layout);
        Assert.Equal("2.13.1", read.KerasVersion);
        KerasLayerWeights layer = Assert.Single(read.Layers);
        Assert.Equal("my_dense", layer.Name);
        Assert.Equal(["vars/0", "vars/1"], layer.Tensors.Select(t => t.Name));
        Assert.Equal(Iota(6), layer.Tensors[0].Values);
    }

    [Fact]
    public void ALegacyFullModelFollowsLayerNamesAndWeightNames()
    {
        string path = Save("model.h5", Bytes(LegacyFullModel()));

        KerasWeightSet read = KerasWeightsFile.Read(path);

        Assert.Equal(KerasWeightsLayout.Legacy, read.Layout);
        Assert.Equal(SequentialConfig, read.ModelConfig);
        Assert.Contains("SGD", read.TrainingConfig);
        Assert.Equal("2.15.0", read.KerasVersion);
        // layer_names' order, not the groups' alphabetical one; the weightless layer included.
        Assert.Equal(["zeta", "lstm_1", "alpha_dropout"], read.Layers.Select(l => l.Name));
        Assert.Equal(["zeta/kernel:0", "zeta/bias:0"], read.Layers[0].Tensors.Select(t => t.Name));
        Assert.Equal([2, 3], read.Layers[0].Tensors[0].Shape);
        Assert.Equal([1.5f, -2.25f, 3, 4, 5, 6], read.Layers[0].Tensors[0].Values); // float64, converted
        // The LSTM's weights live under lstm_1_4/, as weight_names says.
        Assert.Equal(["lstm_1_4/kernel:0", "lstm_1_4/recurrent_kernel:0", "lstm_1_4/bias:0"], read.Layers[1].Tensors.Select(t => t.Name));
        Assert.Equal([1, 4], read.Layers[1].Tensors[1].Shape);
        Assert.Empty(read.Layers[2].Tensors);
        Assert.Null(read.FirstNonFinite());
        Assert.Equal(SequentialConfig, KerasFile.ReadConfig(path));
    }

    [Fact]
    public void ALegacySaveWeightsFileHasNoConfigAndKeras3StyleNamesWithoutSuffix()
    {
        H5Group group = LegacyWeightsGroup();
        var file = new H5File
        {
            ["dense"] = new H5Group
            {
                ["sequential"] = new H5Group { ["dense"] = new H5Group { ["kernel"] = new H5Dataset(Iota(4), fileDims: [2, 2]), ["bias"] = new H5Dataset(Iota(2), fileDims: [2]) } },
                Attributes = new() { ["weight_names"] = new[] { "sequential/dense/kernel", "sequential/dense/bias" } },
            },
            ["top_level_model_weights"] = new H5Group { Attributes = new() { ["weight_names"] = Array.Empty<string>() } },
        };
        // Keras splits a long layer_names into layer_names0, layer_names1, ….
        file.Attributes["layer_names0"] = new[] { "dense" };
        file.Attributes["layer_names1"] = Array.Empty<string>();
        file.Attributes["keras_version"] = "3.3.3";
        string path = Save("weights.h5", Bytes(file));

        KerasWeightSet read = KerasWeightsFile.Read(path);

        Assert.Equal(KerasWeightsLayout.Legacy, read.Layout);
        Assert.Null(read.ModelConfig);
        Assert.Equal("3.3.3", read.KerasVersion);
        KerasLayerWeights layer = Assert.Single(read.Layers);
        Assert.Equal(["sequential/dense/kernel", "sequential/dense/bias"], layer.Tensors.Select(t => t.Name));
        Assert.Equal(Iota(4), layer.Tensors[0].Values);
    }

    [Fact]
    public void RealKeras1FullModel()
    {
        KerasWeightSet read = KerasWeightsFile.Read(Fixture("dl4j_lstm_keras1_1_model.h5"));

        Assert.Equal(KerasWeightsLayout.Legacy, read.Layout);
        Assert.Equal("1.1.0", read.KerasVersion);
        Assert.StartsWith("""{"class_name": "Sequential", "config": [""", read.ModelConfig);
        Assert.NotNull(read.TrainingConfig);
        Assert.Equal(["lstm_1", "lstm_2", "timedistributeddense_1", "activation_1"], read.Layers.Select(l => l.Name));
        Assert.Equal(12, read.Layers[0].Tensors.Count);
        Assert.Equal("lstm_1_W_i:0", read.Layers[0].Tensors[0].Name);
        Assert.Equal([2, 3], read.Layers[0].Tensors[0].Shape);
        Assert.Equal("lstm_1_U_i:0", read.Layers[0].Tensors[1].Name);
        Assert.Equal([3, 3], read.Layers[0].Tensors[1].Shape);
        Assert.Equal([3], read.Layers[2].Tensors[1].Shape);
        Assert.Empty(read.Layers[3].Tensors);
        Assert.Null(read.FirstNonFinite());
        Assert.StartsWith("""{"class_name": "Sequential""", KerasFile.ReadConfig(Fixture("dl4j_lstm_keras1_1_model.h5")));
    }

    [Fact]
    public void RealKeras2FunctionalModelAndWeightsFile()
    {
        KerasWeightSet model = KerasWeightsFile.Read(Fixture("dl4j_lstm_functional_keras2_0_model.h5"));
        Assert.Equal("2.0.8", model.KerasVersion);
        Assert.Equal(["inputLayer_1", "lstm", "outputLayer_a"], model.Layers.Select(l => l.Name));
        Assert.Empty(model.Layers[0].Tensors); // weight_names is an empty float64 array
        Assert.Equal(["lstm/kernel:0", "lstm/recurrent_kernel:0", "lstm/bias:0"], model.Layers[1].Tensors.Select(t => t.Name));
        Assert.Equal([4, 32], model.Layers[1].Tensors[0].Shape);
        Assert.Equal([8, 5], model.Layers[2].Tensors[0].Shape);
        Assert.Equal(4 * 32, model.Layers[1].Tensors[0].Values.Length);

        KerasWeightSet weights = KerasWeightsFile.Read(Fixture("dl4j_causal_conv1d_keras2_3_weights.h5"));
        Assert.Equal(KerasWeightsLayout.Legacy, weights.Layout);
        Assert.Null(weights.ModelConfig);
        Assert.Equal("2.3.1", weights.KerasVersion);
        KerasLayerWeights conv = Assert.Single(weights.Layers);
        Assert.Equal(["conv0/kernel:0", "conv0/bias:0"], conv.Tensors.Select(t => t.Name));
        Assert.Equal([2, 3, 4], conv.Tensors[0].Shape);

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => KerasFile.ReadConfig(Fixture("dl4j_causal_conv1d_keras2_3_weights.h5")));
        Assert.Equal("dl4j_causal_conv1d_keras2_3_weights.h5 holds only weights (no model configuration): import the architecture from the model's .keras/.json file, then read these weights with model.LoadKerasWeights(path)", error.Message);
    }

    [Fact]
    public void RealKeras3Zip()
    {
        KerasWeightSet read = KerasWeightsFile.Read(Fixture("keras3_15_nested_container.keras"));

        Assert.Equal(KerasWeightsLayout.Keras3, read.Layout);
        Assert.Equal("3.15.0", read.KerasVersion);
        Assert.Contains("NestedDenseModel", read.ModelConfig);
        Assert.Equal(["dense", "dense_1", "dense_2", "dense_3"], read.Layers.Select(l => l.Name));
        Assert.Equal([4, 4], Assert.Single(read.Layers[0].Tensors).Shape);
        Assert.Equal(["vars/0", "vars/1"], read.Layers[3].Tensors.Select(t => t.Name));
        Assert.Equal([4, 2], read.Layers[3].Tensors[0].Shape);
        Assert.Equal([2], read.Layers[3].Tensors[1].Shape);
    }

    [Fact]
    public void ATensorFlowJsModelReadsItsTwoShardsInOrder()
    {
        string path = WriteTfjs(_folder, out float[] values);

        KerasWeightSet read = KerasWeightsFile.Read(path);

        Assert.Equal(KerasWeightsLayout.TensorFlowJs, read.Layout);
        Assert.Equal("2.15.0", read.KerasVersion);
        Assert.Equal(File.ReadAllText(path), read.ModelConfig);
        Assert.Equal(["input_1", "dense", "dropout", "dense_1"], read.Layers.Select(l => l.Name));
        Assert.Equal(["dense/kernel", "dense/bias"], read.Layers[1].Tensors.Select(t => t.Name));
        Assert.Equal([2, 3], read.Layers[1].Tensors[0].Shape);
        Assert.Equal(values[..6], read.Layers[1].Tensors[0].Values);
        Assert.Equal(values[6..9], read.Layers[1].Tensors[1].Values); // spans the two shards
        Assert.Equal(values[9..12], read.Layers[3].Tensors[0].Values);
        Assert.Equal(values[12..], read.Layers[3].Tensors[1].Values);
        Assert.Empty(read.Layers[2].Tensors);

        File.WriteAllBytes(Path.Combine(_folder, "group1-shard2of2.bin"), new byte[8]);
        Assert.Contains("shards end before weight 'dense/bias'", Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(path)).Message);
        File.Delete(Path.Combine(_folder, "group1-shard2of2.bin"));
        Assert.Contains("'group1-shard2of2.bin' is missing", Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(path)).Message);
        File.WriteAllText(path, File.ReadAllText(path).Replace("group1-shard2of2.bin", "../escape.bin"));
        Assert.Contains("does not name a file beside model.json", Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(path)).Message);
    }

    [Fact]
    public void AJsonConfigHoldsNoWeights()
    {
        string path = Save("model.json", Encoding.UTF8.GetBytes(SequentialConfig));

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(path));

        Assert.StartsWith("model.json holds no weights", error.Message);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(40)]
    [InlineData(200)]
    [InlineData(700)]
    [InlineData(-200)]
    [InlineData(-16)]
    public void ATruncatedHdf5FileIsRefused(int length)
    {
        foreach (byte[] whole in new[] { Keras3Bytes(), Bytes(LegacyFullModel()) })
        {
            byte[] cut = whole[..(length > 0 ? length : whole.Length + length)];
            string path = Save("cut.weights.h5", cut);

            Exception error = Assert.ThrowsAny<Exception>(() => KerasWeightsFile.Read(path));

            Assert.True(error is InvalidDataException or NotSupportedException, error.ToString());
            Assert.StartsWith("cut.weights.h5", error.Message);
        }
    }

    [Fact]
    public void FlippedBitsAreRefusedOrReadNeverAnotherException()
    {
        byte[] whole = Keras3Bytes();
        for (int bit = 0; bit < whole.Length * 8; bit += 97)
        {
            byte[] flipped = (byte[])whole.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            string path = Save("flipped.weights.h5", flipped);
            try
            {
                KerasWeightsFile.Read(path);
            }
            catch (Exception error) when (error is InvalidDataException or NotSupportedException)
            {
                Assert.StartsWith("flipped.weights.h5", error.Message);
            }
        }
    }

    [Fact]
    public void AZipBombIsRefusedWithoutInflatingPastTheBound()
    {
        // 8 MB of zeros deflate to a few kilobytes.
        byte[] zip = Zip(("config.json", Encoding.UTF8.GetBytes(SequentialConfig)), ("model.weights.h5", new byte[8 * 1024 * 1024]));
        Assert.True(zip.Length < 100_000);
        var limits = KerasReadLimits.Default with { MaxZipEntryBytes = 1024 * 1024 };

        InvalidDataException claimed = Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(Save("bomb.keras", zip), limits));
        Assert.Equal("bomb.keras: model.weights.h5 claims 8388608 bytes, more than the 1048576 read.", claimed.Message);

        // Headers rewritten to claim 1000 bytes: inflating stops there (the zip reader holds an entry to its claimed size,
        // and the count kept while inflating holds it to the bound), and what came out is no HDF5 file.
        string lying = Save("lying.keras", ClaimSize(zip, "model.weights.h5", 1000));
        long before = GC.GetAllocatedBytesForCurrentThread();
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(lying, limits));
        Assert.StartsWith("lying.keras", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 * 1024 * 1024);

        // With the real bounds: a config.json that inflates to 20 MB, past KerasConfig.MaxConfigBytes.
        byte[] configBomb = Zip(("config.json", new byte[20 * 1024 * 1024]), ("model.weights.h5", Keras3Bytes()));
        Assert.Equal(
            $"config-bomb.keras: config.json claims {20 * 1024 * 1024} bytes, more than the {KerasConfig.MaxConfigBytes} read.",
            Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(Save("config-bomb.keras", configBomb))).Message);
    }

    [Fact]
    public void AConfigClaiming100MegabytesIsRefusedBeforeInflating()
    {
        byte[] zip = Zip(("config.json", Encoding.UTF8.GetBytes(SequentialConfig)), ("model.weights.h5", Keras3Bytes()));
        string path = Save("claim.keras", ClaimSize(zip, "config.json", 100_000_000));

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(path));

        Assert.Equal($"claim.keras: config.json claims 100000000 bytes, more than the {KerasConfig.MaxConfigBytes} read.", error.Message);
    }

    [Fact]
    public void AShapeClaiming2To40ElementsIsRefusedBeforeAllocating()
    {
        byte[] whole = Keras3Bytes([new("dense", [new("vars/0", [7, 13], Iota(91))])]);
        string path = Save("huge.weights.h5", PatchDims(whole, [7, 13], [1UL << 20, 1UL << 20]));
        long before = GC.GetAllocatedBytesForCurrentThread();

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(path));

        Assert.Contains("[1048576, 1048576]", error.Message);
        Assert.Contains($"more than the {KerasWeightsFile.MaxTensorElements} values read per tensor", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 * 1024 * 1024);
    }

    [Fact]
    public void ADatasetLargerThanTheFileIsRefused()
    {
        byte[] whole = Keras3Bytes([new("dense", [new("vars/0", [7, 13], Iota(91))])]);
        string path = Save("short.weights.h5", PatchDims(whole, [7, 13], [7, 13000]));

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(path));

        Assert.Contains("layer 'dense', vars/0 has shape [7, 13000], 364000 bytes of data, but the file holds only", error.Message);
    }

    [Fact]
    public void AnInt32DatasetIsNotSupported()
    {
        var file = new H5File { ["layers"] = new H5Group { ["embedding"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(new[] { 1, 2, 3 }, fileDims: [3]) } } } };
        string path = Save("int.weights.h5", Bytes(file));

        NotSupportedException error = Assert.Throws<NotSupportedException>(() => KerasWeightsFile.Read(path));

        Assert.Equal("int.weights.h5: layer 'embedding', vars/0 holds int32 values: only float16, float32 and float64 weights are read.", error.Message);
    }

    [Fact]
    public void NamesOfAbsentThingsAreRefused()
    {
        H5File file = LegacyFullModel();
        ((H5Group)file["model_weights"]).Attributes["layer_names"] = new[] { "zeta", "ghost" };
        Assert.Contains("layer_names lists 'ghost', but model_weights has no such group", Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(Save("a.h5", Bytes(file)))).Message);

        file = LegacyFullModel();
        ((H5Group)((H5Group)file["model_weights"])["zeta"]).Attributes["weight_names"] = new[] { "zeta/kernel:0", "zeta/gamma:0" };
        Assert.Contains("layer 'zeta' lists weight 'zeta/gamma:0' in weight_names, but its group holds no such dataset", Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(Save("b.h5", Bytes(file)))).Message);

        var gap = new H5File { ["layers"] = new H5Group { ["dense"] = new H5Group { ["vars"] = new H5Group { ["0"] = new H5Dataset(Iota(2), fileDims: [2]), ["2"] = new H5Dataset(Iota(2), fileDims: [2]) } } } };
        Assert.Contains("vars/1 is missing", Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(Save("c.h5", Bytes(gap)))).Message);

        var foreign = new H5File { ["data"] = new H5Dataset(Iota(2), fileDims: [2]) };
        Assert.Contains("not a Keras weights file", Assert.Throws<InvalidDataException>(() => KerasWeightsFile.Read(Save("d.h5", Bytes(foreign)))).Message);
    }

    [Fact]
    public void TheWriterRefusesWhatKerasCannotRead()
    {
        Assert.Throws<ArgumentException>(() => Keras3Bytes([new("dense", [new("kernel", [2], Iota(2))])]));
        Assert.Throws<ArgumentException>(() => Keras3Bytes([new("dense", [new("vars/1", [2], Iota(2))])]));
        Assert.Throws<ArgumentException>(() => Keras3Bytes([new("dense", [new("vars/0", [3], Iota(2))])]));
        Assert.Throws<ArgumentException>(() => Keras3Bytes([new("dense", []), new("dense", [])]));
        Assert.Throws<ArgumentException>(() => Keras3Bytes([new("a/b", [])]));
    }

    /// <summary>Rewrites an entry's uncompressed size in the local header and the central directory.</summary>
    private static byte[] ClaimSize(byte[] zip, string entry, uint size)
    {
        byte[] patched = (byte[])zip.Clone();
        byte[] name = Encoding.UTF8.GetBytes(entry);
        for (int i = 0; i + 46 < patched.Length; i++)
        {
            uint signature = BitConverter.ToUInt32(patched, i);
            if (signature == 0x04034b50 && patched.AsSpan(i + 30, name.Length).SequenceEqual(name) && BitConverter.ToUInt16(patched, i + 26) == name.Length)
            {
                BitConverter.GetBytes(size).CopyTo(patched, i + 22);
            }
            else if (signature == 0x02014b50 && patched.AsSpan(i + 46, Math.Min(name.Length, patched.Length - i - 46)).SequenceEqual(name) && BitConverter.ToUInt16(patched, i + 28) == name.Length)
            {
                BitConverter.GetBytes(size).CopyTo(patched, i + 24);
            }
        }

        return patched;
    }

    /// <summary>A written file opened with PureHDF.</summary>
    private sealed class NativeFileHandle : IDisposable
    {
        private readonly MemoryStream _stream;

        public NativeFileHandle(byte[] content)
        {
            _stream = new MemoryStream(content);
            File = H5File.Open(_stream, leaveOpen: true);
        }

        public PureHDF.VOL.Native.NativeFile File { get; }

        public void Dispose()
        {
            File.Dispose();
            _stream.Dispose();
        }
    }
}

/// <summary>Small Keras weight files built in the tests: Keras 3's with <see cref="KerasWeightsFile"/>'s writer, the legacy
/// layouts with PureHDF's writer following Keras 1/2's <c>save_weights_to_hdf5_group</c>, and TensorFlow.js shards.</summary>
internal static class KerasWeightsTestFiles
{
    public const string SequentialConfig = """{"class_name": "Sequential", "config": {"name": "sequential", "layers": [{"class_name": "Dense", "config": {"name": "dense", "units": 4}}]}}""";

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Keras", "Fixtures", "Formats", name);

    public static float[] Iota(int count, float scale = 0.25f) => Enumerable.Range(0, count).Select(i => (i - (count / 2)) * scale).ToArray();

    /// <summary>A dense layer (kernel 3×4, bias 4), a dropout without weights, an LSTM keeping its weights in its cell.</summary>
    public static List<KerasLayerWeights> Keras3Layers() =>
    [
        new("dense", [new("vars/0", [3, 4], Iota(12)), new("vars/1", [4], [0.5f, -0f, float.Epsilon, 1e-30f])]),
        new("dropout", []),
        new("lstm", [new("cell/vars/0", [4, 8], Iota(32, 0.125f)), new("cell/vars/1", [2, 8], Iota(16)), new("cell/vars/2", [8], Iota(8))]),
    ];

    public static byte[] Keras3Bytes(IReadOnlyList<KerasLayerWeights>? layers = null)
    {
        using var stream = new MemoryStream();
        KerasWeightsFile.WriteKeras3(stream, layers ?? Keras3Layers());
        return stream.ToArray();
    }

    /// <summary>A legacy full model as Keras 2 saves it: root attributes, <c>model_weights</c> with <c>layer_names</c> in the
    /// model's order (not alphabetical), and an LSTM whose weights sit under another scope (<c>lstm_1_4/kernel:0</c>).</summary>
    public static H5File LegacyFullModel()
    {
        H5Group weights = LegacyWeightsGroup();
        var file = new H5File { ["model_weights"] = weights };
        file.Attributes["model_config"] = SequentialConfig;
        file.Attributes["training_config"] = """{"loss": "mse", "optimizer_config": {"class_name": "SGD", "config": {"learning_rate": 0.1}}}""";
        file.Attributes["keras_version"] = "2.15.0";
        file.Attributes["backend"] = "tensorflow";
        return file;
    }

    public static H5Group LegacyWeightsGroup()
    {
        var group = new H5Group
        {
            ["zeta"] = new H5Group
            {
                ["zeta"] = new H5Group
                {
                    ["kernel:0"] = new H5Dataset(new double[] { 1.5, -2.25, 3, 4, 5, 6 }, fileDims: [2, 3]),
                    ["bias:0"] = new H5Dataset(new float[] { 0.1f, 0.2f, 0.3f }, fileDims: [3]),
                },
                Attributes = new() { ["weight_names"] = new[] { "zeta/kernel:0", "zeta/bias:0" } },
            },
            ["lstm_1"] = new H5Group
            {
                ["lstm_1_4"] = new H5Group
                {
                    ["kernel:0"] = new H5Dataset(Iota(8), fileDims: [2, 4]),
                    ["recurrent_kernel:0"] = new H5Dataset(Iota(4), fileDims: [1, 4]),
                    ["bias:0"] = new H5Dataset(Iota(4), fileDims: [4]),
                },
                Attributes = new() { ["weight_names"] = new[] { "lstm_1_4/kernel:0", "lstm_1_4/recurrent_kernel:0", "lstm_1_4/bias:0" } },
            },
            ["alpha_dropout"] = new H5Group { Attributes = new() { ["weight_names"] = Array.Empty<string>() } },
            Attributes = new()
            {
                ["layer_names"] = new[] { "zeta", "lstm_1", "alpha_dropout" },
                ["keras_version"] = "2.15.0",
                ["backend"] = "tensorflow",
            },
        };
        return group;
    }

    public static byte[] Bytes(H5File file)
    {
        using var stream = new MemoryStream();
        file.Write(stream);
        return stream.ToArray();
    }

    public static byte[] Zip(params (string Name, byte[] Content)[] entries)
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

        return stream.ToArray();
    }

    /// <summary>A TensorFlow.js Layers model: dense (2×3, 3), dropout, dense_1 (3×1, 1), its 13 floats split over two
    /// shards in the middle of a tensor.</summary>
    public static string WriteTfjs(string folder, out float[] values)
    {
        values = Iota(13, 0.5f);
        byte[] bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(Path.Combine(folder, "group1-shard1of2.bin"), bytes[..20]);
        File.WriteAllBytes(Path.Combine(folder, "group1-shard2of2.bin"), bytes[20..]);
        string json = """
            {"format": "layers-model", "generatedBy": "keras v2.15.0", "convertedBy": "TensorFlow.js Converter v4.17.0",
             "modelTopology": {"keras_version": "2.15.0", "backend": "tensorflow", "model_config": {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
               {"class_name": "InputLayer", "config": {"name": "input_1", "batch_input_shape": [null, 2]}},
               {"class_name": "Dense", "config": {"name": "dense", "units": 3}},
               {"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.5}},
               {"class_name": "Dense", "config": {"name": "dense_1", "units": 1}}]}}},
             "weightsManifest": [{"paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"], "weights": [
               {"name": "dense/kernel", "shape": [2, 3], "dtype": "float32"},
               {"name": "dense/bias", "shape": [3], "dtype": "float32"},
               {"name": "dense_1/kernel", "shape": [3, 1], "dtype": "float32"},
               {"name": "dense_1/bias", "shape": [1], "dtype": "float32"}]}]}
            """;
        string path = Path.Combine(folder, "model.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>Replaces the first occurrence of a dataspace's dimensions (little-endian 64-bit, as PureHDF writes them).</summary>
    public static byte[] PatchDims(byte[] file, ulong[] find, ulong[] replace)
    {
        byte[] pattern = find.SelectMany(BitConverter.GetBytes).ToArray();
        int at = file.AsSpan().IndexOf(pattern);
        if (at < 0)
        {
            throw new InvalidOperationException("dimensions not found in the written file");
        }

        byte[] patched = (byte[])file.Clone();
        replace.SelectMany(BitConverter.GetBytes).ToArray().CopyTo(patched, at);
        return patched;
    }

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
