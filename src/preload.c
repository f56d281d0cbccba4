/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpvd-preload.so: LD_PRELOAD shim used by `pvd exec` for non-root users.
 * Every new AF_INET/AF_INET6 socket is bound to the VRF named in PVD_VRF
 * (SO_BINDTODEVICE; Linux >= 5.7 lets an unprivileged process do a socket's
 * first device bind).  PVD_VRF must look like one of pvd-vrfd's VRFs
 * (pvd + 6 lowercase hex digits); otherwise the shim does nothing and warns
 * once.  A socket that cannot be bound is closed and socket() fails with
 * EACCES, a value callers of socket(2) already handle: failing closed keeps
 * the program off networks that are not its PvD's. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/pvd.h"

typedef int (*socket_fn)(int, int, int);

static socket_fn real_socket;
static const char *vrf;		/* NULL: pass through */

static void say(const char *a, const char *b, const char *c)
{
	/* write(2), not stdio: safe in any state the host program is in. */
	ssize_t r = write(STDERR_FILENO, a, strlen(a));

	r = write(STDERR_FILENO, b, strlen(b));
	r = write(STDERR_FILENO, c, strlen(c));
	(void)r;
}

__attribute__((constructor)) static void pvd_preload_init(void)
{
	const char *v = getenv("PVD_VRF");
	int saved = errno;

	real_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
	if (v && pvd_vrf_name_valid(v))
		vrf = v;
	else
		say("libpvd-preload: PVD_VRF '", v ? v : "", "' is not a pvd-vrfd VRF name; sockets are not bound\n");
	errno = saved;
}

int socket(int domain, int type, int protocol)
{
	static int warned;
	int fd, e;

	if (!real_socket) {
		errno = ENOSYS;
		return -1;
	}
	fd = real_socket(domain, type, protocol);
	if (fd < 0 || !vrf || (domain != AF_INET && domain != AF_INET6))
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, vrf, strlen(vrf)) == 0)
		return fd;
	e = errno;
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		say("libpvd-preload: cannot bind a socket to ", vrf, e == ENODEV ?
		    ": no such device\n" : e == EPERM ? ": not permitted (Linux < 5.7?)\n" :
		    ": SO_BINDTODEVICE failed\n");
	close(fd);
	errno = EACCES;
	return -1;
}
