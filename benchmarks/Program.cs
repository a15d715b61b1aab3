namespace ModelGen.Benchmarks;
static class P{static void Main(){ System.Console.WriteLine(TorchSharpLoader.Failure ?? ("TorchSharp loaded via " + TorchSharpLoader.PatchedLibrary)); }}
