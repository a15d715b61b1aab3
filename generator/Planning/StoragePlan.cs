using System.Collections.Generic;
using System.Text;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.Planning;

/// <summary>What a weight tensor is for.</summary>
internal enum TensorRole
{
    Kernel,
    Bias,
    Gamma,
    Beta,
    MovingMean,
    MovingVariance,

    /// <summary>An lstm's recurrent kernel <c>[units, 4 · units]</c>.</summary>
    RecurrentKernel,
}

/// <summary>
/// One weight tensor of the model, in Keras's <c>get_weights()</c> order. Trainable tensors live in one flat array
/// (so that gradients and optimizer slots share its layout and the optimizer is one pass), non-trainable ones
/// (BatchNormalization's moving statistics) in another; <see cref="Offset"/> is into the tensor's own array.
/// </summary>
internal sealed record TensorPlan(
    int Layer,
    TensorRole Role,
    string KerasName,
    string Member,
    bool Trainable,
    int Offset,
    int Length,
    EquatableArray<int> Shape,
    InitializerKind Initializer,
    int FanIn,
    int FanOut);

/// <summary>How the loss gradient enters the network (SPEC §4: the cross-entropies on probabilities).</summary>
internal enum OutputGradientKind
{
    /// <summary>dL/d(output) from the loss, then the layers' own backward passes.</summary>
    General,

    /// <summary>Sigmoid + binary cross-entropy: dL/dz = (p - y) / batch, straight into the sigmoid's input.</summary>
    SigmoidBinaryCrossentropy,

    /// <summary>Softmax + categorical cross-entropy (one-hot or sparse): dL/dz = (p - y) / batch.</summary>
    SoftmaxCrossentropy,
}

internal static class StoragePlanner
{
    /// <summary>The model's tensors in Keras order, with offsets into the trainable and non-trainable arrays.</summary>
    public static EquatableArray<TensorPlan> Tensors(IReadOnlyList<LayerPlan> layers)
    {
        var tensors = new List<TensorPlan>();
        int trainable = 0, state = 0;

        void Add(LayerPlan layer, TensorRole role, bool isTrainable, int[] shape, InitializerKind initializer, int fanIn, int fanOut)
        {
            int length = 1;
            foreach (int dimension in shape)
            {
                length *= dimension;
            }

            string suffix = role switch
            {
                TensorRole.Kernel => "kernel",
                TensorRole.RecurrentKernel => "recurrent_kernel",
                TensorRole.Bias => "bias",
                TensorRole.Gamma => "gamma",
                TensorRole.Beta => "beta",
                TensorRole.MovingMean => "moving_mean",
                _ => "moving_variance",
            };
            int offset = isTrainable ? trainable : state;
            tensors.Add(new TensorPlan(layer.Index, role, layer.Name + "/" + suffix, Pascal(layer.Name) + Pascal(suffix), isTrainable, offset, length, shape.ToEquatableArray(), initializer, fanIn, fanOut));
            if (isTrainable)
            {
                trainable += length;
            }
            else
            {
                state += length;
            }
        }

        foreach (LayerPlan layer in layers)
        {
            switch (layer.Spec)
            {
                case DenseSpec dense:
                    Add(layer, TensorRole.Kernel, true, [layer.Input.Last, dense.Units], dense.KernelInitializer, layer.Input.Last, dense.Units);
                    if (dense.UseBias)
                    {
                        Add(layer, TensorRole.Bias, true, [dense.Units], dense.BiasInitializer, layer.Input.Last, dense.Units);
                    }

                    break;
                case Conv2DSpec conv:
                    int receptive = conv.KernelHeight * conv.KernelWidth;
                    Add(layer, TensorRole.Kernel, true, conv.Sequence ? [conv.KernelWidth, layer.Input.Last, conv.Filters] : [conv.KernelHeight, conv.KernelWidth, layer.Input.Last, conv.Filters], conv.KernelInitializer, receptive * layer.Input.Last, receptive * conv.Filters);
                    if (conv.UseBias)
                    {
                        Add(layer, TensorRole.Bias, true, [conv.Filters], conv.BiasInitializer, 0, 0);
                    }

                    break;
                case LstmSpec lstm:
                    // Keras: kernel glorot_uniform, recurrent kernel orthogonal, bias zeros but the forget gate's ones
                    // (unit_forget_bias); gates i, f, c, o in blocks of `units` columns.
                    int gates = 4 * lstm.Units;
                    Add(layer, TensorRole.Kernel, true, [layer.Input.Last, gates], InitializerKind.GlorotUniform, layer.Input.Last, gates);
                    Add(layer, TensorRole.RecurrentKernel, true, [lstm.Units, gates], InitializerKind.Orthogonal, lstm.Units, gates);
                    Add(layer, TensorRole.Bias, true, [gates], InitializerKind.Zeros, 0, 0);
                    break;
                case GruSpec gru:
                    // Keras: kernel glorot_uniform, recurrent kernel orthogonal, bias zeros; gates z, r, h; with
                    // reset_after the bias is [2, 3u] (input bias, recurrent bias).
                    int gruGates = 3 * gru.Units;
                    Add(layer, TensorRole.Kernel, true, [layer.Input.Last, gruGates], InitializerKind.GlorotUniform, layer.Input.Last, gruGates);
                    Add(layer, TensorRole.RecurrentKernel, true, [gru.Units, gruGates], InitializerKind.Orthogonal, gru.Units, gruGates);
                    Add(layer, TensorRole.Bias, true, gru.ResetAfter ? [2, gruGates] : [gruGates], InitializerKind.Zeros, 0, 0);
                    break;
                case BatchNormalizationSpec bn:
                    int features = layer.Input.Last;
                    if (bn.Scale)
                    {
                        Add(layer, TensorRole.Gamma, true, [features], InitializerKind.Ones, 0, 0);
                    }

                    if (bn.Center)
                    {
                        Add(layer, TensorRole.Beta, true, [features], InitializerKind.Zeros, 0, 0);
                    }

                    Add(layer, TensorRole.MovingMean, false, [features], InitializerKind.Zeros, 0, 0);
                    Add(layer, TensorRole.MovingVariance, false, [features], InitializerKind.Ones, 0, 0);
                    break;
            }
        }

        return tensors.ToEquatableArray();
    }

    /// <summary><c>batch_normalization_1</c> → <c>BatchNormalization1</c>.</summary>
    public static string Pascal(string snake)
    {
        var builder = new StringBuilder(snake.Length);
        bool upper = true;
        foreach (char c in snake)
        {
            if (c == '_' || c == '/')
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
