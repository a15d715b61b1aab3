using System;
using ModelGen.Generator.Description;
using Xunit;

namespace ModelGen.Tests.Generation;

/// <summary>The attribute front end reads enum arguments as numbers: the runtime's public enums and the generator's
/// copies must agree name for name and number for number.</summary>
public class EnumContractTests
{
    [Theory]
    [InlineData(typeof(ModelGen.Activation), typeof(ActivationKind))]
    [InlineData(typeof(ModelGen.Initializer), typeof(InitializerKind))]
    [InlineData(typeof(ModelGen.Loss), typeof(LossKind))]
    [InlineData(typeof(ModelGen.Optimizer), typeof(OptimizerKind))]
    [InlineData(typeof(ModelGen.Padding), typeof(PaddingKind))]
    public void RuntimeAndGeneratorEnumsAgree(Type runtime, Type generator)
    {
        Assert.Equal(Enum.GetNames(runtime), Enum.GetNames(generator));
        foreach (string name in Enum.GetNames(runtime))
        {
            Assert.Equal(Convert.ToInt32(Enum.Parse(runtime, name)), Convert.ToInt32(Enum.Parse(generator, name)));
        }
    }

    [Fact]
    public void EveryKindHasAKerasName()
    {
        foreach (ActivationKind kind in Enum.GetValues<ActivationKind>())
        {
            Assert.Equal(kind, Names.Activations[Names.Of(kind)]);
        }

        foreach (InitializerKind kind in Enum.GetValues<InitializerKind>())
        {
            Assert.Equal(kind, Names.Initializers[Names.Of(kind)]);
        }

        foreach (LayerKind kind in Enum.GetValues<LayerKind>())
        {
            Assert.Equal(kind, Names.Layers[Names.Of(kind)]);
        }
    }
}
