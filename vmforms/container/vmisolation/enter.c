/* vmforms-enter: the container agent, PID 1 of the RISC-V guest (rdinit=, agent.py).
 *
 * It mounts the API file systems and the cgroup file system, prints the begin and base
 * marks (the base snapshot of the VM is taken there, one for every image: the disk
 * /dev/vda is then an empty placeholder) and reads the line "disk SECTORS": the host has
 * put the image behind /dev/vda and announced its size with a configuration-change
 * interrupt (virtio 1.2 4.2.2.1, as QEMU's block_resize), which the kernel takes as the
 * disk's new capacity; once /sys/block/vda/size says SECTORS, it mounts the image
 * (below), prints the ready mark (a snapshot is taken there, one per image disk: what
 * comes before is paid once) and reads the container's description from the
 * console: base64 lines up to a line holding a dot,
 * whose bytes are NUL-terminated fields: "vmforms-container-2", KEY, LAYERS, MEMORY,
 * PIDS, TTY, STDIN, HOSTNAME, WORKDIR, UID, GID, GIDS, the number of environment
 * entries, the entries, then CMD and its ARGs. KEY (32 hex digits, new for each run and
 * never in a snapshot) signs the exit mark: the host takes no other as the end of the
 * run, so a container that prints a mark of its own only prints bytes. The container
 * cannot read it: it is kept here only, the PID namespace hides this process, and
 * without CAP_SYS_PTRACE or CAP_SYS_RAWIO neither its memory nor /dev/mem is open to it. Each step is a system call here rather than a shell
 * and busybox programs: every fork and exec costs the software CPU hundreds of thousands
 * of instructions of page faults.
 * - the image: /dev/vda (ext4, a directory per layer, 0 the lowest) read-only, under an
 *   overlay whose upper layer is a tmpfs (Documentation/filesystems/overlayfs.rst); its
 *   layers are counted on the disk, and LAYERS must agree; its files are read once
 *   (up to WARM_BYTES) so that the snapshot has them in the page cache;
 * - a cgroup v2 "container" with memory.max and pids.max ("-" for none);
 * - the console's mode: a terminal (TTY=1[:ROWSxCOLUMNS]: echo, line editing, signals,
 *   the size, and the console becomes the container's controlling terminal, bound at
 *   /dev/console) or a byte pipe with ^D as end of file; without a terminal the
 *   container's stderr is the virtio console (/dev/hvc0, raw), apart from its stdout;
 * - new mount, UTS, IPC and PID namespaces; the child, PID 1 there, mounts /proc, /sys
 *   (read-only, its cgroup at /sys/fs/cgroup), /dev, moves the overlay over / and
 *   chroots (the initramfs is rootfs, which pivot_root(2) refuses to move, as runc's
 *   no_pivot does), creates and enters WORKDIR, keeps Docker's default capabilities
 *   (CAP_SYS_MODULE among those dropped), takes the user's ids, sets no_new_privs and
 *   execs CMD through the container's PATH. This process waits, prints the exit mark
 *   with the status and powers the guest off.
 * GIDS is a comma-separated list, or "-". Exit statuses follow Docker's: 127 for a
 * command not found, 126 for one that cannot be executed, 125 for the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define R "/run/vmforms"
#define ROOT R "/root"
#define CGROUP "/sys/fs/cgroup/container"
#define MAX_GROUPS 64
#define MAX_LAYERS 64
#define MAX_DESCRIPTION (1 << 20)
#define MAX_FIELDS 4096
#define MAGIC "vmforms-container-2"
#define KEY_LEN 32
#define SETTINGS 10 /* LAYERS .. GIDS */
/* The image's files read before the ready mark, so that the snapshot holds them in the
 * page cache: a command's first exec then maps pages instead of reading the disk. */
#define WARM_BYTES (8L << 20)
/* and at most this many entries looked at: each costs the guest thousands of
 * instructions of overlay and ext4 look-ups, paid once per image at its first boot */
#define WARM_ENTRIES 2048
/* how long the new capacity of /dev/vda may take to show (the kernel's config work) */
#define DISK_WAIT_MS 10000

/* Docker's default capability set (moby oci/caps/defaults.go). */
static const int default_caps[] = {
    CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
    CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
    CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};
#define NCAPS (sizeof default_caps / sizeof default_caps[0])

static int is_init;  /* this process is the guest's PID 1: it must not exit */
static int err_console = -1;  /* /dev/hvc0: the container's stderr without a terminal */
static char run_key[KEY_LEN + 1];  /* the description's KEY: "" until it is read */

/* The exit mark the monitor reads as the container's status (initramfs.py), then off.
 * Before the description there is no key, and no mark: the host sees the guest stop. */
static void finish(int status)
{
    if (err_console >= 0)
        tcdrain(err_console);  /* the container's last words on stderr go out first */
    if (run_key[0])
        printf("\033]vmforms;%s;exit=%d\007", run_key, status);
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}

static void fail(const char *op, const char *object)
{
    fprintf(stderr, "vmforms-enter: %s '%s': %s\n", op, object, strerror(errno));
    if (is_init)
        finish(125);
    exit(125);
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags,
                const char *data)
{
    if (mount(src, dst, type, flags, data) != 0)
        fail("mount", dst);
}

static void dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        fail("mkdir", path);
}

static void put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        fail("write", path);
    close(fd);
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
            dir(buf);
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
}

/* The image's layers under the overlay at ROOT; returns how many the disk holds. The
 * snapshot taken after this is one per disk (its path, size and time are checked at
 * restore), so the kernel's view of the disk is still the disk's. */
static int image(void)
{
    static char lower[MAX_LAYERS * 32], data[sizeof lower + 128];
    char path[64];
    struct stat st;
    int layers = 0;
    dir("/run");
    dir(R);
    dir(R "/layers");
    dir(R "/rw");
    dir(ROOT);
    mnt("/dev/vda", R "/layers", "ext4", MS_RDONLY, NULL);
    for (; layers <= MAX_LAYERS; layers++) {
        snprintf(path, sizeof path, R "/layers/%d", layers);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            break;
    }
    if (layers < 1 || layers > MAX_LAYERS) {
        errno = EINVAL;
        fail("count the layers of", "/dev/vda");
    }
    mnt("tmpfs", R "/rw", "tmpfs", 0, "mode=755");
    dir(R "/rw/upper");
    dir(R "/rw/work");
    lower[0] = '\0';
    for (int i = layers - 1; i >= 0; i--) {
        size_t used = strlen(lower);
        snprintf(lower + used, sizeof lower - used, "%s" R "/layers/%d", used ? ":" : "", i);
    }
    snprintf(data, sizeof data, "lowerdir=%s,upperdir=" R "/rw/upper,workdir=" R "/rw/work",
             lower);
    mnt("overlay", ROOT, "overlay", 0, data);
    return layers;
}

static long warm_left, warm_entries;

static int warm_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    static char buf[65536];
    (void)ftw;
    if (++warm_entries > WARM_ENTRIES)
        return 1;
    if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size > warm_left)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return 0;
    while (read(fd, buf, sizeof buf) > 0)
        ;
    close(fd);
    warm_left -= st->st_size;
    return warm_left <= 0;
}

/* The files of the image, in the order of a walk of its tree, up to WARM_BYTES. */
static void warm_image(void)
{
    warm_left = WARM_BYTES;
    warm_entries = 0;
    nftw(ROOT, warm_file, 16, FTW_PHYS);  /* not FTW_MOUNT: an overlay's files have their layer's st_dev */
}

/* The line "disk SECTORS" from the console; wait for /dev/vda to have that many. */
static void attach_disk(void)
{
    char line[64], size[32];
    ssize_t got = read(0, line, sizeof line - 1);  /* canonical mode: one line */
    unsigned long long want, have = 0;
    char end;
    if (got <= 0)
        fail("read the disk line from", "the console");
    line[got] = '\0';
    if (sscanf(line, "disk %llu%c", &want, &end) != 2 || end != '\n' || want == 0) {
        errno = EINVAL;
        fail("read the disk line from", "the console");
    }
    for (int waited = 0; have != want; waited++) {
        int fd = open("/sys/block/vda/size", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, size, sizeof size - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0)
            fail("read", "/sys/block/vda/size");
        size[n] = '\0';
        have = strtoull(size, NULL, 10);
        if (have != want) {
            if (waited >= DISK_WAIT_MS) {
                errno = ETIMEDOUT;
                fail("wait for the image's size on", "/dev/vda");
            }
            usleep(1000);
        }
    }
}

static void make_cgroup(void)
{
    mnt("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
    put("/sys/fs/cgroup/cgroup.subtree_control", "+memory +pids");
    dir(CGROUP);
}

static void limit_cgroup(const char *memory, const char *pids)
{
    if (*memory && strcmp(memory, "-") != 0)
        put(CGROUP "/memory.max", memory);
    if (*pids && strcmp(pids, "-") != 0)
        put(CGROUP "/pids.max", pids);
}

/* TTY is "0", "1", or "1:ROWSxCOLUMNS" with the size of the caller's terminal */
static void terminal(const char *tty)
{
    struct termios t;
    if (tcgetattr(0, &t) != 0)
        return;  /* not a terminal: nothing to set */
    unsigned rows, cols;
    if (sscanf(tty, "1:%ux%u", &rows, &cols) == 2 && rows < 65536 && cols < 65536) {
        struct winsize size = {(unsigned short)rows, (unsigned short)cols, 0, 0};
        ioctl(0, TIOCSWINSZ, &size);
    }
    if (tty[0] == '1') {
        t.c_iflag |= ICRNL;
        t.c_oflag |= OPOST | ONLCR;
        t.c_lflag |= ECHO | ECHOE | ECHOK | ICANON | ISIG | IEXTEN;
    } else {
        /* bytes as they are; canonical input so that ^D is an end of file */
        t.c_iflag &= ~(ICRNL | IXON);
        t.c_oflag &= ~OPOST;
        t.c_lflag &= ~(ECHO | ISIG | IEXTEN);
        t.c_lflag |= ICANON;
    }
    tcsetattr(0, TCSANOW, &t);
}

static void devices(void)
{
    static const struct { const char *name; int major, minor; } nodes[] = {
        {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8},
        {"urandom", 1, 9}, {"tty", 5, 0},
    };
    static const char *links[][2] = {
        {"pts/ptmx", "ptmx"}, {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
        {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
    };
    char path[256];
    mnt("tmpfs", ROOT "/dev", "tmpfs", MS_NOSUID, "mode=755,size=64k");
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        snprintf(path, sizeof path, ROOT "/dev/%s", nodes[i].name);
        if (mknod(path, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) != 0)
            fail("mknod", path);
    }
    dir(ROOT "/dev/pts");
    dir(ROOT "/dev/shm");
    mnt("devpts", ROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620");
    mnt("shm", ROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=65536k");
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(path, sizeof path, ROOT "/dev/%s", links[i][1]);
        if (symlink(links[i][0], path) != 0)
            fail("symlink", path);
    }
}

static void capabilities(int keep_effective)
{
    for (int cap = 0; cap <= 63; cap++) {
        int keep = 0;
        for (size_t i = 0; i < NCAPS; i++)
            keep |= default_caps[i] == cap;
        if (!keep && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            fail("drop capability", "bounding set");
    }
    if (!keep_effective)
        return;  /* setuid to a non-root user clears the other sets itself */
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    for (size_t i = 0; i < NCAPS; i++) {
        data[default_caps[i] / 32].effective |= 1u << (default_caps[i] % 32);
        data[default_caps[i] / 32].permitted |= 1u << (default_caps[i] % 32);
    }
    if (syscall(SYS_capset, &header, data) != 0)
        fail("capset", "effective and permitted");
}

static int container(char **argv)
{
    const char *hostname = argv[6], *workdir = argv[7];
    uid_t uid = (uid_t)strtoul(argv[8], NULL, 10);
    gid_t gid = (gid_t)strtoul(argv[9], NULL, 10);
    gid_t groups[MAX_GROUPS];
    size_t ngroups = 0;
    char *save = NULL;
    if (strcmp(argv[10], "-") != 0)
        for (char *g = strtok_r(argv[10], ",", &save); g && ngroups < MAX_GROUPS;
             g = strtok_r(NULL, ",", &save))
            groups[ngroups++] = (gid_t)strtoul(g, NULL, 10);
    if (argv[4][0] == '1') {
        int fd = open("/dev/ttyS0", O_RDWR);  /* /dev/console cannot be a controlling tty */
        if (fd >= 0) {
            for (int i = 0; i < 3; i++)
                dup2(fd, i);
            if (fd > 2)
                close(fd);
        }
        if (setsid() < 0 || ioctl(0, TIOCSCTTY, 1) != 0)
            fail("take the console as controlling terminal", "/dev/ttyS0");
    } else {
        if (strcmp(argv[5], "1") != 0) {
            int fd = open("/dev/null", O_RDONLY);
            if (fd < 0 || dup2(fd, 0) != 0)
                fail("open", "/dev/null");
            close(fd);
        }
        if (dup2(err_console, 2) != 2)
            fail("dup2", "/dev/hvc0");
    }
    put(CGROUP "/cgroup.procs", "0");
    if (sethostname(hostname, strlen(hostname)) != 0)
        fail("sethostname", hostname);
    mnt(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    umask(0);
    dir(ROOT "/proc");
    dir(ROOT "/sys");
    dir(ROOT "/dev");
    mnt("proc", ROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mnt("sysfs", ROOT "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    /* its own cgroup, read-only, where a cgroup namespace would show it */
    mnt(CGROUP, ROOT "/sys/fs/cgroup", NULL, MS_BIND, NULL);
    mnt(NULL, ROOT "/sys/fs/cgroup", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
    devices();
    /* the console bound at /dev/console, as Docker binds a container's terminal there:
     * ttyname(3) knows a terminal by its inode, so a node of the same number would not do */
    if (argv[4][0] == '1') {
        int fd = open(ROOT "/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0620);
        if (fd < 0)
            fail("create", ROOT "/dev/console");
        close(fd);
        mnt("/dev/ttyS0", ROOT "/dev/console", NULL, MS_BIND, NULL);
    }
    umask(022);
    if (chdir(ROOT) != 0)
        fail("chdir", ROOT);
    mnt(".", "/", NULL, MS_MOVE, NULL);
    if (chroot(".") != 0 || chdir("/") != 0)
        fail("chroot", ROOT);
    make_dirs(workdir);
    if (chdir(workdir) != 0)
        fail("chdir", workdir);
    if (setgroups(ngroups, groups) != 0)
        fail("setgroups", "additional groups");
    if (setgid(gid) != 0)
        fail("setgid", argv[9]);
    capabilities(uid == 0);
    if (setuid(uid) != 0)
        fail("setuid", argv[8]);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        fail("prctl", "no_new_privs");
    execvp(argv[12], argv + 12);
    int code = (errno == ENOENT || errno == ENOTDIR) ? 127 : 126;
    fprintf(stderr, "vmforms-enter: exec '%s': %s\n", argv[12], strerror(errno));
    return code;
}

static int b64(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* The description's fields, as an argv for container(): the settings at 1..10, "--" at
 * 11, CMD and its ARGs from 12; the environment replaces ours. */
static char **read_description(void)
{
    static char text[MAX_DESCRIPTION + 1];
    static char *fields[MAX_FIELDS + 3];
    const char *path = "the console";
    size_t len = 0;
    ssize_t got;
    /* lines of base64 up to a line holding a dot; the terminal is in canonical mode */
    while (len < MAX_DESCRIPTION) {
        got = read(0, text + len, MAX_DESCRIPTION - len);
        if (got <= 0)
            fail("read the description from", path);
        len += (size_t)got;
        if ((len == 2 || (len > 2 && text[len - 3] == '\n')) && text[len - 2] == '.'
            && text[len - 1] == '\n')
            break;
    }
    size_t out = 0;
    unsigned bits = 0, acc = 0;
    for (size_t i = 0; i < len; i++) {  /* decoded in place: out never passes i */
        int v = b64((unsigned char)text[i]);
        if (v < 0)
            continue;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            text[out++] = (char)((acc >> bits) & 0xff);
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < out && n < MAX_FIELDS; n++) {
        fields[n + 1] = text + i;
        char *end = memchr(text + i, '\0', out - i);
        if (end == NULL) {
            errno = EINVAL;
            fail("read", path);
        }
        i = (size_t)(end - text) + 1;
    }
    if (n < SETTINGS + 4 || strcmp(fields[1], MAGIC) != 0
        || strlen(fields[2]) != KEY_LEN || strspn(fields[2], "0123456789abcdef") != KEY_LEN) {
        errno = EINVAL;
        fail("read the container description", path);
    }
    memcpy(run_key, fields[2], KEY_LEN + 1);
    memset(fields[2], 0, KEY_LEN);
    /* fields[1] is the magic, [2] the key: shift the settings to 1..10 */
    memmove(fields + 1, fields + 3, SETTINGS * sizeof fields[0]);
    size_t nenv = strtoul(fields[SETTINGS + 3], NULL, 10);
    if (SETTINGS + 4 + nenv >= n + 1) {
        errno = EINVAL;
        fail("read the environment of", path);
    }
    clearenv();
    for (size_t i = 0; i < nenv; i++)
        if (putenv(fields[SETTINGS + 4 + i]) != 0)
            fail("putenv", fields[SETTINGS + 4 + i]);
    /* CMD and ARGs follow the environment: move them to 12.. */
    size_t first = SETTINGS + 4 + nenv, nargs = n + 1 - first;
    fields[0] = "vmforms-enter";
    fields[11] = "--";
    memmove(fields + 12, fields + first, nargs * sizeof fields[0]);
    fields[12 + nargs] = NULL;
    return fields;
}

/* The second console, for the container's stderr: bytes as they are. */
static void open_err_console(void)
{
    struct termios t;
    err_console = open("/dev/hvc0", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (err_console < 0)
        fail("open", "/dev/hvc0");
    if (tcgetattr(err_console, &t) == 0) {
        t.c_oflag &= ~OPOST;
        tcsetattr(err_console, TCSANOW, &t);
    }
    /* our own complaints too: the host shows them on stderr, where the serial console's
     * output before the ready mark is dropped and after it is the container's stdout */
    fflush(stderr);
    dup2(err_console, 2);
}

/* PID 1 of the guest: the API file systems, the image, the cgroup, the marks, the
 * description; returns the description with the layers counted on the disk. */
static char **start_guest(int *layers)
{
    is_init = 1;
    mnt("proc", "/proc", "proc", 0, NULL);
    mnt("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);  /* CONFIG_DEVTMPFS_MOUNT did it */
    mnt("tmpfs", "/tmp", "tmpfs", 0, NULL);
    struct termios t;
    if (tcgetattr(0, &t) == 0) {
        t.c_oflag &= ~OPOST;
        t.c_lflag &= ~ECHO;
        tcsetattr(0, TCSANOW, &t);
    }
    make_cgroup();
    open_err_console();
    /* begin: boot messages end here; base: the snapshot for any image may be taken */
    fputs("\033]vmforms;begin\007\033]vmforms;agent-base\007", stdout);
    fflush(stdout);
    attach_disk();
    *layers = image();
    warm_image();
    /* ready: the snapshot of this image may be taken while we read */
    fputs("\033]vmforms;agent-ready\007", stdout);
    fflush(stdout);
    return read_description();
}

int main(void)
{
    if (getpid() != 1) {
        fprintf(stderr, "vmforms-enter is the guest's init (rdinit=/bin/vmforms-enter)\n");
        return 125;
    }
    int layers;
    char **argv = start_guest(&layers);
    if (atoi(argv[1]) != layers) {
        fprintf(stderr, "vmforms-enter: the description has %s layers, /dev/vda %d\n",
                argv[1], layers);
        finish(125);
    }
    limit_cgroup(argv[2], argv[3]);
    terminal(argv[4]);
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID) != 0)
        fail("unshare", "mount, UTS, IPC and PID namespaces");
    pid_t pid = fork();
    if (pid < 0)
        fail("fork", "the container's PID 1");
    if (pid == 0) {
        is_init = 0;
        memset(run_key, 0, sizeof run_key);  /* the container's copy of our memory */
        exit(container(argv));
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            fail("wait", "the container's PID 1");
    finish(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
