/* weaken_version FILE VERSION: marks VERSION (e.g. GLIBCXX_3.4.32) in FILE's version-needs table (.gnu.version_r)
 * as weak (VER_FLG_WEAK). glibc's loader then only notes, instead of refusing, a library that lacks that version.
 * Only the flag changes: no byte moves. Exit 0 when the version was found (or already weak), 1 otherwise. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: %s FILE VERSION\n", argv[0]); return 2; }
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) { perror(argv[1]); return 2; }
    struct stat st;
    if (fstat(fd, &st) != 0) { perror("fstat"); return 2; }
    unsigned char *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) { perror("mmap"); return 2; }
    Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
        fprintf(stderr, "%s: not a 64-bit ELF file\n", argv[1]); return 2;
    }
    Elf64_Shdr *sh = (Elf64_Shdr *)(base + eh->e_shoff);
    int found = 0;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        const char *strtab = (const char *)(base + sh[sh[i].sh_link].sh_offset);
        unsigned char *p = base + sh[i].sh_offset;
        for (;;) {
            Elf64_Verneed *vn = (Elf64_Verneed *)p;
            unsigned char *a = p + vn->vn_aux;
            for (int j = 0; j < vn->vn_cnt; j++) {
                Elf64_Vernaux *aux = (Elf64_Vernaux *)a;
                if (strcmp(strtab + aux->vna_name, argv[2]) == 0) {
                    aux->vna_flags |= VER_FLG_WEAK;
                    printf("%s: %s (needed from %s) is now weak\n", argv[1], argv[2], strtab + vn->vn_file);
                    found = 1;
                }
                if (aux->vna_next == 0) break;
                a += aux->vna_next;
            }
            if (vn->vn_next == 0) break;
            p += vn->vn_next;
        }
    }
    msync(base, (size_t)st.st_size, MS_SYNC);
    munmap(base, (size_t)st.st_size);
    close(fd);
    if (!found) fprintf(stderr, "%s: no version need %s\n", argv[1], argv[2]);
    return found ? 0 : 1;
}
