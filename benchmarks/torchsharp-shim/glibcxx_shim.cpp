// The one libstdc++ symbol of GLIBCXX_3.4.32 that TorchSharp-cpu's libLibTorchSharp.so asks for.
// GCC 13's <iostream> references std::ios_base_library_init() so that linking pulls in the initialization of the
// standard streams; in GCC 12's libstdc++ (Debian 12) the streams are initialized by ios_base::Init objects instead,
// so an empty definition is all the reference needs. Exported as _ZSt21ios_base_library_initv@@GLIBCXX_3.4.32
// (see glibcxx_shim.map).
namespace std
{
    void ios_base_library_init() {}
}
