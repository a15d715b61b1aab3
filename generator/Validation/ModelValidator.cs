using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Validation;

/// <summary>
/// Checks a model description against SPEC §6: argument ranges (MG0003), structure (MG0004), shapes (MG0005),
/// loss against output (MG0006), the BatchNormalization advice (MG0007–MG0010, MG0014) and duplicate types (MG0013).
/// A pure function of the description, its source map and the other models' type names, so the generator (for
/// <c>.model</c> files) and <c>ModelAnalyzer</c> (for attributes) run the same checks. The result starts with the
/// front end's own diagnostics.
/// </summary>
internal static class ModelValidator
{
    public static EquatableArray<DiagnosticInfo> Validate(ModelDefinition model, EquatableArray<ModelTypeEntry> modelTypes)
    {
        var context = new Context(model);
        context.Diagnostics.AddRange(model.Diagnostics);

        CheckDuplicateType(context, modelTypes);

        // A front end that found errors may have left out the broken input or layer; "no input" would repeat it.
        if (!context.HasErrors)
        {
            CheckStructure(context);
        }

        CheckArguments(context);

        // Shapes and the loss only make sense once every layer's arguments do.
        if (!context.HasErrors && model.Spec.Input is not null && !model.Spec.Layers.IsEmpty)
        {
            if (CheckShapes(context))
            {
                CheckLoss(context);
            }
        }

        CheckBatchNormalizationAdvice(context);
        return context.Diagnostics.ToEquatableArray();
    }

    private sealed class Context(ModelDefinition model)
    {
        public ModelDefinition Model { get; } = model;

        public ModelSpec Spec => Model.Spec;

        public ModelSourceMap Map => Model.Map;

        public EquatableArray<string> Names { get; } = LayerShapes.Names(model.Spec.Layers);

        public List<DiagnosticInfo> Diagnostics { get; } = new();

        public bool HasErrors => Diagnostics.Exists(static d => d.IsError);

        /// <summary>How a key is spelled in this model's front end: <c>use_bias=false</c> or <c>UseBias = false</c>.</summary>
        public string Setting(string snakeKey, string value) => Model.Origin == ModelOrigin.ModelFile
            ? snakeKey + "=" + value
            : Pascal(snakeKey) + " = " + value;

        public string Key(string snakeKey) => Model.Origin == ModelOrigin.ModelFile ? snakeKey : Pascal(snakeKey);

        public void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            Diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

        private static string Pascal(string snakeKey)
        {
            var builder = new System.Text.StringBuilder(snakeKey.Length);
            bool upper = true;
            foreach (char c in snakeKey)
            {
                if (c == '_')
                {
                    upper = true;
                    continue;
                }

                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }

            return builder.ToString();
        }
    }

    // MG0013: a .model file and another model (file or attributes) that generate the same type. Attribute models
    // always win: their class exists in C# anyway, so only the .model side is reported and left ungenerated.
    private static void CheckDuplicateType(Context context, EquatableArray<ModelTypeEntry> modelTypes)
    {
        if (context.Model.Origin != ModelOrigin.ModelFile)
        {
            return;
        }

        string fullName = context.Model.Type.FullName;
        foreach (ModelTypeEntry other in modelTypes)
        {
            bool isSelf = other.Origin == ModelOrigin.ModelFile && other.SourceName == context.Model.SourceName;
            if (!isSelf && other.FullName == fullName)
            {
                string where = other.Origin == ModelOrigin.ModelFile
                    ? "'" + other.SourceName + "'"
                    : "the [Model] class in '" + other.SourceName + "'";
                context.Report(DiagnosticDescriptors.DuplicateModelType, context.Map.Model, fullName, where);
                return;
            }
        }
    }

    // MG0004: what a model cannot do without. (The front ends report order problems: input not first, two models.)
    private static void CheckStructure(Context context)
    {
        bool file = context.Model.Origin == ModelOrigin.ModelFile;
        if (context.Spec.Input is null)
        {
            context.Report(
                DiagnosticDescriptors.BadStructure,
                context.Map.Model,
                file
                    ? $"Model '{context.Model.Type.Name}' has no input shape: add 'input N' (features), 'input TxF' or 'input HxWxC' right after the model statement"
                    : $"Model '{context.Model.Type.Name}' has no input shape: add [Input(features)], [Input(timesteps, features)] or [Input(height, width, channels)] before the first layer");
        }

        if (context.Spec.Layers.IsEmpty)
        {
            context.Report(
                DiagnosticDescriptors.BadStructure,
                context.Map.Model,
                $"Model '{context.Model.Type.Name}' has no layers: add at least one layer, e.g. " + (file ? "'dense 1 activation=sigmoid'" : "[Dense(1, Activation = Activation.Sigmoid)]"));
        }
    }

    // MG0003: layer names unique within the model (as Keras requires), and distinct as the C# members made from them.
    private static void CheckNames(Context context)
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var byMember = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < context.Names.Count; i++)
        {
            string name = context.Names[i];
            LocationInfo? location = context.Map.LayerKey(i, "name");
            string member = Planning.StoragePlanner.Pascal(name);
            if (!Names.IsIdentifier(name))
            {
                context.Report(DiagnosticDescriptors.BadArgument, location, $"Layer name '{name}' must be letters, digits and underscores, not starting with a digit (C# members are made from it), e.g. hidden_1");
            }
            else if (byName.TryGetValue(name, out int first))
            {
                context.Report(DiagnosticDescriptors.BadArgument, location, $"Layer name '{name}' is already the name of layer {Format(first + 1)}: layer names are unique within a model, as in Keras; choose another {context.Key("name")}");
            }
            else if (byMember.TryGetValue(member, out int clash))
            {
                context.Report(DiagnosticDescriptors.BadArgument, location, $"Layer names '{context.Names[clash]}' and '{name}' both become the C# member prefix '{member}' ({member}Kernel, …): rename one");
            }
            else
            {
                byName.Add(name, i);
                byMember.Add(member, i);
            }
        }
    }

    // MG0003: numbers out of their range. Unknown keys and names are the front ends' (they cannot be described).
    private static void CheckArguments(Context context)
    {
        if (context.Spec.Input is { } input)
        {
            foreach (int dimension in input.Shape)
            {
                if (dimension <= 0)
                {
                    context.Report(DiagnosticDescriptors.BadArgument, context.Map.Input, $"Input dimension {Format(dimension)} must be at least 1");
                    break;
                }
            }
        }

        CheckNames(context);
        for (int i = 0; i < context.Spec.Layers.Count; i++)
        {
            string name = context.Names[i];
            switch (context.Spec.Layers[i])
            {
                case DenseSpec dense:
                    Positive(context, i, "units", dense.Units, $"dense '{name}'");
                    MatrixInitializer(context, i, dense.BiasInitializer, $"dense '{name}'");
                    break;
                case LstmSpec lstm:
                    Positive(context, i, "units", lstm.Units, $"lstm '{name}'");
                    if (lstm.Activation == ActivationKind.Softmax || lstm.RecurrentActivation == ActivationKind.Softmax)
                    {
                        string key = lstm.Activation == ActivationKind.Softmax ? "activation" : "recurrent_activation";
                        context.Report(
                            DiagnosticDescriptors.BadArgument,
                            context.Map.LayerKey(i, key),
                            $"lstm '{name}' cannot use softmax as its {key}: the gates and the cell are elementwise; use tanh or sigmoid, and a dense softmax layer for probabilities");
                    }

                    break;
                case GruSpec gru:
                    Positive(context, i, "units", gru.Units, $"gru '{name}'");
                    if (gru.Activation == ActivationKind.Softmax || gru.RecurrentActivation == ActivationKind.Softmax)
                    {
                        string key = gru.Activation == ActivationKind.Softmax ? "activation" : "recurrent_activation";
                        context.Report(
                            DiagnosticDescriptors.BadArgument,
                            context.Map.LayerKey(i, key),
                            $"gru '{name}' cannot use softmax as its {key}: the gates and the candidate are elementwise; use tanh or sigmoid, and a dense softmax layer for probabilities");
                    }

                    break;
                case Conv2DSpec conv:
                    string convKind = Description.Names.Of(conv.Kind);
                    Positive(context, i, "filters", conv.Filters, $"{convKind} '{name}'");
                    Positive(context, i, "kernel_size", System.Math.Min(conv.KernelHeight, conv.KernelWidth), $"{convKind} '{name}'");
                    Positive(context, i, "strides", System.Math.Min(conv.StrideHeight, conv.StrideWidth), $"{convKind} '{name}'");
                    MatrixInitializer(context, i, conv.BiasInitializer, $"{convKind} '{name}'");
                    break;
                case MaxPooling2DSpec pool:
                    Positive(context, i, "pool_size", System.Math.Min(pool.PoolHeight, pool.PoolWidth), $"max_pooling2d '{name}'");
                    Positive(context, i, "strides", System.Math.Min(pool.StrideHeight, pool.StrideWidth), $"max_pooling2d '{name}'");
                    break;
                case AveragePooling2DSpec pool:
                    Positive(context, i, "pool_size", System.Math.Min(pool.PoolHeight, pool.PoolWidth), $"average_pooling2d '{name}'");
                    Positive(context, i, "strides", System.Math.Min(pool.StrideHeight, pool.StrideWidth), $"average_pooling2d '{name}'");
                    break;
                case MaxPooling1DSpec pool:
                    Positive(context, i, "pool_size", pool.PoolSize, $"max_pooling1d '{name}'");
                    Positive(context, i, "strides", pool.Stride, $"max_pooling1d '{name}'");
                    break;
                case AveragePooling1DSpec pool:
                    Positive(context, i, "pool_size", pool.PoolSize, $"average_pooling1d '{name}'");
                    Positive(context, i, "strides", pool.Stride, $"average_pooling1d '{name}'");
                    break;
                case DropoutSpec dropout when !(dropout.Rate >= 0 && dropout.Rate < 1):
                    context.Report(
                        DiagnosticDescriptors.BadArgument,
                        context.Map.LayerKey(i, "rate"),
                        $"Dropout rate {Format(dropout.Rate)} of '{name}' must be in [0, 1): it is the fraction of inputs dropped in training, e.g. 0.2");
                    break;
                case BatchNormalizationSpec bn:
                    if (!(bn.Momentum >= 0 && bn.Momentum <= 1))
                    {
                        context.Report(
                            DiagnosticDescriptors.BadArgument,
                            context.Map.LayerKey(i, "momentum"),
                            $"BatchNormalization momentum {Format(bn.Momentum)} of '{name}' must be in [0, 1]: it is the weight of the old moving statistic (Keras's default 0.99)");
                    }

                    if (!(bn.Epsilon > 0) || double.IsInfinity(bn.Epsilon))
                    {
                        context.Report(
                            DiagnosticDescriptors.BadArgument,
                            context.Map.LayerKey(i, "epsilon"),
                            $"BatchNormalization epsilon {Format(bn.Epsilon)} of '{name}' must be greater than 0: it keeps the division by sqrt(variance + epsilon) finite (Keras's default 0.001)");
                    }

                    break;
            }
        }

        if (context.Spec.Compile is { } compile)
        {
            CheckCompile(context, compile);
        }
    }

    private static void CheckCompile(Context context, CompileSpec compile)
    {
        if (!(compile.LearningRate > 0) || double.IsInfinity(compile.LearningRate))
        {
            context.Report(DiagnosticDescriptors.BadArgument, context.Map.CompileKey("learning_rate"), $"{context.Key("learning_rate")} {Format(compile.LearningRate)} must be greater than 0 (Keras's default: 0.01 for sgd, 0.001 for adam)");
        }

        if (!(compile.Momentum >= 0 && compile.Momentum <= 1))
        {
            context.Report(DiagnosticDescriptors.BadArgument, context.Map.CompileKey("momentum"), $"SGD {context.Key("momentum")} {Format(compile.Momentum)} must be in [0, 1], e.g. 0.9");
        }

        if (!(compile.Decay >= 0) || double.IsInfinity(compile.Decay))
        {
            context.Report(DiagnosticDescriptors.BadArgument, context.Map.CompileKey("decay"), $"{context.Key("decay")} {Format(compile.Decay)} must be 0 or more: the learning rate is lr / (1 + decay * iterations)");
        }

        if (!(compile.Beta1 >= 0 && compile.Beta1 < 1))
        {
            context.Report(DiagnosticDescriptors.BadArgument, context.Map.CompileKey("beta_1"), $"Adam {context.Key("beta_1")} {Format(compile.Beta1)} must be in [0, 1) (Keras's default 0.9)");
        }

        if (!(compile.Beta2 >= 0 && compile.Beta2 < 1))
        {
            context.Report(DiagnosticDescriptors.BadArgument, context.Map.CompileKey("beta_2"), $"Adam {context.Key("beta_2")} {Format(compile.Beta2)} must be in [0, 1) (Keras's default 0.999)");
        }

        if (!(compile.Epsilon > 0) || double.IsInfinity(compile.Epsilon))
        {
            context.Report(DiagnosticDescriptors.BadArgument, context.Map.CompileKey("epsilon"), $"Adam {context.Key("epsilon")} {Format(compile.Epsilon)} must be greater than 0 (Keras's default 1e-07)");
        }

        if (compile.BatchSize <= 0)
        {
            context.Report(DiagnosticDescriptors.BadArgument, context.Map.CompileKey("batch_size"), $"{context.Key("batch_size")} {Format(compile.BatchSize)} must be at least 1 (default 32)");
        }
    }

    private static void Positive(Context context, int layer, string key, int value, string what)
    {
        if (value <= 0)
        {
            context.Report(
                DiagnosticDescriptors.BadArgument,
                context.Map.LayerKey(layer, key),
                $"{context.Key(key)} of {what} is {Format(value)} but must be at least 1");
        }
    }

    // MG0005: run the shapes through every layer; the first layer that does not fit is reported.
    private static bool CheckShapes(Context context)
    {
        TensorShape shape = TensorShape.FromInput(context.Spec.Input!);
        long values = shape.Size;
        for (int i = 0; i < context.Spec.Layers.Count; i++)
        {
            if (!LayerShapes.TryInfer(context.Spec.Layers[i], context.Names[i], shape, out TensorShape output, out string? error))
            {
                string source = i == 0 ? "the input" : $"'{context.Names[i - 1]}'";
                context.Report(DiagnosticDescriptors.ShapeError, context.Map.Layer(i), $"{error} (input of this layer comes from {source})");
                return false;
            }

            if (output.Size > int.MaxValue || (long)LayerShapes.Parameters(context.Spec.Layers[i], shape).Trainable > int.MaxValue)
            {
                context.Report(DiagnosticDescriptors.ShapeError, context.Map.Layer(i), $"'{context.Names[i]}' is too large: {output} has {output.Size} values per sample");
                return false;
            }

            values = output.Size;
            shape = output;
        }

        return values > 0;
    }

    // MG0003: orthogonal initializes matrices (Keras raises for a 1-D shape): not a bias.
    private static void MatrixInitializer(Context context, int layer, InitializerKind bias, string what)
    {
        if (bias == InitializerKind.Orthogonal)
        {
            context.Report(
                DiagnosticDescriptors.BadArgument,
                context.Map.LayerKey(layer, "bias_initializer"),
                $"The {context.Key("bias_initializer")} of {what} cannot be orthogonal: a bias is a vector, orthogonal initializes matrices; use zeros");
        }
    }

    // MG0006: the loss needs a particular output. Trailing dropout (identity at inference) and batch_normalization
    // (MG0007's business) are looked through to find the output activation.
    private static void CheckLoss(Context context)
    {
        if (context.Spec.Compile is not { } compile || compile.Loss == LossKind.MeanSquaredError)
        {
            return;
        }

        (ActivationKind activation, int layer) = OutputActivation(context.Spec.Layers);
        TensorShape output = OutputShape(context.Spec);
        string loss = context.Model.Origin == ModelOrigin.ModelFile ? Description.Names.Of(compile.Loss) : "Loss." + compile.Loss;
        LocationInfo? location = context.Map.CompileKey("loss");
        string outputText = $"the output is {output} with {Description.Names.Of(activation)} from '{context.Names[layer]}'";
        if (compile.Loss == LossKind.BinaryCrossentropy)
        {
            if (!output.IsVector || output.D0 != 1 || activation != ActivationKind.Sigmoid)
            {
                context.Report(
                    DiagnosticDescriptors.LossOutputMismatch,
                    location,
                    $"{loss} needs one sigmoid unit as the output, but {outputText}: end with "
                    + (context.Model.Origin == ModelOrigin.ModelFile ? "'dense 1 activation=sigmoid'" : "[Dense(1, Activation = Activation.Sigmoid)]")
                    + ", or use categorical_crossentropy with a softmax for several classes");
            }
        }
        else if (!output.IsVector || output.D0 < 2 || activation != ActivationKind.Softmax)
        {
            context.Report(
                DiagnosticDescriptors.LossOutputMismatch,
                location,
                $"{loss} needs a softmax over at least 2 units as the output, but {outputText}: end with "
                + (context.Model.Origin == ModelOrigin.ModelFile ? "'dense N activation=softmax'" : "[Dense(N, Activation = Activation.Softmax)]")
                + " (N classes), or use binary_crossentropy with one sigmoid unit for two classes");
        }
    }

    private static (ActivationKind Activation, int Layer) OutputActivation(EquatableArray<LayerSpec> layers)
    {
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            switch (layers[i])
            {
                case DropoutSpec or BatchNormalizationSpec or FlattenSpec:
                    continue;
                case ActivationSpec activation:
                    return (activation.Activation, i);
                case DenseSpec dense:
                    return (dense.Activation, i);
                case Conv2DSpec conv:
                    return (conv.Activation, i);
                case LstmSpec:
                    return (ActivationKind.Linear, i);
                case GruSpec:
                    return (ActivationKind.Linear, i);
                default:
                    return (ActivationKind.Linear, i);
            }
        }

        return (ActivationKind.Linear, 0);
    }

    private static TensorShape OutputShape(ModelSpec spec)
    {
        TensorShape shape = TensorShape.FromInput(spec.Input!);
        foreach (LayerSpec layer in spec.Layers)
        {
            LayerShapes.TryInfer(layer, string.Empty, shape, out shape, out _);
        }

        return shape;
    }

    // MG0007–MG0010, MG0014: models that build and train, but not the way their author expects.
    private static void CheckBatchNormalizationAdvice(Context context)
    {
        EquatableArray<LayerSpec> layers = context.Spec.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec layer = layers[i];
            LayerSpec? next = i + 1 < layers.Count ? layers[i + 1] : null;
            string name = context.Names[i];

            if (layer is BatchNormalizationSpec bn)
            {
                CheckBatchNormalizationPlacement(context, i);
                if (bn.Momentum >= 0 && bn.Momentum < 0.5)
                {
                    context.Report(
                        DiagnosticDescriptors.LowBatchNormalizationMomentum,
                        context.Map.LayerKey(i, "momentum"),
                        name,
                        Format(bn.Momentum),
                        Format(1 - bn.Momentum));
                }

                if (next is BatchNormalizationSpec)
                {
                    context.Report(
                        DiagnosticDescriptors.RepeatedLayer,
                        context.Map.Layer(i + 1),
                        $"BatchNormalization '{context.Names[i + 1]}' directly follows BatchNormalization '{name}': the second one normalizes an already normalized output and only adds parameters; remove one");
                }
            }

            if (next is BatchNormalizationSpec)
            {
                CheckRedundantBias(context, i, layer, name);
                if (layer is DropoutSpec)
                {
                    context.Report(DiagnosticDescriptors.DropoutBeforeBatchNormalization, context.Map.Layer(i), name, context.Names[i + 1]);
                }
            }

            if (next is ActivationSpec { Activation: not ActivationKind.Linear } repeated && AppliedActivation(layer) == repeated.Activation)
            {
                string activation = Description.Names.Of(repeated.Activation);
                context.Report(
                    DiagnosticDescriptors.RepeatedLayer,
                    context.Map.Layer(i + 1),
                    $"Activation '{context.Names[i + 1]}' applies {activation} again right after '{name}' already did: remove one of them");
            }
        }
    }

    private static void CheckBatchNormalizationPlacement(Context context, int index)
    {
        EquatableArray<LayerSpec> layers = context.Spec.Layers;
        bool isLast = true;
        for (int j = index + 1; j < layers.Count; j++)
        {
            if (layers[j] is not DropoutSpec)
            {
                isLast = false;
                break;
            }
        }

        // The activation feeding this BN, looking back through dropout and other BNs.
        ActivationKind before = ActivationKind.Linear;
        for (int j = index - 1; j >= 0; j--)
        {
            if (layers[j] is DropoutSpec or BatchNormalizationSpec)
            {
                continue;
            }

            before = AppliedActivation(layers[j]) ?? ActivationKind.Linear;
            break;
        }

        string name = context.Names[index];
        if (isLast && before is ActivationKind.Softmax or ActivationKind.Sigmoid)
        {
            context.Report(
                DiagnosticDescriptors.BatchNormalizationAfterOutput,
                context.Map.Layer(index),
                $"BatchNormalization '{name}' comes after the output's {Description.Names.Of(before)}: the model's outputs stop being probabilities (they are shifted and scaled, can be negative or above 1); put the BatchNormalization before the {Description.Names.Of(before)} or remove it");
        }
        else if (isLast)
        {
            context.Report(
                DiagnosticDescriptors.BatchNormalizationAfterOutput,
                context.Map.Layer(index),
                $"BatchNormalization '{name}' is the last layer: the model's outputs are standardized batch statistics rather than predictions; end with a Dense output layer after it");
        }
        else if (before is ActivationKind.Softmax or ActivationKind.Sigmoid && !HasWeightsAfter(layers, index))
        {
            context.Report(
                DiagnosticDescriptors.BatchNormalizationAfterOutput,
                context.Map.Layer(index),
                $"BatchNormalization '{name}' comes after the output's {Description.Names.Of(before)}: the model's outputs stop being probabilities; put it before the {Description.Names.Of(before)}");
        }
    }

    private static bool HasWeightsAfter(EquatableArray<LayerSpec> layers, int index)
    {
        for (int j = index + 1; j < layers.Count; j++)
        {
            if (layers[j] is DenseSpec or Conv2DSpec or LstmSpec or GruSpec)
            {
                return true;
            }
        }

        return false;
    }

    private static void CheckRedundantBias(Context context, int index, LayerSpec layer, string name)
    {
        (string kind, bool hasBias, ActivationKind activation) = layer switch
        {
            DenseSpec dense => ("Dense", dense.UseBias, dense.Activation),
            Conv2DSpec conv => (Description.Names.KerasClassOf(conv.Kind), conv.UseBias, conv.Activation),
            _ => (string.Empty, false, ActivationKind.Linear),
        };

        // Only a linear output feeds its bias straight into BN's mean subtraction; after a non-linearity it matters.
        if (hasBias && activation == ActivationKind.Linear)
        {
            context.Report(
                DiagnosticDescriptors.RedundantBiasBeforeBatchNormalization,
                context.Map.Layer(index),
                kind,
                name,
                context.Setting("use_bias", "false"));
        }
    }

    /// <summary>The activation a layer applies to its output, or null for layers that apply none.</summary>
    private static ActivationKind? AppliedActivation(LayerSpec layer) => layer switch
    {
        DenseSpec dense => dense.Activation,
        Conv2DSpec conv => conv.Activation,
        ActivationSpec activation => activation.Activation,
        LstmSpec lstm => lstm.Activation,
        GruSpec gru => gru.Activation,
        _ => null,
    };

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
