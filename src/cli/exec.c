/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd exec NAME -- CMD...: run CMD bound to a PvD's VRF, with its resolvers.
 *
 * As root: a private mount namespace (exec_mounts) where the PvD's
 * resolv.conf is bound over /etc/resolv.conf; then pvd does itself what
 * iproute2's `ip vrf exec VRF CMD...` does (vrf-cgroup.c): it moves into a
 * cgroup2 group, in ip's own layout (`ip vrf identify` and `ip vrf pids`
 * work), whose BPF_CGROUP_INET_SOCK_CREATE program sets sk_bound_dev_if to
 * the VRF for every socket made in it or in any descendant, and execvp()s
 * CMD.  It used to exec ip for that: one more program (and libbpf, libelf)
 * to load per command, which made `pvd exec` slower than `ip vrf exec`
 * alone; the layout and the program are small, stable kernel interfaces.
 * No shell is involved.  The VRF name from the bus is re-validated first,
 * and must be a VRF in this namespace.
 *
 * The same namespace gets an nsswitch.conf whose hosts: line is "files dns"
 * (every other line the host's) and no nscd socket: a host that resolves
 * through systemd-resolved (nss-resolve) or nscd never reads
 * /etc/resolv.conf, so the command's names would otherwise go to the host's
 * resolver, outside the PvD.
 *
 * As non-root: LD_PRELOAD of libpvd-preload.so, which binds every new
 * AF_INET/AF_INET6 socket to PVD_VRF (SO_BINDTODEVICE, unprivileged for a
 * first bind since Linux 5.7).  Where the kernel lets unprivileged users make
 * user namespaces, the command runs in a new user + mount namespace that maps
 * the caller to itself (no other uid or gid exists there, setgroups is
 * denied), with the same mounts as root gets: the PvD's nameservers without
 * privileges.  Elsewhere only LOCALDOMAIN/RES_OPTIONS follow the PvD's
 * resolv.conf for resolvers other than the shim's, and the notice says so.
 * Either way the shim answers getaddrinfo and gethostbyname itself, through
 * the VRF, from PVD_RESOLV_CONF: glibc's resolver sockets escape it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pvd.h"

#ifndef PVD_PRELOAD_PATH
#define PVD_PRELOAD_PATH "/usr/local/lib/libpvd-preload.so"
#endif

static int exec_failed(const char *what)
{
	int e = errno;

	fprintf(stderr, "pvd: exec: %s: %s\n", what, strerror(e));
	return e == ENOENT ? 127 : 126;
}

/* A regular file we may bind over /etc/resolv.conf. */
static bool resolv_usable(const char *path)
{
	struct stat st;

	return path[0] == '/' && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The directories for short-lived mounts (exec_nsswitch's tmpfs,
 * vrf_cgroup_enter's cgroup2): any existing one does, as each mount is
 * detached again before the command runs. */
static const char *const scratch_dirs[] = { "/tmp", "/run", "/mnt" };

const char *exec_scratch_mount(const char *type, unsigned long flags, const char *options, const char *what)
{
	for (size_t i = 0; i < sizeof(scratch_dirs) / sizeof(scratch_dirs[0]); i++)
		if (mount("pvd-exec", scratch_dirs[i], type, flags, options) == 0)
			return scratch_dirs[i];
	fprintf(stderr, "pvd: exec: mounting %s: %s\n", what, strerror(errno));
	return NULL;
}

/* nsswitch_hosts_line: LINE's sources if it is the "hosts:" line (glibc
 * skips leading blanks and compares the database name case-insensitively),
 * else NULL. */
static const char *nsswitch_hosts_line(const char *line)
{
	line += strspn(line, " \t");
	if (strncasecmp(line, "hosts", 5) != 0)
		return NULL;
	line += 5;
	line += strspn(line, " \t");
	return *line == ':' ? line + 1 : NULL;
}

/* nsswitch_wanted: whether IN already has one hosts: line, "files dns"
 * exactly (Debian's default): then there is nothing to replace.  IN is
 * rewound. */
static bool nsswitch_wanted(FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int hosts = 0;
	bool plain = false;

	while (getline(&line, &cap, in) > 0) {
		const char *v = nsswitch_hosts_line(line);
		char a[8], b[8], rest[2];

		if (v && ++hosts == 1)
			plain = sscanf(v, "%7s %7s %1s", a, b, rest) == 2 && !strcmp(a, "files") && !strcmp(b, "dns");
	}
	free(line);
	rewind(in);
	return hosts == 1 && plain;
}

/* exec_nsswitch: bind a copy of /etc/nsswitch.conf whose hosts: line is
 * "files dns" over it, unless that is its one hosts: line already.  The
 * copy lives on a tmpfs mounted for the moment on a scratch directory and
 * detached once the file is bound: the bind mount keeps the tmpfs alive,
 * nothing else in the namespace sees it.  No
 * nsswitch.conf at all is glibc's built-in "dns [!UNAVAIL=return] files",
 * which is already right. */
static int exec_nsswitch(void)
{
	const char *scratch = NULL;
	char file[64], *line = NULL;
	size_t cap = 0;
	bool hosts = false;
	FILE *in, *out;
	int r = -1;

	in = fopen("/etc/nsswitch.conf", "re");
	if (!in) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "pvd: exec: /etc/nsswitch.conf: %s\n", strerror(errno));
		return -1;
	}
	if (nsswitch_wanted(in)) {
		fclose(in);
		return 0;
	}
	scratch = exec_scratch_mount("tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k",
				     "a tmpfs for nsswitch.conf");
	if (!scratch) {
		fclose(in);
		return -1;
	}
	snprintf(file, sizeof(file), "%s/nsswitch.conf", scratch);
	out = fopen(file, "wxe");
	if (!out) {
		fprintf(stderr, "pvd: exec: %s: %s\n", file, strerror(errno));
		goto out;
	}
	while (getline(&line, &cap, in) > 0) {
		if (nsswitch_hosts_line(line)) {
			if (!hosts)
				fputs("hosts:          files dns\n", out);
			hosts = true;
			continue;
		}
		fputs(line, out);
		if (line[strlen(line) - 1] != '\n')
			fputc('\n', out);
	}
	if (!hosts)
		fputs("hosts:          files dns\n", out);
	if (ferror(in) || fclose(out) != 0) {
		fprintf(stderr, "pvd: exec: writing %s: %s\n", file, strerror(errno));
		goto out;
	}
	if (chmod(file, 0644) < 0 || mount(file, "/etc/nsswitch.conf", NULL, MS_BIND, NULL) < 0) {
		fprintf(stderr, "pvd: exec: binding %s over /etc/nsswitch.conf: %s\n", file, strerror(errno));
		goto out;
	}
	(void)mount(NULL, "/etc/nsswitch.conf", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	r = 0;
out:
	free(line);
	fclose(in);
	if (umount2(scratch, MNT_DETACH) < 0 && r == 0) {
		fprintf(stderr, "pvd: exec: detaching the tmpfs on %s: %s\n", scratch, strerror(errno));
		r = -1;
	}
	return r;
}

/* exec_hide_nscd: an empty tmpfs over nscd's socket directory (glibc asks
 * nscd at /var/run/nscd/socket before any NSS module). */
static int exec_hide_nscd(void)
{
	static const char *const dirs[] = { "/run/nscd", "/var/run/nscd" };
	char done[2][4096] = { "", "" };

	for (size_t i = 0; i < 2; i++) {
		char *real = realpath(dirs[i], NULL);
		struct stat st;

		if (!real)
			continue;	/* no nscd directory: nothing to hide */
		snprintf(done[i], sizeof(done[i]), "%s", real);
		if ((i == 1 && !strcmp(done[0], real)) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
			free(real);
			continue;
		}
		if (mount("pvd-exec", real, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
			  "mode=0755,size=4k") < 0) {
			fprintf(stderr, "pvd: exec: hiding nscd's %s: %s\n", real, strerror(errno));
			free(real);
			return -1;
		}
		free(real);
	}
	return 0;
}

/* exec_mounts: in the (new, unshared) mount namespace: propagation private,
 * the PvD's resolv.conf over /etc/resolv.conf, nsswitch.conf's hosts: "files
 * dns", no nscd socket. */
static int exec_mounts(const char *name, const char *resolv)
{
	/* Nothing of ours propagates back to the host's mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "pvd: exec: making / private: %s\n", strerror(errno));
		return -1;
	}
	if (resolv_usable(resolv)) {
		/* Follows a symlinked /etc/resolv.conf to its target: what the
		 * resolver opens is what gets covered. */
		if (mount(resolv, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) {
			fprintf(stderr, "pvd: exec: binding %s over /etc/resolv.conf: %s\n", resolv,
				strerror(errno));
			return -1;
		}
		/* Read-only for the command; failure here is harmless. */
		(void)mount(NULL, "/etc/resolv.conf", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	} else {
		fprintf(stderr, "pvd: warning: PvD '%s' has no resolv.conf%s%s; the system's is used\n",
			name, *resolv ? " at " : "", resolv);
	}
	return exec_nsswitch() < 0 || exec_hide_nscd() < 0 ? -1 : 0;
}

static int exec_root(const char *name, const char *vrf, const char *resolv, char **cmd)
{
	if (unshare(CLONE_NEWNS) < 0) {
		fprintf(stderr, "pvd: exec: unshare(CLONE_NEWNS): %s\n", strerror(errno));
		return 1;
	}
	if (exec_mounts(name, resolv) < 0 || vrf_cgroup_enter(vrf) < 0)
		return 1;
	execvp(cmd[0], cmd);
	return exec_failed(cmd[0]);
}

/* resolv_env: LOCALDOMAIN from the last search/domain line and RES_OPTIONS
 * from the options lines of the PvD's resolv.conf (glibc's resolver reads
 * both from the environment; there is no variable for nameservers). */
static void resolv_env(const char *resolv)
{
	char line[1024], search[1024] = "", options[1024] = "";
	FILE *f = resolv_usable(resolv) ? fopen(resolv, "re") : NULL;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v;

		line[strcspn(line, "\r\n")] = '\0';
		if ((!strncmp(line, "search", 6) || !strncmp(line, "domain", 6)) &&
		    (line[6] == ' ' || line[6] == '\t')) {
			v = line + 7 + strspn(line + 7, " \t");
			snprintf(search, sizeof(search), "%s", v);
		} else if (!strncmp(line, "options", 7) && (line[7] == ' ' || line[7] == '\t')) {
			v = line + 8 + strspn(line + 8, " \t");
			if (strlen(options) + strlen(v) + 2 < sizeof(options)) {
				if (*options)
					strcat(options, " ");
				strcat(options, v);
			}
		}
	}
	fclose(f);
	if (*search)
		setenv("LOCALDOMAIN", search, 1);
	if (*options)
		setenv("RES_OPTIONS", options, 1);
}

/* write_file: PATH's whole content is TEXT (the /proc/self/ maps). */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	if (close(fd) < 0 || n != (ssize_t)strlen(text))
		return -1;
	return 0;
}

/* userns_enter: a new user namespace where only the caller's own uid and gid
 * exist, mapped to themselves, and a mount namespace it owns.  setgroups is
 * denied first, which an unprivileged gid_map requires (user_namespaces(7)).
 * -1 with errno set on failure. */
static int userns_enter(uid_t uid, gid_t gid)
{
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -1;
	if (write_file("/proc/self/setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}

/* userns_allowed: whether this kernel lets us make a user namespace and
 * mount in it; if not, *why says what failed.  Debian's
 * kernel.unprivileged_userns_clone = 0 forbids it outright; elsewhere
 * (user.max_user_namespaces = 0, a seccomp filter, an LSM such as AppArmor's
 * restrict_unprivileged_userns) only trying tells, so a throwaway child tries
 * what exec_user will do and reports the first failure through a pipe: this
 * process stays untouched for the fallback. */
static bool userns_allowed(char *why, size_t size)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	FILE *f = fopen("/proc/sys/kernel/unprivileged_userns_clone", "re");
	int status, fds[2];
	ssize_t n;
	pid_t pid;

	snprintf(why, size, "unknown reason");
	if (f) {
		int c = fgetc(f);

		fclose(f);
		if (c == '0') {
			snprintf(why, size, "kernel.unprivileged_userns_clone is 0");
			return false;
		}
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, size, "pipe: %s", strerror(errno));
		return false;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(why, size, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		const char *step = "unshare(CLONE_NEWUSER|CLONE_NEWNS)";
		char msg[256];
		int r;

		close(fds[0]);
		r = userns_enter(uid, gid);
		if (r == 0) {
			step = "making / private";
			r = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		}
		if (r == 0) {
			step = "mounting a tmpfs";
			r = mount("pvd-exec", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k");
		}
		if (r == 0) {
			step = "a bind mount";
			r = mount("/etc/resolv.conf", "/etc/resolv.conf", NULL, MS_BIND, NULL);
		}
		if (r == 0)
			_exit(0);
		snprintf(msg, sizeof(msg), "%s: %s", step, strerror(errno));
		n = write(fds[1], msg, strlen(msg));
		_exit(n > 0 ? 1 : 2);
	}
	close(fds[1]);
	n = read(fds[0], why, size - 1);
	if (n > 0)
		why[n] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int exec_user(const char *name, const char *vrf, const char *resolv, char **cmd)
{
	const char *lib = getenv("PVD_PRELOAD_LIB"), *old = getenv("LD_PRELOAD");
	bool userns = false;
	char *preload, why[256] = "the PvD has no resolv.conf";

	if (!lib || !*lib)
		lib = PVD_PRELOAD_PATH;
	if (access(lib, R_OK) < 0) {
		fprintf(stderr, "pvd: exec: %s: %s\n", lib, strerror(errno));
		return 1;
	}
	if (asprintf(&preload, "%s%s%s", lib, old && *old ? " " : "", old && *old ? old : "") < 0) {
		fprintf(stderr, "pvd: exec: out of memory\n");
		return 1;
	}
	if (resolv_usable(resolv) && userns_allowed(why, sizeof(why))) {
		if (userns_enter(getuid(), getgid()) < 0) {
			fprintf(stderr, "pvd: exec: entering a user namespace: %s\n", strerror(errno));
			free(preload);
			return 1;
		}
		if (exec_mounts(name, resolv) < 0) {
			free(preload);
			return 1;
		}
		userns = true;
	}
	if (userns)
		fprintf(stderr,
			"pvd: not root: binding %s by LD_PRELOAD only. Not covered: statically linked\n"
			"pvd: programs, raw syscalls, sockets re-bound to another device. DNS: the PvD's\n"
			"pvd: resolv.conf, in a user namespace (no other user exists there, no setuid);\n"
			"pvd: getaddrinfo and gethostbyname ask its servers through the VRF.\n", vrf);
	else
		fprintf(stderr,
			"pvd: not root: binding %s by LD_PRELOAD only. Not covered: statically linked\n"
			"pvd: programs, raw syscalls, sockets re-bound to another device. DNS:\n"
			"pvd: getaddrinfo and gethostbyname ask the PvD's servers through the VRF; other\n"
			"pvd: resolvers use the servers of /etc/resolv.conf (search list and options from\n"
			"pvd: the PvD's): no user namespace for the PvD's resolv.conf (%s).\n", vrf, why);
	if (setenv("LD_PRELOAD", preload, 1) < 0 || setenv("PVD_VRF", vrf, 1) < 0) {
		fprintf(stderr, "pvd: exec: setenv: %s\n", strerror(errno));
		free(preload);
		return 1;
	}
	free(preload);
	if (resolv_usable(resolv))
		setenv("PVD_RESOLV_CONF", resolv, 1);
	if (!userns)
		resolv_env(resolv);
	execvp(cmd[0], cmd);
	return exec_failed(cmd[0]);
}

int cmd_exec(struct pvd_handle **h, const char *name, char **cmd)
{
	struct pvd_info *p = NULL;
	int rc;

	if (pvd_cli_get(*h, name, &p) < 0)
		return 1;
	if (!pvd_vrf_name_valid(p->vrf)) {
		fprintf(stderr, "pvd: exec: PvD '%s' has no usable VRF (got '%s')\n", name, p->vrf);
		pvd_info_free(p);
		return 1;
	}
	/* The child must not inherit our bus connection. */
	*h = pvd_close(*h);
	rc = geteuid() == 0 ? exec_root(name, p->vrf, p->resolv_conf, cmd)
			    : exec_user(name, p->vrf, p->resolv_conf, cmd);
	pvd_info_free(p);
	return rc;
}
