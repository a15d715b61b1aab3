using System;
using System.Collections.Generic;
using System.Linq;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Samples.Shared;

/// <summary>
/// The ILGPU context and accelerator that a sample's <c>--gpu</c> option trains on: the best accelerator present (a
/// CUDA GPU, then an OpenCL one, then ILGPU's CPU accelerator, which is always there), in a context with
/// ILGPU.Algorithms enabled (it gives CUDA the math functions the kernels call). Compiled only into the samples that
/// reference ILGPU (see samples/Directory.Build.targets).
/// </summary>
internal sealed class GpuAccelerator : IDisposable
{
    private readonly List<IDisposable> _owned = new();

    private GpuAccelerator(Context context, Accelerator accelerator)
    {
        Context = context;
        Accelerator = accelerator;
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    /// <summary>The accelerator's name and type, e.g. "NVIDIA H100 (Cuda)" or "CPUAccelerator (CPU)".</summary>
    public string Description => $"{Accelerator.Name} ({Accelerator.AcceleratorType})";

    /// <summary>Creates a context with algorithms enabled and an accelerator on <see cref="BestDevice"/>.</summary>
    public static GpuAccelerator CreateBest()
    {
        Context context = Context.Create(builder => builder.Default().EnableAlgorithms());
        try
        {
            return new GpuAccelerator(context, BestDevice(context).CreateAccelerator(context));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The best device of <paramref name="context"/>: a CUDA GPU, then an OpenCL one, then ILGPU's CPU accelerator.</summary>
    public static Device BestDevice(Context context) =>
        context.Devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.Cuda)
        ?? context.Devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.OpenCL)
        ?? context.GetPreferredDevice(preferCPU: true);

    /// <summary>Keeps <paramref name="model"/> (an <c>M.Gpu</c> on this accelerator) to dispose with the accelerator, before it.</summary>
    public TModel Own<TModel>(TModel model)
        where TModel : IDisposable
    {
        _owned.Add(model);
        return model;
    }

    /// <summary>Disposes the models given to <see cref="Own"/>, then the accelerator, then the context.</summary>
    public void Dispose()
    {
        _owned.ForEach(model => model.Dispose());
        _owned.Clear();
        Accelerator.Dispose();
        Context.Dispose();
    }
}
