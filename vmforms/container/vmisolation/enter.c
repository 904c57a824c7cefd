/* vmforms-enter: the last step of the container agent inside the RISC-V guest.
 *
 *   vmforms-enter ROOT WORKDIR UID GID GIDS -- CMD [ARG...]
 *
 * Run by the agent in the container's new mount, PID, UTS and IPC namespaces with the
 * container's environment already in place (env -i). It makes ROOT the root (the
 * initramfs is rootfs, which pivot_root(2) refuses to move, so the mount is moved over /
 * and chroot'ed into, as runc does with no_pivot), creates and enters WORKDIR, narrows
 * the capability sets to Docker's default ones (CAP_SYS_MODULE among those dropped),
 * takes the user's groups and ids, sets no_new_privs and execs CMD through PATH.
 * GIDS is a comma-separated list, or "-" for none. Exit statuses follow Docker's:
 * 127 for a command not found, 126 for one that cannot be executed, 125 for the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_GROUPS 64

/* Docker's default capability set (moby oci/caps/defaults.go). */
static const int default_caps[] = {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
    CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
    CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};

static void fail(const char *op, const char *object)
{
    fprintf(stderr, "vmforms-enter: %s '%s': %s\n", op, object, strerror(errno));
    exit(125);
}

static int is_default(int cap)
{
    for (size_t i = 0; i < sizeof default_caps / sizeof default_caps[0]; i++)
        if (default_caps[i] == cap)
            return 1;
    return 0;
}

static void make_dirs(const char *path)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        fail("mkdir", path);
    }
    strcpy(buf, path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                fail("mkdir", buf);
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
}

static void drop_capabilities(int keep_effective)
{
    for (int cap = 0; cap <= 63; cap++) {
        if (is_default(cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            fail("drop capability", "bounding set");
    }
    if (!keep_effective)
        return;  /* setuid to a non-root user clears the other sets itself */
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    for (size_t i = 0; i < sizeof default_caps / sizeof default_caps[0]; i++) {
        int cap = default_caps[i];
        data[cap / 32].effective |= 1u << (cap % 32);
        data[cap / 32].permitted |= 1u << (cap % 32);
    }
    if (syscall(SYS_capset, &header, data) != 0)
        fail("capset", "effective and permitted");
}

int main(int argc, char **argv)
{
    if (argc < 8 || strcmp(argv[6], "--") != 0) {
        fprintf(stderr, "usage: vmforms-enter ROOT WORKDIR UID GID GIDS -- CMD [ARG...]\n");
        return 125;
    }
    const char *root = argv[1], *workdir = argv[2];
    uid_t uid = (uid_t)strtoul(argv[3], NULL, 10);
    gid_t gid = (gid_t)strtoul(argv[4], NULL, 10);
    gid_t groups[MAX_GROUPS];
    size_t ngroups = 0;
    if (strcmp(argv[5], "-") != 0) {
        char *list = argv[5], *save = NULL;
        for (char *g = strtok_r(list, ",", &save); g && ngroups < MAX_GROUPS;
             g = strtok_r(NULL, ",", &save))
            groups[ngroups++] = (gid_t)strtoul(g, NULL, 10);
    }
    if (chdir(root) != 0)
        fail("chdir", root);
    if (mount(".", "/", NULL, MS_MOVE, NULL) != 0)
        fail("move mount", root);
    if (chroot(".") != 0)
        fail("chroot", root);
    if (chdir("/") != 0)
        fail("chdir", "/");
    make_dirs(workdir);
    if (chdir(workdir) != 0)
        fail("chdir", workdir);
    if (setgroups(ngroups, groups) != 0)
        fail("setgroups", argv[5]);
    if (setgid(gid) != 0)
        fail("setgid", argv[4]);
    drop_capabilities(uid == 0);
    if (setuid(uid) != 0)
        fail("setuid", argv[3]);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        fail("prctl", "no_new_privs");
    execvp(argv[7], argv + 7);
    int code = (errno == ENOENT || errno == ENOTDIR) ? 127 : 126;
    fprintf(stderr, "vmforms-enter: exec '%s': %s\n", argv[7], strerror(errno));
    return code;
}
