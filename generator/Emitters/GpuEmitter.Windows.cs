using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

// The kernels of the sliding-window layers: conv2d's im2col matrix as a device function (read by the matrix products
// of GpuEmitter.Kernels.cs), conv2d's input gradient, and the pooling layers forward and backward (max and average;
// a sequence is a T x 1 image, a global pool one window over the whole input). The gradients gather: one thread per
// input value sums what every window covering it sends back (a global max pool: one thread per sample and channel
// writes its whole column), so no two threads write one value (no atomics) and the sums run in a fixed order (the
// same result on every run and device).

internal sealed partial class GpuEmitter
{
    /// <summary>The constants of a window's geometry, named as in the kernels' bodies (the window's height where it is used).</summary>
    private static void WriteWindowConstants(SourceWriter w, WindowPlan window, string kind, bool windowHeight = true)
    {
        w.Line($"const int Height = {Int(window.Height)}, Width = {Int(window.Width)}, Channels = {Int(window.Channels)}; // the input image");
        w.Line($"const int {(windowHeight ? $"{kind}Height = {Int(window.WindowHeight)}, " : string.Empty)}{kind}Width = {Int(window.WindowWidth)}, StrideHeight = {Int(window.StrideHeight)}, StrideWidth = {Int(window.StrideWidth)};");
        w.Line($"const int OutputHeight = {Int(window.OutputHeight)}, OutputWidth = {Int(window.OutputWidth)}, PadTop = {Int(window.PadTop)}, PadLeft = {Int(window.PadLeft)};");
    }

    /// <summary>One device function per conv2d (with a window larger than 1x1 or strides): an element of its im2col matrix.</summary>
    private void WritePatchFunctions(SourceWriter w)
    {
        foreach (int layer in _patchFunctions)
        {
            LayerPlan plan = _plan.Layers[layer];
            WindowPlan window = plan.Window!.Value;
            w.Line($"/// <summary>{plan.Name}'s im2col matrix, [rows · {Int(window.Positions)}, {Int(InputsOf(plan))}], read from its input [rows, {Int(window.Height)}, {Int(window.Width)}, {Int(window.Channels)}]: the value");
            w.Line("/// under window offset (ky, kx), channel c (column k = (ky · kw + kx) · channels + c) of window <paramref name=\"row\"/>" + (window.Padded ? ", or 0 in the padding." : "."));
            w.Line("/// </summary>");
            w.Open($"private static float {PatchFunction(layer)}({V} x, int row, int k)");
            WriteWindowConstants(w, window, "Kernel", windowHeight: false);
            w.Line("const int Positions = OutputHeight * OutputWidth;");
            w.Line("int b = row / Positions, p = row - b * Positions;");
            w.Line("int oy = p / OutputWidth, ox = p - oy * OutputWidth;");
            w.Line("int ky = k / (KernelWidth * Channels), rest = k - ky * (KernelWidth * Channels);");
            w.Line("int kx = rest / Channels, c = rest - kx * Channels;");
            w.Line("int iy = oy * StrideHeight - PadTop + ky, ix = ox * StrideWidth - PadLeft + kx;");
            if (window.Padded)
            {
                w.Line("bool inside = iy >= 0 && iy < Height && ix >= 0 && ix < Width;");
                w.Line("// The padding reads index 0 (always there) and yields 0: no read outside x even where the branch is predicated.");
                w.Line("float value = x[inside ? ((b * Height + iy) * Width + ix) * Channels + c : 0];");
                w.Line("return inside ? value : 0f;");
            }
            else
            {
                w.Line("return x[((b * Height + iy) * Width + ix) * Channels + c];");
            }

            w.Close();
            w.Line();
        }
    }

    /// <summary>
    /// A conv2d's input gradient, the transposed convolution of dz: <c>dx[b, iy, ix, c] = Σ dz[b, oy, ox, f] ·
    /// kernel[ky, kx, c, f]</c> over the windows (oy, ox) whose offset (ky, kx) lands on (iy, ix), and the filters.
    /// </summary>
    private GpuKernel ConvolutionInputGradientKernel(int conv)
    {
        LayerPlan layer = _plan.Layers[conv];
        WindowPlan window = layer.Window!.Value;
        int filters = UnitsOf(layer);
        string summary = $"{layer.Name}'s input gradient: the transposed convolution of dz [rows, {Int(window.OutputHeight)}, {Int(window.OutputWidth)}, {Int(filters)}] with the kernel, "
            + "gathered per input value (each sums the windows that cover it); one thread per input value.";
        return new GpuKernel(Pascal(layer.Name) + "InputGradient", summary, GpuLaunch.Elements,
            new[] { P(V, "dz"), P(V, "parameters"), P(V, "dx"), P("int", "count") },
            w =>
            {
                WriteWindowConstants(w, window, "Kernel");
                w.Line($"const int Filters = {Int(filters)}, KernelOffset = {Offset(conv, TensorRole.Kernel)};");
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                WriteImageIndex(w, "ix", "Width", "iy", "Height");
                w.Line("float sum = 0f;");
                w.Open("for (int ky = 0; ky < KernelHeight; ky++)");
                w.Line("// The window whose row ky lies on iy starts at oy · StrideHeight - PadTop = iy - ky.");
                w.Line("int ty = iy + PadTop - ky, oy = ty / StrideHeight;");
                w.Open("if (ty >= 0 && oy * StrideHeight == ty && oy < OutputHeight)");
                w.Open("for (int kx = 0; kx < KernelWidth; kx++)");
                w.Line("int tx = ix + PadLeft - kx, ox = tx / StrideWidth;");
                w.Open("if (tx >= 0 && ox * StrideWidth == tx && ox < OutputWidth)");
                w.Line("int o = ((b * OutputHeight + oy) * OutputWidth + ox) * Filters;");
                w.Line("int weights = KernelOffset + ((ky * KernelWidth + kx) * Channels + c) * Filters;");
                w.Open("for (int f = 0; f < Filters; f++)");
                w.Line("sum += dz[o + f] * parameters[weights + f];");
                w.Close();
                w.Close();
                w.Close();
                w.Close();
                w.Close();
                w.Line();
                w.Line("dx[index] = sum;");
                w.Close();
            });
    }

    /// <summary>Max or average pooling, one thread per output value: the maximum, or the sum in row-major order divided by
    /// their count, of the window's inside positions (the padding of "same" is ignored, as TensorFlow pads max pooling
    /// with -∞ and averages the inside positions only, as does the CPU backend).</summary>
    private GpuKernel PoolingForwardKernel(int pool, bool average)
    {
        LayerPlan layer = _plan.Layers[pool];
        WindowPlan window = layer.Window!.Value;
        return new GpuKernel(Pascal(layer.Name) + "Forward",
            $"{layer.Name}: the {(average ? "mean" : "maximum")} over each {Int(window.WindowHeight)}x{Int(window.WindowWidth)} window per channel, one thread per output value.",
            GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P("int", "count") },
            w =>
            {
                WriteWindowConstants(w, window, "Pool");
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                WriteImageIndex(w, "ox", "OutputWidth", "oy", "OutputHeight");
                WriteWindowBounds(w, window);
                w.Line(average ? "float sum = 0f;" : "float max = x[((b * Height + y0) * Width + x0) * Channels + c];");
                w.Open("for (int iy = y0; iy < y1; iy++)");
                w.Open("for (int ix = x0; ix < x1; ix++)");
                if (average)
                {
                    w.Line("sum += x[((b * Height + iy) * Width + ix) * Channels + c];");
                }
                else
                {
                    w.Line("float v = x[((b * Height + iy) * Width + ix) * Channels + c];");
                    w.Line("max = v > max ? v : max;");
                }

                w.Close();
                w.Close();
                w.Line();
                w.Line(average ? "y[index] = sum / ((y1 - y0) * (x1 - x0));" : "y[index] = max;");
                w.Close();
            });
    }

    /// <summary>
    /// Max pooling's backward pass, one thread per input value: the sum of dy over the windows that cover it and whose
    /// first maximum (in row-major window order, as TensorFlow's MaxPoolGrad and the CPU backend) is this value.
    /// </summary>
    private GpuKernel MaxPoolingBackwardKernel(int pool)
    {
        LayerPlan layer = _plan.Layers[pool];
        WindowPlan window = layer.Window!.Value;
        return new GpuKernel(Pascal(layer.Name) + "Backward",
            $"{layer.Name}'s backward pass: each input value gathers dy from the windows whose first maximum it is; one thread per input value.",
            GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P(V, "dy"), P(V, "dx"), P("int", "count") },
            w =>
            {
                WriteWindowConstants(w, window, "Pool");
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                WriteImageIndex(w, "ix", "Width", "iy", "Height");
                WriteCoveringWindows(w);
                w.Line("float sum = 0f;");
                w.Open("for (int oy = oyFirst; oy < oyEnd; oy++)");
                w.Open("for (int ox = oxFirst; ox < oxEnd; ox++)");
                w.Line("int o = ((b * OutputHeight + oy) * OutputWidth + ox) * Channels + c;");
                WriteWindowBounds(w, window);
                w.Line("int first = -1;");
                w.Open("for (int wy = y0; wy < y1; wy++)");
                w.Open("for (int wx = x0; wx < x1; wx++)");
                w.Line("int at = ((b * Height + wy) * Width + wx) * Channels + c;");
                w.Line("first = first < 0 && x[at] == y[o] ? at : first;");
                w.Close();
                w.Close();
                w.Line();
                w.Line("sum += first == index ? dy[o] : 0f;");
                w.Close();
                w.Close();
                w.Line();
                w.Line("dx[index] = sum;");
                w.Close();
            });
    }

    /// <summary>Average pooling's backward pass, one thread per input value: the sum of dy / (inside positions) over the
    /// windows that cover it, in row-major window order.</summary>
    private GpuKernel AveragePoolingBackwardKernel(int pool)
    {
        LayerPlan layer = _plan.Layers[pool];
        WindowPlan window = layer.Window!.Value;
        return new GpuKernel(Pascal(layer.Name) + "Backward",
            $"{layer.Name}'s backward pass: each input value gathers dy / (the window's inside positions) from the windows that cover it; one thread per input value.",
            GpuLaunch.Elements,
            new[] { P(V, "dy"), P(V, "dx"), P("int", "count") },
            w =>
            {
                WriteWindowConstants(w, window, "Pool");
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                WriteImageIndex(w, "ix", "Width", "iy", "Height");
                WriteCoveringWindows(w);
                w.Line("float sum = 0f;");
                w.Open("for (int oy = oyFirst; oy < oyEnd; oy++)");
                w.Open("for (int ox = oxFirst; ox < oxEnd; ox++)");
                WriteWindowBounds(w, window);
                w.Line("sum += dy[((b * OutputHeight + oy) * OutputWidth + ox) * Channels + c] / ((y1 - y0) * (x1 - x0));");
                w.Close();
                w.Close();
                w.Line();
                w.Line("dx[index] = sum;");
                w.Close();
            });
    }

    /// <summary>
    /// A global max pool's backward pass, one thread per sample and channel: the first position (in row-major order, as
    /// TensorFlow's MaxPoolGrad and the CPU backend) that holds the maximum receives dy, every other position 0. Each
    /// input value belongs to one thread, and the window is scanned once rather than once per input value.
    /// </summary>
    private GpuKernel GlobalMaxPoolingBackwardKernel(int pool)
    {
        LayerPlan layer = _plan.Layers[pool];
        WindowPlan window = layer.Window!.Value;
        return new GpuKernel(Pascal(layer.Name) + "Backward",
            $"{layer.Name}'s backward pass: dy to the first maximum of each sample's channel over all {Int(window.Height * window.Width)} positions, 0 elsewhere; one thread per sample and channel.",
            GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P(V, "dy"), P(V, "dx"), P("int", "count") },
            w =>
            {
                w.Line($"const int Positions = {Int(window.Height * window.Width)}, Channels = {Int(window.Channels)};");
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line("int c = index % Channels, b = index / Channels;");
                w.Line("int start = b * Positions * Channels + c;");
                w.Line("int first = -1;");
                w.Open("for (int p = 0; p < Positions; p++)");
                w.Line("int at = start + p * Channels;");
                w.Line("first = first < 0 && x[at] == y[index] ? at : first;");
                w.Close();
                w.Line();
                w.Open("for (int p = 0; p < Positions; p++)");
                w.Line("int at = start + p * Channels;");
                w.Line("dx[at] = at == first ? dy[index] : 0f;");
                w.Close();
                w.Close();
            });
    }

    /// <summary>The windows (oy, ox) that cover input (iy, ix): from the first whose last row reaches it to the last that
    /// starts at or before it.</summary>
    private static void WriteCoveringWindows(SourceWriter w)
    {
        w.Line("// The windows covering (iy, ix): oy from the first whose last row reaches iy to the last that starts at or before it.");
        w.Line("int ty = iy + PadTop - PoolHeight + 1, tx = ix + PadLeft - PoolWidth + 1;");
        w.Line("int oyFirst = ty <= 0 ? 0 : (ty + StrideHeight - 1) / StrideHeight, oyEnd = global::System.Math.Min((iy + PadTop) / StrideHeight + 1, OutputHeight);");
        w.Line("int oxFirst = tx <= 0 ? 0 : (tx + StrideWidth - 1) / StrideWidth, oxEnd = global::System.Math.Min((ix + PadLeft) / StrideWidth + 1, OutputWidth);");
    }

    /// <summary>Splits a grid-stride <c>index</c> into channels-last image coordinates: sample b, row, column, channel c.</summary>
    private static void WriteImageIndex(SourceWriter w, string column, string width, string row, string height)
    {
        w.Line("int c = index % Channels, p = index / Channels;");
        w.Line($"int {column} = p % {width};");
        w.Line($"p /= {width};");
        w.Line($"int {row} = p % {height}, b = p / {height};");
    }

    /// <summary>The rows y0..y1 and columns x0..x1 of window (oy, ox) that lie inside the input.</summary>
    private static void WriteWindowBounds(SourceWriter w, WindowPlan window)
    {
        w.Line("int top = oy * StrideHeight - PadTop, left = ox * StrideWidth - PadLeft;");
        if (window.Padded)
        {
            w.Line("int y0 = global::System.Math.Max(top, 0), y1 = global::System.Math.Min(top + PoolHeight, Height);");
            w.Line("int x0 = global::System.Math.Max(left, 0), x1 = global::System.Math.Min(left + PoolWidth, Width);");
        }
        else
        {
            w.Line("int y0 = top, y1 = top + PoolHeight, x0 = left, x1 = left + PoolWidth;");
        }
    }
}
