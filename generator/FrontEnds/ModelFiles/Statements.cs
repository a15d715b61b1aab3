using System;
using System.Collections.Generic;
using ModelGen.Generator.Description;
using ModelGen.Generator.Shared;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>The layer statements and <c>compile</c> of SPEC §1 as tables: each statement's positional value, its keys
/// and Keras's defaults. Adding a key means adding a <see cref="KeySyntax{T}"/> here and reading it in the builder.</summary>
internal static class Statements
{
    /// <summary>The <c>metrics</c> names: <c>accuracy</c> or <c>none</c>.</summary>
    public static readonly IReadOnlyDictionary<string, bool> Metrics = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase)
    {
        ["accuracy"] = true,
        ["none"] = false,
    };

    // Layer keys.
    /// <summary>A default as the key's documentation shows it (<c>0.99</c>).</summary>
    private static string Text(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static readonly KeySyntax<string> LayerName = new("name", "hidden_1", ValueParsers.Identifier);
    private static readonly KeySyntax<int> Units = new("units", "64", ValueParsers.Integer);
    private static readonly KeySyntax<ActivationKind> Activation = new("activation", "relu", ValueParsers.Name("activation", Names.Activations));
    private static readonly KeySyntax<ActivationKind> RecurrentActivation = new("recurrent_activation", "sigmoid", ValueParsers.Name("activation", Names.Activations));
    private static readonly KeySyntax<bool> UseBias = new("use_bias", "false", ValueParsers.Boolean);
    private static readonly KeySyntax<InitializerKind> KernelInitializer = new("kernel_initializer", "he_uniform", ValueParsers.Name("initializer", Names.Initializers));
    private static readonly KeySyntax<InitializerKind> BiasInitializer = new("bias_initializer", "zeros", ValueParsers.Name("initializer", Names.Initializers));
    private static readonly KeySyntax<double> BatchNormalizationMomentum = new("momentum", Text(KerasDefaults.BatchNormalizationMomentum), ValueParsers.Number);
    private static readonly KeySyntax<double> BatchNormalizationEpsilon = new("epsilon", Text(KerasDefaults.BatchNormalizationEpsilon), ValueParsers.Number);
    private static readonly KeySyntax<bool> Center = new("center", "false", ValueParsers.Boolean);
    private static readonly KeySyntax<bool> Scale = new("scale", "false", ValueParsers.Boolean);
    private static readonly KeySyntax<double> Rate = new("rate", "0.5", ValueParsers.Number);
    private static readonly KeySyntax<int> Seed = new("seed", "42", ValueParsers.Integer);
    private static readonly KeySyntax<int> Filters = new("filters", "32", ValueParsers.Integer);
    private static readonly KeySyntax<(int Height, int Width)> KernelSize = new("kernel_size", "3x3", ValueParsers.Size);
    private static readonly KeySyntax<(int Height, int Width)> Strides = new("strides", "2", ValueParsers.Size);
    private static readonly KeySyntax<PaddingKind> Padding = new("padding", "same", ValueParsers.Name("padding", Names.Paddings));
    private static readonly KeySyntax<int> KernelLength = new("kernel_size", "3", ValueParsers.Integer);
    private static readonly KeySyntax<(int Height, int Width)> PoolSize = new("pool_size", "2", ValueParsers.Size);
    private static readonly KeySyntax<int> PoolSize1D = new("pool_size", "2", ValueParsers.Integer);
    private static readonly KeySyntax<int> Strides1D = new("strides", "2", ValueParsers.Integer);
    private static readonly KeySyntax<bool> ReturnSequences = new("return_sequences", "true", ValueParsers.Boolean);
    private static readonly KeySyntax<bool> ResetAfter = new("reset_after", "false", ValueParsers.Boolean);

    // Compile keys.
    private static readonly KeySyntax<LossKind> Loss = new("loss", "binary_crossentropy", ValueParsers.Name("loss", Names.Losses));
    private static readonly KeySyntax<OptimizerKind> Optimizer = new("optimizer", "adam", ValueParsers.Name("optimizer", Names.Optimizers));
    private static readonly KeySyntax<double> LearningRate = new("learning_rate", "0.001", ValueParsers.Number);
    private static readonly KeySyntax<double> SgdMomentum = new("momentum", "0.9", ValueParsers.Number);
    private static readonly KeySyntax<bool> Nesterov = new("nesterov", "true", ValueParsers.Boolean);
    private static readonly KeySyntax<double> Decay = new("decay", "1e-6", ValueParsers.Number);
    private static readonly KeySyntax<double> Beta1 = new("beta_1", Text(KerasDefaults.AdamBeta1), ValueParsers.Number);
    private static readonly KeySyntax<double> Beta2 = new("beta_2", Text(KerasDefaults.AdamBeta2), ValueParsers.Number);
    private static readonly KeySyntax<double> AdamEpsilon = new("epsilon", "1e-7", ValueParsers.Number); // KerasDefaults.AdamEpsilon, as Keras writes it
    private static readonly KeySyntax<bool> Accuracy = new("metrics", "accuracy", ValueParsers.Name("metric", Metrics));
    private static readonly KeySyntax<int> BatchSize = new("batch_size", "32", ValueParsers.Integer);

    /// <summary>A layer statement: its own keys and <c>name</c> (Keras's layer name; every layer takes it).</summary>
    private static StatementSyntax<LayerSpec> Layer(
        string keyword, string usage, KeySyntax? positional, bool isPositionalRequired, KeySyntax[] keys, Func<StatementArguments, LayerSpec> build)
    {
        var all = new KeySyntax[keys.Length + 1];
        keys.CopyTo(all, 0);
        all[keys.Length] = LayerName;
        return new StatementSyntax<LayerSpec>(keyword, usage, positional, isPositionalRequired, all,
            values => build(values) with { Name = values.Has(LayerName) ? values.Get(LayerName, string.Empty) : null });
    }

    /// <summary><c>dense units</c>: activation (linear), use_bias (true), kernel_initializer (glorot_uniform), bias_initializer (zeros).</summary>
    public static readonly StatementSyntax<LayerSpec> Dense = Layer(
        "dense",
        "dense 64 activation=relu",
        Units,
        isPositionalRequired: true,
        [Activation, UseBias, KernelInitializer, BiasInitializer],
        static values => new DenseSpec(
            values.Get(Units, 0),
            values.Get(Activation, ActivationKind.Linear),
            values.Get(UseBias, true),
            values.Get(KernelInitializer, InitializerKind.GlorotUniform),
            values.Get(BiasInitializer, InitializerKind.Zeros)));

    /// <summary><c>batch_normalization</c>: momentum (0.99), epsilon (0.001), center (true), scale (true).</summary>
    public static readonly StatementSyntax<LayerSpec> BatchNormalization = Layer(
        "batch_normalization",
        "batch_normalization momentum=0.99",
        positional: null,
        isPositionalRequired: false,
        [BatchNormalizationMomentum, BatchNormalizationEpsilon, Center, Scale],
        static values => new BatchNormalizationSpec(
            values.Get(BatchNormalizationMomentum, BatchNormalizationSpec.DefaultMomentum),
            values.Get(BatchNormalizationEpsilon, BatchNormalizationSpec.DefaultEpsilon),
            values.Get(Center, true),
            values.Get(Scale, true)));

    /// <summary><c>activation name</c>.</summary>
    public static readonly StatementSyntax<LayerSpec> ActivationLayer = Layer(
        "activation",
        "activation relu",
        Activation,
        isPositionalRequired: true,
        [],
        static values => new ActivationSpec(values.Get(Activation, ActivationKind.Linear)));

    /// <summary><c>dropout rate</c>: seed (none: derived from the model's seed).</summary>
    public static readonly StatementSyntax<LayerSpec> Dropout = Layer(
        "dropout",
        "dropout 0.5",
        Rate,
        isPositionalRequired: true,
        [Seed],
        static values => new DropoutSpec(values.Get(Rate, 0), values.Has(Seed) ? values.Get(Seed, 0) : null));

    /// <summary><c>conv2d filters</c>: kernel_size (3x3), strides (1x1), padding (valid), activation (linear), use_bias
    /// (true), kernel_initializer (glorot_uniform), bias_initializer (zeros).</summary>
    public static readonly StatementSyntax<LayerSpec> Conv2D = Layer(
        "conv2d",
        "conv2d 32 kernel_size=3x3 activation=relu",
        Filters,
        isPositionalRequired: true,
        [KernelSize, Strides, Padding, Activation, UseBias, KernelInitializer, BiasInitializer],
        static values =>
        {
            (int kernelHeight, int kernelWidth) = values.Get(KernelSize, (3, 3));
            (int strideHeight, int strideWidth) = values.Get(Strides, (1, 1));
            return new Conv2DSpec(
                values.Get(Filters, 0),
                kernelHeight,
                kernelWidth,
                strideHeight,
                strideWidth,
                values.Get(Padding, PaddingKind.Valid),
                values.Get(Activation, ActivationKind.Linear),
                values.Get(UseBias, true),
                values.Get(KernelInitializer, InitializerKind.GlorotUniform),
                values.Get(BiasInitializer, InitializerKind.Zeros));
        });

    /// <summary><c>conv1d filters</c> over a sequence: kernel_size (3), strides (1), padding (valid), activation (linear),
    /// use_bias (true), kernel_initializer (glorot_uniform), bias_initializer (zeros). A conv2d of height 1.</summary>
    public static readonly StatementSyntax<LayerSpec> Conv1D = Layer(
        "conv1d",
        "conv1d 32 kernel_size=3 activation=relu",
        Filters,
        isPositionalRequired: true,
        [KernelLength, Strides1D, Padding, Activation, UseBias, KernelInitializer, BiasInitializer],
        static values => new Conv2DSpec(
            values.Get(Filters, 0),
            1,
            values.Get(KernelLength, 3),
            1,
            values.Get(Strides1D, 1),
            values.Get(Padding, PaddingKind.Valid),
            values.Get(Activation, ActivationKind.Linear),
            values.Get(UseBias, true),
            values.Get(KernelInitializer, InitializerKind.GlorotUniform),
            values.Get(BiasInitializer, InitializerKind.Zeros)) { Sequence = true });

    /// <summary><c>max_pooling2d [pool_size]</c> (2x2): strides (the pool size), padding (valid).</summary>
    public static readonly StatementSyntax<LayerSpec> MaxPooling2D = Layer(
        "max_pooling2d",
        "max_pooling2d 2",
        PoolSize,
        isPositionalRequired: false,
        [Strides, Padding],
        static values =>
        {
            (int poolHeight, int poolWidth) = values.Get(PoolSize, (2, 2));
            (int strideHeight, int strideWidth) = values.Get(Strides, (poolHeight, poolWidth));
            return new MaxPooling2DSpec(poolHeight, poolWidth, strideHeight, strideWidth, values.Get(Padding, PaddingKind.Valid));
        });

    /// <summary><c>average_pooling2d [pool_size]</c> (2x2): strides (the pool size), padding (valid).</summary>
    public static readonly StatementSyntax<LayerSpec> AveragePooling2D = Layer(
        "average_pooling2d",
        "average_pooling2d 2",
        PoolSize,
        isPositionalRequired: false,
        [Strides, Padding],
        static values =>
        {
            (int poolHeight, int poolWidth) = values.Get(PoolSize, (2, 2));
            (int strideHeight, int strideWidth) = values.Get(Strides, (poolHeight, poolWidth));
            return new AveragePooling2DSpec(poolHeight, poolWidth, strideHeight, strideWidth, values.Get(Padding, PaddingKind.Valid));
        });

    /// <summary><c>max_pooling1d [pool_size]</c> (2): strides (the pool size), padding (valid).</summary>
    public static readonly StatementSyntax<LayerSpec> MaxPooling1D = Layer(
        "max_pooling1d",
        "max_pooling1d 2",
        PoolSize1D,
        isPositionalRequired: false,
        [Strides1D, Padding],
        static values =>
        {
            int pool = values.Get(PoolSize1D, 2);
            return new MaxPooling1DSpec(pool, values.Get(Strides1D, pool), values.Get(Padding, PaddingKind.Valid));
        });

    /// <summary><c>average_pooling1d [pool_size]</c> (2): strides (the pool size), padding (valid).</summary>
    public static readonly StatementSyntax<LayerSpec> AveragePooling1D = Layer(
        "average_pooling1d",
        "average_pooling1d 2",
        PoolSize1D,
        isPositionalRequired: false,
        [Strides1D, Padding],
        static values =>
        {
            int pool = values.Get(PoolSize1D, 2);
            return new AveragePooling1DSpec(pool, values.Get(Strides1D, pool), values.Get(Padding, PaddingKind.Valid));
        });

    /// <summary><c>global_average_pooling1d</c>.</summary>
    public static readonly StatementSyntax<LayerSpec> GlobalAveragePooling1D = Layer(
        "global_average_pooling1d", "global_average_pooling1d", positional: null, isPositionalRequired: false, [], static _ => new GlobalAveragePooling1DSpec());

    /// <summary><c>global_max_pooling1d</c>.</summary>
    public static readonly StatementSyntax<LayerSpec> GlobalMaxPooling1D = Layer(
        "global_max_pooling1d", "global_max_pooling1d", positional: null, isPositionalRequired: false, [], static _ => new GlobalMaxPooling1DSpec());

    /// <summary><c>global_average_pooling2d</c>.</summary>
    public static readonly StatementSyntax<LayerSpec> GlobalAveragePooling2D = Layer(
        "global_average_pooling2d", "global_average_pooling2d", positional: null, isPositionalRequired: false, [], static _ => new GlobalAveragePooling2DSpec());

    /// <summary><c>global_max_pooling2d</c>.</summary>
    public static readonly StatementSyntax<LayerSpec> GlobalMaxPooling2D = Layer(
        "global_max_pooling2d", "global_max_pooling2d", positional: null, isPositionalRequired: false, [], static _ => new GlobalMaxPooling2DSpec());

    /// <summary><c>flatten</c>.</summary>
    public static readonly StatementSyntax<LayerSpec> Flatten = Layer(
        "flatten",
        "flatten",
        positional: null,
        isPositionalRequired: false,
        [],
        static _ => new FlattenSpec());

    /// <summary><c>lstm units</c>: activation (tanh), recurrent_activation (sigmoid), return_sequences (false).</summary>
    public static readonly StatementSyntax<LayerSpec> Lstm = Layer(
        "lstm",
        "lstm 64 return_sequences=true",
        Units,
        isPositionalRequired: true,
        [Activation, RecurrentActivation, ReturnSequences],
        static values => new LstmSpec(
            values.Get(Units, 0),
            values.Get(Activation, ActivationKind.Tanh),
            values.Get(RecurrentActivation, ActivationKind.Sigmoid),
            values.Get(ReturnSequences, false)));

    /// <summary><c>gru units</c>: activation (tanh), recurrent_activation (sigmoid), return_sequences (false), reset_after (true).</summary>
    public static readonly StatementSyntax<LayerSpec> Gru = Layer(
        "gru",
        "gru 32 reset_after=true",
        Units,
        isPositionalRequired: true,
        [Activation, RecurrentActivation, ReturnSequences, ResetAfter],
        static values => new GruSpec(
            values.Get(Units, 0),
            values.Get(Activation, ActivationKind.Tanh),
            values.Get(RecurrentActivation, ActivationKind.Sigmoid),
            values.Get(ReturnSequences, false),
            values.Get(ResetAfter, true)));

    /// <summary><c>compile loss</c> (the loss may be written alone or as <c>loss=</c>): optimizer (sgd), learning_rate
    /// (the optimizer's Keras default), momentum (0), nesterov (false), decay (0), beta_1 (0.9), beta_2 (0.999),
    /// epsilon (1e-7), metrics (accuracy), batch_size (32).</summary>
    public static readonly StatementSyntax<CompileSpec> Compile = new(
        "compile",
        "compile loss=binary_crossentropy optimizer=adam",
        Loss,
        isPositionalRequired: true,
        [Optimizer, LearningRate, SgdMomentum, Nesterov, Decay, Beta1, Beta2, AdamEpsilon, Accuracy, BatchSize],
        static values =>
        {
            OptimizerKind optimizer = values.Get(Optimizer, OptimizerKind.Sgd);
            return new CompileSpec(
                values.Get(Loss, LossKind.BinaryCrossentropy),
                optimizer,
                values.Get(LearningRate, CompileSpec.DefaultLearningRate(optimizer)),
                values.Get(SgdMomentum, 0.0),
                values.Get(Nesterov, false),
                values.Get(Decay, 0.0),
                values.Get(Beta1, KerasDefaults.AdamBeta1),
                values.Get(Beta2, KerasDefaults.AdamBeta2),
                values.Get(AdamEpsilon, KerasDefaults.AdamEpsilon),
                values.Get(Accuracy, true),
                values.Get(BatchSize, CompileSpec.DefaultBatchSize));
        });

    /// <summary>The statement of each layer kind.</summary>
    public static StatementSyntax<LayerSpec> Layer(LayerKind kind) => kind switch
    {
        LayerKind.Dense => Dense,
        LayerKind.BatchNormalization => BatchNormalization,
        LayerKind.Activation => ActivationLayer,
        LayerKind.Dropout => Dropout,
        LayerKind.Conv2D => Conv2D,
        LayerKind.Conv1D => Conv1D,
        LayerKind.MaxPooling2D => MaxPooling2D,
        LayerKind.Flatten => Flatten,
        LayerKind.Lstm => Lstm,
        LayerKind.Gru => Gru,
        LayerKind.AveragePooling2D => AveragePooling2D,
        LayerKind.MaxPooling1D => MaxPooling1D,
        LayerKind.AveragePooling1D => AveragePooling1D,
        LayerKind.GlobalAveragePooling1D => GlobalAveragePooling1D,
        LayerKind.GlobalMaxPooling1D => GlobalMaxPooling1D,
        LayerKind.GlobalAveragePooling2D => GlobalAveragePooling2D,
        LayerKind.GlobalMaxPooling2D => GlobalMaxPooling2D,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No statement for this layer kind."),
    };
}
