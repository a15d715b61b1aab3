using System;
using System.Collections.Generic;
using ActivationKind = ModelGen.Activation;

namespace ModelGen.CompilerServices;

public sealed partial class OnnxGraphBuilder
{
    /// <summary>
    /// Adds a Keras GRU layer (one direction, zero initial state) on a sequence, as <see cref="Lstm"/> does an LSTM:
    /// <c>Reshape</c> and <c>Transpose</c> to ONNX's <c>[timesteps, N, features]</c>, ONNX's <c>GRU</c>, then every
    /// step's hidden state <c>[N, timesteps · units]</c> (return_sequences) or the last one <c>[N, units]</c>.
    /// </summary>
    /// <remarks>ONNX's GRU has Keras's gate order z, r, h and Keras's output <c>h_t = (1 − z) ⊙ h~ + z ⊙ h_{t-1}</c>; its
    /// weights are Keras's transposed (<c>W [1, 3·units, features]</c>, <c>R [1, 3·units, units]</c>), its bias
    /// <c>[1, 6·units]</c> the input bias then the recurrent bias. reset_after is <c>linear_before_reset=1</c>; without it
    /// Keras has one bias, which becomes the input bias (the recurrent one zero), and <c>linear_before_reset=0</c>.</remarks>
    /// <param name="name">The Keras layer name, the <c>GRU</c> node's name.</param>
    /// <param name="kernel">The kernel, <c>[features, 3 · units]</c> row-major, gate blocks z, r, h.</param>
    /// <param name="recurrentKernel">The recurrent kernel, <c>[units, 3 · units]</c> row-major.</param>
    /// <param name="bias">The bias: <c>[2, 3 · units]</c> with <paramref name="resetAfter"/>, else <c>[3 · units]</c>; or empty.</param>
    /// <param name="timesteps">Timesteps of the input sequence.</param>
    /// <param name="features">Features per timestep.</param>
    /// <param name="units">The layer's units.</param>
    /// <param name="activation">The candidate's activation (ONNX's g).</param>
    /// <param name="recurrentActivation">The gates' activation (ONNX's f).</param>
    /// <param name="returnSequences">Whether the output is every timestep's hidden state.</param>
    /// <param name="resetAfter">Keras's reset_after (ONNX's linear_before_reset).</param>
    /// <exception cref="NotSupportedException">An activation is gelu, swish or softmax, which ONNX's GRU lacks.</exception>
    public void Gru(
        string name, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrentKernel, ReadOnlySpan<float> bias,
        int timesteps, int features, int units, ActivationKind activation = ActivationKind.Tanh,
        ActivationKind recurrentActivation = ActivationKind.Sigmoid, bool returnSequences = false, bool resetAfter = true)
    {
        CheckName(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timesteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        if ((long)timesteps * features != Width)
        {
            throw new ArgumentException($"GRU '{name}' takes {timesteps} timesteps of {features} features ({(long)timesteps * features} values), but the graph's output has {Width} values per sample.", nameof(features));
        }

        long gates = 3L * units;
        CheckLength(kernel.Length, features * gates, nameof(kernel), $"[{features}, {gates}]");
        CheckLength(recurrentKernel.Length, units * gates, nameof(recurrentKernel), $"[{units}, {gates}]");
        if (!bias.IsEmpty)
        {
            CheckLength(bias.Length, (resetAfter ? 2 : 1) * gates, nameof(bias), resetAfter ? $"[2, {gates}] or empty" : $"[{gates}] or empty");
        }

        if ((long)timesteps * units > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(units), units, $"GRU '{name}': {timesteps} timesteps of {units} units are too many values per sample.");
        }

        var f = GruActivation(name, recurrentActivation, nameof(recurrentActivation));
        var g = GruActivation(name, activation, nameof(activation));

        // W[row, k] = kernel[k, row]: the same gate blocks, transposed.
        int width = (int)gates;
        var w = new float[width * features];
        var r = new float[width * units];
        for (int row = 0; row < width; row++)
        {
            for (int k = 0; k < features; k++)
            {
                w[row * features + k] = kernel[k * width + row];
            }

            for (int k = 0; k < units; k++)
            {
                r[row * units + k] = recurrentKernel[k * width + row];
            }
        }

        var inputsOfGru = new List<string>
        {
            string.Empty,
            AddInitializer(name + "/kernel", new long[] { 1, width, features }, w),
            AddInitializer(name + "/recurrent_kernel", new long[] { 1, width, units }, r),
        };
        if (!bias.IsEmpty)
        {
            var b = new float[2 * width];
            bias.CopyTo(b); // [Wb, Rb] with reset_after; Wb alone (Rb zero) otherwise.
            inputsOfGru.Add(AddInitializer(name + "/bias", new long[] { 1, 2 * width }, b));
        }

        var attributes = new List<Attribute>
        {
            Attribute.Of("hidden_size", (long)units),
            Attribute.Of("activations", new[] { f.Name, g.Name }),
            Attribute.Of("linear_before_reset", resetAfter ? 1L : 0L),
        };
        float? firstAlpha = f.Alpha ?? g.Alpha, firstBeta = f.Beta ?? g.Beta;
        if (firstAlpha is { } alpha)
        {
            attributes.Add(Attribute.Of("activation_alpha", new[] { f.Alpha ?? alpha, g.Alpha ?? alpha }));
        }

        if (firstBeta is { } beta)
        {
            attributes.Add(Attribute.Of("activation_beta", new[] { f.Beta ?? beta, g.Beta ?? beta }));
        }

        ToFlat(name + "/flatten");
        AddNode(name + "/to_sequence", "Reshape", _current, AddInitializer(name + "/sequence_shape", new long[] { -1, timesteps, features }));
        AddNode(name + "/to_time_major", "Transpose", new[] { _current }, Attribute.Of("perm", new long[] { 1, 0, 2 }));
        inputsOfGru[0] = _current;
        if (returnSequences)
        {
            AddNode(name, "GRU", inputsOfGru.ToArray(), attributes.ToArray());
            AddNode(name + "/to_batch_major", "Transpose", new[] { _current }, Attribute.Of("perm", new long[] { 2, 0, 1, 3 }));
            AddNode(name + "/sequences", "Reshape", _current, AddInitializer(name + "/sequences_shape", new long[] { -1, (long)timesteps * units }));
            Width = timesteps * units;
        }
        else
        {
            AddNode(name, "GRU", inputsOfGru.ToArray(), attributes.ToArray(), outputIndex: 1);
            AddNode(name + "/last", "Reshape", _current, AddInitializer(name + "/last_shape", new long[] { -1, units }));
            Width = units;
        }
    }

    /// <summary>The ONNX GRU activation of a Keras activation (the LSTM's table).</summary>
    private static (string Name, float? Alpha, float? Beta) GruActivation(string layer, ActivationKind activation, string parameter) =>
        activation is ActivationKind.Gelu or ActivationKind.Swish or ActivationKind.Softmax
            ? throw new NotSupportedException($"GRU '{layer}' has {parameter} {KerasName(activation)}, which ONNX's GRU operator does not have.")
            : LstmActivation(layer, activation, parameter);
}
