using System;

namespace Samples.ModelZoo;

/// <summary>Prints the summary of every model in the zoo (Models/*.model; AttributeForm.cs has the same models).</summary>
public static class Program
{
    public static void Main()
    {
        Console.WriteLine(TanhDropoutMlp.Summary);
        Console.WriteLine(DigitsCnn.Summary);
        Console.WriteLine(SequenceClassifier.Summary);
        Console.WriteLine(AttributeForm.TanhDropoutMlp.Summary);
        Console.WriteLine(AttributeForm.DigitsCnn.Summary);
        Console.WriteLine(AttributeForm.SequenceClassifier.Summary);
    }
}
