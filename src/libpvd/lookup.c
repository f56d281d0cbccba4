/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd_resolve: getaddrinfo through one PvD, by the stub resolver of
 * src/resolve.c (c-ares, sockets bound to the VRF) with the PvD's own
 * resolv.conf as pvd-vrfd writes it (org.pvd's ResolvConf). */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "pvd-resolve.h"

int pvd_resolve(struct pvd_handle *h, const char *name, const char *host, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	char vrf[IFNAMSIZ], *resolv_conf = NULL;
	int r;

	if (!h || !name || !res) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	/* Never NULL for the file: that would be the host's resolv.conf. */
	if ((r = libpvd_target_of(h, name, vrf, &resolv_conf)) < 0) {
		errno = -r;
		return EAI_SYSTEM;
	}
	r = pvd_resolve_vrf(vrf, resolv_conf, host, service, hints, res);
	int e = errno;	/* for EAI_SYSTEM */

	free(resolv_conf);
	errno = e;
	return r;
}

void pvd_freeaddrinfo(struct addrinfo *res)
{
	pvd_resolve_freeaddrinfo(res);
}
