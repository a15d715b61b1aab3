using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Shared;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

// Row and elementwise kernels on the GPU (conventions: GpuEmitter.Kernels.cs): softmax, activations, dropout, and the
// activation functions the kernels call as device functions.
internal sealed partial class GpuEmitter
{
    // ---------------------------------------------------------------------------------------------------------------
    // Row and elementwise kernels.

    /// <summary>Softmax over each row, one thread per row: <c>e^(x - max) / Σ e^(x - max)</c>, the sum in double.</summary>
    private static GpuKernel SoftmaxKernel(string name, string what, int features) =>
        new(name, $"{what}: softmax over each row of {Int(features)} values, one thread per row.", GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P("int", "rows") },
            w =>
            {
                w.Line($"const int Features = {Int(features)};");
                w.Open("for (int r = FirstIndex; r < rows; r += GridStride)");
                w.Line("int o = r * Features;");
                w.Line("float max = x[o];");
                w.Open("for (int c = 1; c < Features; c++)");
                w.Line("max = x[o + c] > max ? x[o + c] : max;");
                w.Close();
                w.Line();
                w.Line("double sum = 0;");
                w.Open("for (int c = 0; c < Features; c++)");
                w.Line("float e = global::System.MathF.Exp(x[o + c] - max);");
                w.Line("y[o + c] = e;");
                w.Line("sum += e;");
                w.Close();
                w.Line();
                w.Line("float total = (float)sum;");
                w.Open("for (int c = 0; c < Features; c++)");
                w.Line("y[o + c] /= total;");
                w.Close();
                w.Close();
            });

    /// <summary>The softmax Jacobian-vector product per row: <c>dx = y · (dy - Σ dy·y)</c>.</summary>
    private static GpuKernel SoftmaxBackwardKernel(string name, string what, int features) =>
        new(name, $"{what}: the softmax's backward pass dx = y · (dy - Σ dy·y), one thread per row.", GpuLaunch.Elements,
            new[] { P(V, "y"), P(V, "dy"), P(V, "dx"), P("int", "rows") },
            w =>
            {
                w.Line($"const int Features = {Int(features)};");
                w.Open("for (int r = FirstIndex; r < rows; r += GridStride)");
                w.Line("int o = r * Features;");
                w.Line("double dot = 0;");
                w.Open("for (int c = 0; c < Features; c++)");
                w.Line("dot += (double)y[o + c] * dy[o + c];");
                w.Close();
                w.Line();
                w.Line("float d = (float)dot;");
                w.Open("for (int c = 0; c < Features; c++)");
                w.Line("dx[o + c] = y[o + c] * (dy[o + c] - d);");
                w.Close();
                w.Close();
            });

    /// <summary>An Activation layer on its own, one thread per value.</summary>
    private GpuKernel ActivationForwardKernel(string name, string what, ActivationKind activation) =>
        new(name, $"{what}: {Names.Of(activation)}, one thread per value.", GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P("int", "count") },
            w =>
            {
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line($"y[index] = {ActivationCall(activation, "x[index]")};");
                w.Close();
            });

    /// <summary>The backward pass of an Activation layer on its own, one thread per value.</summary>
    private GpuKernel ActivationBackwardKernel(string name, string what, ActivationKind activation) =>
        new(name, $"{what}: dx = {Names.Of(activation)}'(x) · dy, one thread per value.", GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P(V, "dy"), P(V, "dx"), P("int", "count") },
            w =>
            {
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line($"dx[index] = {ActivationBackwardCall(activation, "x[index]", "y[index]", "dy[index]")};");
                w.Close();
            });

    /// <summary>Inverted dropout in training: a mask drawn from a counter-based hash of (seed, step, index).</summary>
    private static GpuKernel DropoutForwardKernel(LayerPlan layer, DropoutSpec dropout) =>
        new(Pascal(layer.Name) + "Forward",
            $"{layer.Name} in training: keeps each value with probability 1 - {Num(dropout.Rate)}, scaled by 1 / (1 - rate); the mask is a hash of (seed, step, index), the same on every device.",
            GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "mask"), P(V, "y"), P("int", "count"), P("uint", "seed"), P("uint", "step") },
            w =>
            {
                w.Line($"const float Rate = {F(dropout.Rate)}, Keep = 1f / (1f - Rate);");
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line("float m = DropoutUniform(seed, step, index) < Rate ? 0f : Keep;");
                w.Line("mask[index] = m;");
                w.Line("y[index] = x[index] * m;");
                w.Close();
            });

    private static GpuKernel DropoutBackwardKernel(LayerPlan layer) =>
        new(Pascal(layer.Name) + "Backward", $"{layer.Name}'s backward pass: dx = dy · mask.", GpuLaunch.Elements,
            new[] { P(V, "dy"), P(V, "mask"), P(V, "dx"), P("int", "count") },
            w =>
            {
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line("dx[index] = dy[index] * mask[index];");
                w.Close();
            });

    // ---------------------------------------------------------------------------------------------------------------
    // Activations as device functions.

    private readonly SortedSet<ActivationKind> _activations = new();
    private readonly SortedSet<ActivationKind> _activationBackwards = new();

    private string ActivationCall(ActivationKind activation, string x)
    {
        if (activation == ActivationKind.Linear)
        {
            return x;
        }

        _activations.Add(activation);
        return $"{activation}({x})";
    }

    /// <summary>dy · act'(x) given x (the activation's input) and y (its output): gelu and swish need x, the others y.</summary>
    private string ActivationBackwardCall(ActivationKind activation, string x, string y, string dy)
    {
        switch (activation)
        {
            case ActivationKind.Linear:
                return dy;
            case ActivationKind.Gelu:
            case ActivationKind.Swish:
                _activationBackwards.Add(activation);
                return $"{activation}Backward({x}, {dy})";
            default:
                _activationBackwards.Add(activation);
                return $"{activation}Backward({y}, {dy})";
        }
    }

    /// <summary>The activations the kernels call, as static device functions (Keras 3's constants).</summary>
    private void WriteActivationFunctions(SourceWriter w)
    {
        bool erf = false;
        foreach (ActivationKind activation in _activations)
        {
            string body = activation switch
            {
                ActivationKind.Relu => "x < 0f ? 0f : x", // NaN stays NaN, as on the CPU
                ActivationKind.Tanh => "global::System.MathF.Tanh(x)",
                ActivationKind.Sigmoid => "1f / (1f + global::System.MathF.Exp(-x))",
                ActivationKind.Elu => "x > 0f ? x : global::System.MathF.Exp(x) - 1f",
                ActivationKind.LeakyRelu => "x > 0f ? x : x * 0.2f",
                ActivationKind.Gelu => "0.5f * x * (1f + Erf(x * 0.70710677f))", // 1 / sqrt(2)
                ActivationKind.Swish => "x * (1f / (1f + global::System.MathF.Exp(-x)))",
                ActivationKind.Selu => "1.050701f * (x > 0f ? x : 1.6732632f * (global::System.MathF.Exp(x) - 1f))",
                ActivationKind.Softplus => "x > 13.942385f ? x : x < -13.942385f ? global::System.MathF.Exp(x) : global::System.MathF.Log(1f + global::System.MathF.Exp(x))",
                ActivationKind.HardSigmoid => "global::System.MathF.Min(global::System.MathF.Max(x * 0.16666667f + 0.5f, 0f), 1f)",
                ActivationKind.HardSigmoidKeras2 => "global::System.MathF.Min(global::System.MathF.Max(x * 0.2f + 0.5f, 0f), 1f)",
                _ => throw new System.ArgumentOutOfRangeException(nameof(activation), activation, "No GPU form."),
            };
            erf |= activation == ActivationKind.Gelu;
            w.Line($"/// <summary>{Names.Of(activation)}(x){ActivationNote(activation)}.</summary>");
            w.Line($"private static float {activation}(float x) => {body};");
            w.Line();
        }

        foreach (ActivationKind activation in _activationBackwards)
        {
            (string Parameters, string Body) f = activation switch
            {
                ActivationKind.Relu => ("float y, float dy", "y > 0f ? dy : 0f"),
                ActivationKind.Tanh => ("float y, float dy", "dy * (1f - y * y)"),
                ActivationKind.Sigmoid => ("float y, float dy", "dy * (y * (1f - y))"),
                ActivationKind.Elu => ("float y, float dy", "y > 0f ? dy : dy * (y + 1f)"),
                ActivationKind.LeakyRelu => ("float y, float dy", "y > 0f ? dy : dy * 0.2f"),
                ActivationKind.Gelu => ("float x, float dy", "dy * (x * (0.3989423f * global::System.MathF.Exp(-0.5f * x * x)) + (0.5f * Erf(x * 0.70710677f) + 0.5f))"),
                ActivationKind.Selu => ("float y, float dy", "y > 0f ? dy * 1.050701f : dy * (y + 1.7580993f)"), // scale, scale · alpha
                ActivationKind.Softplus => ("float y, float dy", "dy * (1f - global::System.MathF.Exp(-y))"),
                ActivationKind.HardSigmoid => ("float y, float dy", "y > 0f && y < 1f ? dy * 0.16666667f : 0f"),
                ActivationKind.HardSigmoidKeras2 => ("float y, float dy", "y > 0f && y < 1f ? dy * 0.2f : 0f"),
                _ => ("float x, float dy", "dy * (1f / (1f + global::System.MathF.Exp(-x)) * (x * (1f - 1f / (1f + global::System.MathF.Exp(-x))) + 1f))"),
            };
            erf |= activation == ActivationKind.Gelu;
            string given = f.Parameters.StartsWith("float x", System.StringComparison.Ordinal) ? "its input x" : "its output y";
            w.Line($"/// <summary>dy · {Names.Of(activation)}'(x), from {given}.</summary>");
            w.Line($"private static float {activation}Backward({f.Parameters}) => {f.Body};");
            w.Line();
        }

        if (erf)
        {
            w.Line("/// <summary>erf(x): the rational approximation of the CPU backend (odd degree 13 over even degree 8 on [-4, 4]).</summary>");
            w.Open("private static float Erf(float x)");
            w.Line($"x = x < -{F(ErfApproximation.Limit)} ? -{F(ErfApproximation.Limit)} : x > {F(ErfApproximation.Limit)} ? {F(ErfApproximation.Limit)} : x;");
            w.Line("float x2 = x * x;");
            double[] numerator = ErfApproximation.Numerator(), denominator = ErfApproximation.Denominator();
            w.Line($"float p = {F(numerator[0])};");
            foreach (double c in numerator.Skip(1))
            {
                w.Line($"p = x2 * p + {F(c)};");
            }

            w.Line("p = x * p;");
            w.Line($"float q = {F(denominator[0])};");
            foreach (double c in denominator.Skip(1))
            {
                w.Line($"q = x2 * q + {F(c)};");
            }

            w.Line("return p / q;");
            w.Close();
            w.Line();
        }
    }

    private static string ActivationNote(ActivationKind activation) => activation switch
    {
        ActivationKind.LeakyRelu => ", negative slope 0.2",
        ActivationKind.Elu => ", alpha 1",
        ActivationKind.Gelu => ", the exact (erf) form",
        ActivationKind.Selu => ", Keras's alpha and scale",
        ActivationKind.HardSigmoid => ", Keras 3's relu6(x + 3) / 6",
        ActivationKind.HardSigmoidKeras2 => ", Keras 2's clip(0.2x + 0.5, 0, 1)",
        _ => string.Empty,
    };
}
