using System;

namespace Samples.Circles;

/// <summary>The three models of the Keras BatchNormalization tutorial on two noisy circles (Data/circles.csv):
/// no batch normalization, batch normalization after the ReLU, and before it. Each is defined in Models/*.model
/// and again, with attributes, in AttributeForm.cs.</summary>
public static class Program
{
    public static void Main()
    {
        Console.WriteLine(NoBn.Summary);
        Console.WriteLine(BnAfterRelu.Summary);
        Console.WriteLine(BnBeforeRelu.Summary);
        Console.WriteLine(AttributeForm.NoBn.Summary);
        Console.WriteLine(AttributeForm.BnAfterRelu.Summary);
        Console.WriteLine(AttributeForm.BnBeforeRelu.Summary);
    }
}
