/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd exec NAME -- CMD...: run CMD bound to a PvD's VRF, with its resolvers.
 *
 * As root: a private mount namespace where the PvD's resolv.conf is bound
 * over /etc/resolv.conf, then iproute2's `ip vrf exec VRF CMD...`, which puts
 * the process in a cgroup2 group whose BPF_CGROUP_INET_SOCK_CREATE program
 * sets sk_bound_dev_if to the VRF for every socket made in it or in any
 * descendant.  Reusing `ip vrf exec` is deliberate: it is what administrators
 * already use for VRFs, it copes with where cgroup2 is mounted (or mounts it)
 * and where the caller sits in the hierarchy, and keeping that cgroup
 * placement logic in one well-known tool is cleaner than a second copy here.
 * No shell is involved: `ip` is exec'd by absolute path with an argv, and ip
 * itself execvp()s CMD.  The VRF name from the bus is re-validated first.
 *
 * As non-root: LD_PRELOAD of libpvd-preload.so, which binds every new
 * AF_INET/AF_INET6 socket to PVD_VRF (SO_BINDTODEVICE, unprivileged for a
 * first bind since Linux 5.7), plus LOCALDOMAIN/RES_OPTIONS from the PvD's
 * resolv.conf; the nameservers themselves cannot be changed without
 * privileges, which a warning says. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pvd.h"

#ifndef PVD_PRELOAD_PATH
#define PVD_PRELOAD_PATH "/usr/local/lib/libpvd-preload.so"
#endif

static const char *const ip_paths[] = { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" };

static int get_string(sd_bus *bus, const char *path, const char *prop, char **out)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	int r = sd_bus_get_property_string(bus, PVD_BUS_NAME, path, PVD_PVD_IFACE, prop, &err, out);

	if (r < 0) {
		pvd_bus_error(prop, &err, r);
		sd_bus_error_free(&err);
		return -1;
	}
	return 0;
}

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

static int exec_root(const char *name, const char *vrf, const char *resolv, char **cmd)
{
	const char *ip = NULL;
	size_t n = 0;
	char **argv;

	for (size_t i = 0; i < sizeof(ip_paths) / sizeof(ip_paths[0]) && !ip; i++)
		if (access(ip_paths[i], X_OK) == 0)
			ip = ip_paths[i];
	if (!ip) {
		fprintf(stderr, "pvd: exec: iproute2's ip not found (tried /usr/sbin/ip, /sbin/ip, /usr/bin/ip, /bin/ip)\n");
		return 1;
	}
	if (unshare(CLONE_NEWNS) < 0) {
		fprintf(stderr, "pvd: exec: unshare(CLONE_NEWNS): %s\n", strerror(errno));
		return 1;
	}
	/* Nothing of ours propagates back to the host's mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "pvd: exec: making / private: %s\n", strerror(errno));
		return 1;
	}
	if (resolv_usable(resolv)) {
		/* Follows a symlinked /etc/resolv.conf to its target: what the
		 * resolver opens is what gets covered. */
		if (mount(resolv, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) {
			fprintf(stderr, "pvd: exec: binding %s over /etc/resolv.conf: %s\n", resolv,
				strerror(errno));
			return 1;
		}
		/* Read-only for the command; failure here is harmless. */
		(void)mount(NULL, "/etc/resolv.conf", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	} else {
		fprintf(stderr, "pvd: warning: PvD '%s' has no resolv.conf%s%s; the system's is used\n",
			name, *resolv ? " at " : "", resolv);
	}

	while (cmd[n])
		n++;
	argv = calloc(n + 5, sizeof(*argv));
	if (!argv) {
		fprintf(stderr, "pvd: exec: out of memory\n");
		return 1;
	}
	argv[0] = (char *)ip;
	argv[1] = (char *)"vrf";
	argv[2] = (char *)"exec";
	argv[3] = (char *)vrf;
	memcpy(argv + 4, cmd, n * sizeof(*argv));
	execv(ip, argv);
	free(argv);
	return exec_failed(ip);
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

static int exec_user(const char *vrf, const char *resolv, char **cmd)
{
	const char *lib = getenv("PVD_PRELOAD_LIB"), *old = getenv("LD_PRELOAD");
	char *preload;

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
	fprintf(stderr,
		"pvd: not root: binding %s by LD_PRELOAD only. Not covered: statically linked\n"
		"pvd: programs, raw syscalls, sockets re-bound to another device. DNS goes to the\n"
		"pvd: servers of /etc/resolv.conf (search list and options from the PvD's).\n", vrf);
	if (setenv("LD_PRELOAD", preload, 1) < 0 || setenv("PVD_VRF", vrf, 1) < 0) {
		fprintf(stderr, "pvd: exec: setenv: %s\n", strerror(errno));
		free(preload);
		return 1;
	}
	free(preload);
	if (resolv_usable(resolv))
		setenv("PVD_RESOLV_CONF", resolv, 1);
	resolv_env(resolv);
	execvp(cmd[0], cmd);
	return exec_failed(cmd[0]);
}

int cmd_exec(sd_bus *bus, const char *name, char **cmd)
{
	char *path = NULL, *vrf = NULL, *resolv = NULL;
	int rc;

	if (pvd_resolve(bus, name, &path) < 0)
		return 1;
	if (get_string(bus, path, "Vrf", &vrf) < 0 || get_string(bus, path, "ResolvConf", &resolv) < 0) {
		rc = 1;
		goto out;
	}
	if (!pvd_vrf_name_valid(vrf)) {
		fprintf(stderr, "pvd: exec: PvD '%s' has no usable VRF (got '%s')\n", name, vrf);
		rc = 1;
		goto out;
	}
	/* The child must not inherit our bus connection. */
	sd_bus_flush(bus);
	sd_bus_close(bus);
	rc = geteuid() == 0 ? exec_root(name, vrf, resolv, cmd) : exec_user(vrf, resolv, cmd);
out:
	free(path);
	free(vrf);
	free(resolv);
	return rc;
}
