using System;

namespace ModelGen;

// The pooling layers besides MaxPooling2D (ModelAttributes.cs): none has weights. Property defaults are Keras's and
// are repeated by the generator, which only sees the arguments a user wrote.

/// <summary>Keras <c>AveragePooling2D(pool_size)</c> on channels-last images: the mean of each window per channel (with
/// <see cref="Padding.Same"/>, of the positions inside the image only, as Keras).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AveragePooling2DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>average_pooling2d</c>, <c>average_pooling2d_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>Average pooling over square windows of <paramref name="poolSize"/> pixels (default 2).</summary>
    public AveragePooling2DAttribute(int poolSize = 2) => PoolSize = poolSize;

    /// <summary>Size of a square window. <see cref="PoolHeight"/> and <see cref="PoolWidth"/> override it.</summary>
    public int PoolSize { get; }

    /// <summary>Window height, for a window that is not square.</summary>
    public int PoolHeight { get; set; }

    /// <summary>Window width, for a window that is not square.</summary>
    public int PoolWidth { get; set; }

    /// <summary>Step in both directions (default: the pool size).</summary>
    public int Strides { get; set; }

    /// <summary>Vertical step.</summary>
    public int StrideHeight { get; set; }

    /// <summary>Horizontal step.</summary>
    public int StrideWidth { get; set; }

    /// <summary>Padding (default <see cref="Padding.Valid"/>).</summary>
    public Padding Padding { get; set; } = Padding.Valid;
}

/// <summary>Keras <c>MaxPooling1D(pool_size)</c> on <c>timesteps x features</c> sequences: the maximum over each window of
/// timesteps, per feature.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPooling1DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>max_pooling1d</c>, <c>max_pooling1d_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>Max pooling over windows of <paramref name="poolSize"/> timesteps (default 2).</summary>
    public MaxPooling1DAttribute(int poolSize = 2) => PoolSize = poolSize;

    /// <summary>Timesteps per window.</summary>
    public int PoolSize { get; }

    /// <summary>Step between windows (default: the pool size).</summary>
    public int Strides { get; set; }

    /// <summary>Padding (default <see cref="Padding.Valid"/>).</summary>
    public Padding Padding { get; set; } = Padding.Valid;
}

/// <summary>Keras <c>AveragePooling1D(pool_size)</c> on <c>timesteps x features</c> sequences: the mean over each window
/// of timesteps, per feature (with <see cref="Padding.Same"/>, of the timesteps inside the sequence only).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AveragePooling1DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>average_pooling1d</c>, <c>average_pooling1d_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>Average pooling over windows of <paramref name="poolSize"/> timesteps (default 2).</summary>
    public AveragePooling1DAttribute(int poolSize = 2) => PoolSize = poolSize;

    /// <summary>Timesteps per window.</summary>
    public int PoolSize { get; }

    /// <summary>Step between windows (default: the pool size).</summary>
    public int Strides { get; set; }

    /// <summary>Padding (default <see cref="Padding.Valid"/>).</summary>
    public Padding Padding { get; set; } = Padding.Valid;
}

/// <summary>Keras <c>GlobalAveragePooling1D()</c>: the mean over the timesteps of a sequence, one vector of features per
/// sample.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAveragePooling1DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>global_average_pooling1d</c>, … counted per layer type).</summary>
    public string? Name { get; set; }
}

/// <summary>Keras <c>GlobalMaxPooling1D()</c>: the maximum over the timesteps of a sequence, one vector of features per
/// sample.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalMaxPooling1DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>global_max_pooling1d</c>, … counted per layer type).</summary>
    public string? Name { get; set; }
}

/// <summary>Keras <c>GlobalAveragePooling2D()</c>: the mean over the height and width of a channels-last image, one vector
/// of channels per sample (a CNN's usual head before the last Dense).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAveragePooling2DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>global_average_pooling2d</c>, … counted per layer type).</summary>
    public string? Name { get; set; }
}

/// <summary>Keras <c>GlobalMaxPooling2D()</c>: the maximum over the height and width of a channels-last image, one vector
/// of channels per sample.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalMaxPooling2DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>global_max_pooling2d</c>, … counted per layer type).</summary>
    public string? Name { get; set; }
}
