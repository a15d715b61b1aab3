/* check_load LIBRARY: dlopen(LIBRARY, RTLD_NOW | RTLD_GLOBAL), every symbol bound at once; prints dlerror() on failure. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: %s LIBRARY\n", argv[0]); return 2; }
    void *handle = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
    if (handle == NULL) { fprintf(stderr, "could not load: %s\n", dlerror()); return 1; }
    printf("loaded %s\n", argv[1]);
    return 0;
}
