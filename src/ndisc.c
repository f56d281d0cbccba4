/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Router Advertisement parser: bytes + metadata -> struct ndisc_ra, or one
 * rejection reason.  Pure: no I/O, no globals, no allocation.
 *
 * Failure policy
 * ==============
 * The whole RA is rejected (-EBADMSG, *ret_reason set, *ret_ra empty) when
 *  - it fails RFC 4861 §6.1.2: hop limit not 255, source not link-local,
 *    ICMP code not 0, ICMP length below 16 octets; or its type is not 134;
 *  - the option walk breaks, outer or inside the PvD option: fewer than 2
 *    octets left for an option header, a zero length (RFC 4861 §6.1.2 "all
 *    included options have a length that is greater than zero"), or
 *    length * 8 beyond what remains (RFC 4861 §4.6: the length covers the
 *    whole option).  Past such a fault no byte can be trusted to be what the
 *    sender meant, so nothing of the RA is used;
 *  - it carries more than NDISC_OPTIONS_MAX (128) options, outer and PvD-inner
 *    counted together.  RFC 4861 sets no limit; this one bounds the work
 *    and the state any single packet can cause.
 *
 * A single option that is well framed but semantically wrong is ignored and
 * recorded in ret_ra->ignored with its reason; the rest of the RA is used.
 * This is what RFC 4861 §4.6, RFC 4191 §3.1, RFC 8106 §5 and RFC 8781 §4 ask
 * for the options they define ("the option MUST be ignored"), and what a
 * PvD-unaware host does with a PvD option (RFC 8801 §3.3).  The rules are in
 * each ndisc_opt_*() function with their RFC section.  Unknown option types
 * are ignored as RFC 4861 §4.6 requires, and also recorded so they can be
 * counted.  An option whose content does not fit the per-RA arrays
 * (NDISC_*_MAX) is ignored whole, never truncated.
 *
 * PvD option (RFC 8801 §3)
 * ------------------------
 *  - Only the first PvD option of the RA counts (§3.4 "hosts MUST ignore all
 *    but the first PvD option"); later ones are ignored and recorded, whether
 *    or not the first was valid.
 *  - A PvD option inside the PvD option is ignored and recorded (§3.2 "the
 *    PvD option MUST NOT contain further PvD options"); the outer PvD option
 *    stays valid.
 *  - An invalid PvD option (bad FQDN, R flag without room for the 16-octet RA
 *    header) is ignored whole, inner options included, and recorded.  The RA
 *    is NOT rejected: it is then processed as a PvD-unaware host would
 *    (§3.3), i.e. as belonging to the implicit PvD of its source; the caller
 *    can tell from has_pvd == false plus the ignored entry.
 *  - The PvD ID FQDN must be DNS wire format without compression (§3.1,
 *    RFC 1035 §3.1 / §4.1.4), end inside the option, have labels of at most 63
 *    octets, at most 255 octets in all, and not be the root name.
 *  - The PvD ID must not be an IP literal: RFC 1123 §2.1 "a valid host name
 *    can never have the dotted-decimal form #.#.#.#, since at least the
 *    highest-level component label will be alphabetic".  A name whose last
 *    label is all digits ("192.0.2.1", "2130706433") or a hexadecimal number
 *    ("0x7f000001": URL parsers read such hosts as IPv4 addresses, WHATWG URL
 *    "ends in a number") is refused with its own reason: the PvD ID becomes
 *    the host of an HTTPS URL (RFC 8801 §4.1), which must never be an
 *    address chosen by the sender.
 *  - Reserved flag bits are ignored (§3.4); padding after the FQDN up to the
 *    next 8-octet boundary is skipped without looking at it (§3.1 "ignored by
 *    the receiver"); inner RA header type, code and checksum are ignored
 *    (§3.1).
 *
 * Names (PvD ID and DNSSL)
 * ------------------------
 * Names end up in resolv.conf files, interface aliases, HTTPS URLs and D-Bus,
 * so only LDH labels are accepted (RFC 952/RFC 1123 §2.1 host names: letters,
 * digits, hyphen, not starting or ending with a hyphen).  Underscore is
 * refused: the PvD ID is used as an HTTPS host name (RFC 8801 §4.1) and
 * search domains are host-name suffixes.  Anything else (dots inside a label,
 * spaces, NUL, shell metacharacters) makes the name invalid.  Names are
 * lowercased (PvD IDs compare case-insensitively, RFC 8801 §3.4) and kept
 * without the trailing dot.
 *
 * Output
 * ------
 * The parser writes straight into the caller's struct ndisc_ra (about 16 KiB,
 * mostly fixed-size arrays): it never zeroes or copies the whole of it, which
 * used to be more than 90% of the cost of a parse.  Nor does it build
 * entries aside and copy them in: each accepted option is decoded straight
 * into the next free array slot, and its count moves once the option proved
 * good.  A parse first sets the scalars and counts of the RA's own part
 * (ndisc_ra_start()); the PvD part is set by the PvD option when one is used,
 * else emptied at the end; a rejection empties everything (ndisc_ra_init()).
 * So, after a call:
 *  - on success, every scalar is set, entries [0, count) of every array are
 *    set field by field (a DNSSL or FQDN name up to its NUL), and the PvD part
 *    is meaningful only when has_pvd (otherwise it is empty, as below);
 *  - on failure, *ret_ra is empty: ifindex 0, src ::, headers zero, has_pvd,
 *    every has_* flag and every count zero;
 *  - in both cases, bytes past a count, past a name's NUL, and struct padding
 *    are unspecified (an option that was ignored may have left a slot past
 *    the count written).  Compare results field by field, not with memcmp().
 *
 * Memory safety
 * -------------
 * All access to the packet goes through struct span and its helpers below;
 * they are the only code doing pointer arithmetic and assert their bounds
 * (span_try_sub() checks instead, for a length the network sent).
 * Options are cut from the packet only by ndisc_walk_next(), used for outer
 * and inner options alike.  Multi-byte fields are read with memcpy.
 */

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "ndisc.h"

#define ND_ROUTER_ADVERT_TYPE	134
#define RA_HEADER_LEN		16	/* RFC 4861 §4.2 */
#define RA_HOP_LIMIT		255	/* RFC 4861 §6.1.2 */
#define IPV6_MIN_MTU		1280	/* RFC 8200 §5 */
#define DNS_LABEL_MAX		63	/* RFC 1035 §2.3.4 */
#define DNS_NAME_WIRE_MAX	255	/* RFC 1035 §2.3.4 */

/* ---- bounded view of the packet ---------------------------------------- */

struct span {
	const uint8_t *ptr;
	size_t len;
};

static struct span span_make(const uint8_t *ptr, size_t len)
{
	static const uint8_t none;

	assert(ptr || len == 0);
	/* Never NULL: cutting even an empty span is then defined pointer
	 * arithmetic (at most one past the end). */
	return (struct span) { .ptr = ptr ? ptr : &none, .len = len };
}

/* The @len octets at @off. */
static struct span span_sub(struct span s, size_t off, size_t len)
{
	assert(off <= s.len && len <= s.len - off);
	return (struct span) { .ptr = s.ptr + off, .len = len };
}

/* The @len octets at @off, checked: false (*ret untouched) if they do not
 * all lie inside @s.  For lengths the network sends. */
static bool span_try_sub(struct span s, size_t off, size_t len, struct span *ret)
{
	if (off > s.len || len > s.len - off)
		return false;
	*ret = span_sub(s, off, len);
	return true;
}

/* Everything from @off on. */
static struct span span_tail(struct span s, size_t off)
{
	assert(off <= s.len);
	return span_sub(s, off, s.len - off);
}

static uint8_t span_u8(struct span s, size_t off)
{
	assert(off < s.len);
	return s.ptr[off];
}

static void span_copy(struct span s, size_t off, void *dst, size_t n)
{
	assert(off <= s.len && n <= s.len - off);
	if (n > 0)
		memcpy(dst, s.ptr + off, n);
}

static uint16_t span_be16(struct span s, size_t off)
{
	uint16_t v;

	span_copy(s, off, &v, sizeof(v));
	return be16toh(v);
}

static uint32_t span_be32(struct span s, size_t off)
{
	uint32_t v;

	span_copy(s, off, &v, sizeof(v));
	return be32toh(v);
}

/* ---- the one option walker ----------------------------------------------- */

struct ndisc_opt {
	uint8_t type;
	struct span data;		/* the whole option, type and length octets included */
};

struct ndisc_walk {
	struct span rest;
	bool in_pvd;
	size_t n_options;		/* outer and inner options together */
};

/*
 * Cut the next option off w->rest.  Returns 1 with *ret_opt set, 0 at the
 * end, or -EBADMSG with *ret_reason set when the framing is broken.
 */
static int ndisc_walk_next(struct ndisc_walk *w, struct ndisc_opt *ret_opt,
			   enum ndisc_reason *ret_reason)
{
	size_t len;

	if (w->rest.len == 0)
		return 0;

	/* Inside a PvD option what remains is always a multiple of 8
	 * (RFC 8801 §3.1 pads to 8 octets), so this only happens outside. */
	if (w->rest.len < 2) {
		*ret_reason = NDISC_REASON_OPTION_TRUNCATED;
		return -EBADMSG;
	}

	len = (size_t)span_u8(w->rest, 1) * 8;
	if (len == 0) {
		*ret_reason = w->in_pvd ? NDISC_REASON_PVD_OPTION_ZERO_LENGTH :
					  NDISC_REASON_OPTION_ZERO_LENGTH;
		return -EBADMSG;
	}
	if (len > w->rest.len) {
		*ret_reason = w->in_pvd ? NDISC_REASON_PVD_OPTION_OVERRUN :
					  NDISC_REASON_OPTION_OVERRUN;
		return -EBADMSG;
	}

	if (w->n_options >= NDISC_OPTIONS_MAX) {
		*ret_reason = NDISC_REASON_TOO_MANY_OPTIONS;
		return -EBADMSG;
	}
	w->n_options++;

	*ret_opt = (struct ndisc_opt) {
		.type = span_u8(w->rest, 0),
		.data = span_sub(w->rest, 0, len),
	};
	w->rest = span_tail(w->rest, len);
	return 1;
}

/* ---- helpers ------------------------------------------------------------- */

/* The empty state of one option set: no flag, no count; arrays left alone. */
static void ndisc_options_init(struct ndisc_options *o)
{
	o->has_lladdr = false;
	o->lladdr_len = 0;
	o->has_mtu = false;
	o->mtu = 0;
	o->n_prefixes = 0;
	o->n_routes = 0;
	o->n_rdnss = 0;
	o->n_dnssl = 0;
	o->n_pref64 = 0;
}

static void ndisc_ra_header_init(struct ndisc_ra_header *h)
{
	memset(h, 0, sizeof(*h));
}

/* The empty PvD part (has_pvd false). */
static void ndisc_pvd_init(struct ndisc_pvd *pvd)
{
	pvd->fqdn[0] = '\0';
	pvd->http = false;
	pvd->legacy = false;
	pvd->delay = 0;
	pvd->sequence = 0;
	pvd->has_ra_header = false;
	ndisc_ra_header_init(&pvd->ra_header);
	ndisc_options_init(&pvd->options);
}

/* Where every parse starts, accepted or not: no option seen yet.  The
 * header and the PvD part are set later (see "Output" above). */
static void ndisc_ra_start(struct ndisc_ra *ra, int ifindex, const struct in6_addr *src)
{
	ra->ifindex = ifindex;
	ra->src = *src;
	ndisc_options_init(&ra->options);
	ra->has_pvd = false;
	ra->n_options = 0;
	ra->n_ignored = 0;
}

/* The empty result: what a rejected RA leaves. */
static void ndisc_ra_init(struct ndisc_ra *ra)
{
	static const struct in6_addr any;

	ndisc_ra_start(ra, 0, &any);
	ndisc_ra_header_init(&ra->header);
	ndisc_pvd_init(&ra->pvd);
}

static bool in6_is_link_local(const struct in6_addr *a)
{
	/* fe80::/10 */
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

static bool in6_is_unspecified(const struct in6_addr *a)
{
	static const struct in6_addr any;

	return memcmp(a, &any, sizeof(any)) == 0;
}

static bool in6_is_loopback(const struct in6_addr *a)
{
	static const struct in6_addr lo = { .s6_addr = { [15] = 1 } };

	return memcmp(a, &lo, sizeof(lo)) == 0;
}

static bool in6_is_multicast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

/* The first @bits bits of a 64-bit word set (all of them from 64 on), in
 * host order. */
static uint64_t mask64(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : ~(UINT64_MAX >> bits);
}

/* Clear the bits past @prefix_len (<= 128): two 64-bit words, no loop. */
static inline void in6_mask(struct in6_addr *a, unsigned prefix_len)
{
	uint64_t w[2];

	assert(prefix_len <= 128);
	memcpy(w, a, sizeof(w));
	w[0] &= htobe64(mask64(prefix_len));
	w[1] &= htobe64(mask64(prefix_len > 64 ? prefix_len - 64 : 0));
	memcpy(a, w, sizeof(w));
}

/* RFC 4191 §2.1: the preference is a 2-bit two's-complement integer, 01
 * high (1), 00 medium (0), 11 low (-1); *ret untouched for the reserved 10
 * (-2). */
static int ndisc_preference_from_bits(unsigned bits, enum ndisc_preference *ret)
{
	int v = (int)((bits & 3) ^ 2) - 2;

	if (v < NDISC_PREFERENCE_LOW)
		return -EINVAL;
	*ret = (enum ndisc_preference)v;
	return 0;
}

/* RFC 4861 §4.2, for the outer header and the PvD inner header alike. */
static inline void ndisc_parse_ra_header(struct span h, struct ndisc_ra_header *ret)
{
	uint8_t flags;

	assert(h.len == RA_HEADER_LEN);
	flags = span_u8(h, 5);

	ret->cur_hop_limit = span_u8(h, 4);
	ret->flags = flags;
	ret->managed = flags & 0x80;
	ret->other = flags & 0x40;
	ret->router_lifetime = span_be16(h, 6);
	ret->reachable_time = span_be32(h, 8);
	ret->retrans_timer = span_be32(h, 12);

	/* RFC 4191 §2.2: the reserved value 10 is treated as 00, and the
	 * preference of a router with lifetime 0 is ignored. */
	ret->preference = NDISC_PREFERENCE_MEDIUM;
	if (ret->router_lifetime != 0)
		(void)ndisc_preference_from_bits(flags >> 3, &ret->preference);
}

/* ---- domain names -------------------------------------------------------- */

enum name_error {
	NAME_ROOT,
	NAME_COMPRESSED,
	NAME_LABEL_TOO_LONG,
	NAME_LABEL_INVALID,
	NAME_TOO_LONG,
	NAME_UNTERMINATED,
};

/* LDH octet -> its lowercase text, 0 for anything else: one lookup per
 * octet of every name the network sends. */
static const uint8_t ldh_lower[256] = {
	['-'] = '-',
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
#define L(u, l) [u] = l, [l] = l
	L('A', 'a'), L('B', 'b'), L('C', 'c'), L('D', 'd'), L('E', 'e'),
	L('F', 'f'), L('G', 'g'), L('H', 'h'), L('I', 'i'), L('J', 'j'),
	L('K', 'k'), L('L', 'l'), L('M', 'm'), L('N', 'n'), L('O', 'o'),
	L('P', 'p'), L('Q', 'q'), L('R', 'r'), L('S', 's'), L('T', 't'),
	L('U', 'u'), L('V', 'v'), L('W', 'w'), L('X', 'x'), L('Y', 'y'),
	L('Z', 'z'),
#undef L
};

/* Every value ldh_lower[] gives an LDH octet has this bit: '-' is 0x2d,
 * digits 0x3_, lowercase letters 0x6_ and 0x7_.  AND-ing a label's values
 * shows whether a 0 (not LDH) was among them, without a branch per octet. */
#define LDH_COMMON_BIT 0x20

/*
 * The text of one label (RFC 952 / RFC 1123 §2.1 LDH, lowercased) into
 * @dst, label.len octets.  False if it is not LDH; @dst is then partly
 * written.
 */
static bool ndisc_label_text(struct span label, char *dst)
{
	uint8_t all = LDH_COMMON_BIT;

	assert(label.len > 0);
	/* No hyphen at either end. */
	if (span_u8(label, 0) == '-' || span_u8(label, label.len - 1) == '-')
		return false;
	for (size_t i = 0; i < label.len; i++) {
		uint8_t c = ldh_lower[span_u8(label, i)];

		all &= c;
		dst[i] = (char)c;
	}
	return all;
}

/*
 * Read one uncompressed DNS name (RFC 1035 §3.1) from the start of @s into
 * text form in @text.  On success *ret_wire_len is the number of octets it
 * took, terminating zero included, and *ret_last_label the offset of its
 * last label in @text.  On failure @text is partly written.
 *
 * Wire and text form line up one octet apart: the label whose length octet
 * is at @off is copied to text offset @off, and the place of the next
 * length octet takes the dot (the last one becomes the NUL).  So the text
 * is one octet shorter than the wire form without its root label, at most
 * 255 - 2 = NDISC_NAME_MAX octets.
 */
static int ndisc_name_parse(struct span s, char text[static NDISC_NAME_MAX + 1],
			    size_t *ret_wire_len, size_t *ret_last_label,
			    enum name_error *ret_error)
{
	size_t off = 0, last = 0;
	uint8_t l;

	while (off < s.len && (l = span_u8(s, off)) != 0) {
		struct span label;

		if (l > DNS_LABEL_MAX) {
			/* RFC 1035 §4.1.4: 11 in the top two bits is a
			 * compression pointer; 01 and 10 are not plain labels
			 * either. */
			*ret_error = (l & 0xc0) == 0xc0 ? NAME_COMPRESSED : NAME_LABEL_TOO_LONG;
			return -EINVAL;
		}
		if (!span_try_sub(s, off + 1, l, &label)) {
			*ret_error = NAME_UNTERMINATED;
			return -EINVAL;
		}
		/* This label plus the root label must fit in 255 octets. */
		if (off + 1 + l + 1 > DNS_NAME_WIRE_MAX) {
			*ret_error = NAME_TOO_LONG;
			return -EINVAL;
		}
		if (!ndisc_label_text(label, &text[off])) {
			*ret_error = NAME_LABEL_INVALID;
			return -EINVAL;
		}
		text[off + l] = '.';
		last = off;
		off += 1 + (size_t)l;
	}
	if (off >= s.len) {
		*ret_error = NAME_UNTERMINATED;
		return -EINVAL;
	}
	if (off == 0) {
		*ret_error = NAME_ROOT;
		return -EINVAL;
	}

	text[off - 1] = '\0';
	*ret_wire_len = off + 1;
	*ret_last_label = last;
	return 0;
}

static enum ndisc_reason ndisc_dnssl_reason(enum name_error e)
{
	switch (e) {
	case NAME_ROOT:			/* not produced: zero octets are skipped */
		return NDISC_REASON_DNSSL_EMPTY;
	case NAME_COMPRESSED:
		return NDISC_REASON_DNSSL_COMPRESSED;
	case NAME_LABEL_TOO_LONG:
		return NDISC_REASON_DNSSL_LABEL_TOO_LONG;
	case NAME_LABEL_INVALID:
		return NDISC_REASON_DNSSL_LABEL_INVALID;
	case NAME_TOO_LONG:
		return NDISC_REASON_DNSSL_NAME_TOO_LONG;
	case NAME_UNTERMINATED:
		return NDISC_REASON_DNSSL_UNTERMINATED;
	}
	assert(!"bad name_error");
	return NDISC_REASON_DNSSL_LABEL_INVALID;
}

/* RFC 1123 §2.1: is @label (text, up to the next dot or NUL) a number,
 * decimal or 0x-hexadecimal, so that a name ending in it would read as an
 * IPv4 literal? */
static bool ndisc_label_is_number(const char *label)
{
	size_t i = 0;

	if (label[0] == '0' && label[1] == 'x') {
		for (i = 2; label[i] && label[i] != '.'; i++)
			if (!((label[i] >= '0' && label[i] <= '9') || (label[i] >= 'a' && label[i] <= 'f')))
				return false;
		return true;
	}
	for (i = 0; label[i] && label[i] != '.'; i++)
		if (label[i] < '0' || label[i] > '9')
			return false;
	return i > 0;
}

/* Does @name (text form) end in a number label? */
static bool ndisc_name_is_ip_literal(const char *name)
{
	const char *last = strrchr(name, '.');

	return ndisc_label_is_number(last ? last + 1 : name);
}

/* true if @name is @suffix or ends in "." @suffix */
static bool ndisc_name_in_zone(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (n == s)
		return !strcmp(name, suffix);
	return n > s && name[n - s - 1] == '.' && !strcmp(name + n - s, suffix);
}

bool ndisc_pvd_id_fetchable(const char *pvd_id)
{
	assert(pvd_id);
	if (!pvd_id[0] || ndisc_name_is_ip_literal(pvd_id))
		return false;
	/* RFC 6761 §6.3 "localhost." and its subdomains resolve to loopback;
	 * RFC 6762 §3 ".local." is link-local multicast DNS; RFC 3172 ".arpa"
	 * is infrastructure.  None names a PvD's server. */
	return !ndisc_name_in_zone(pvd_id, "localhost") && !ndisc_name_in_zone(pvd_id, "local") &&
	       !ndisc_name_in_zone(pvd_id, "arpa");
}

static enum ndisc_reason ndisc_pvd_fqdn_reason(enum name_error e)
{
	switch (e) {
	case NAME_ROOT:
		return NDISC_REASON_PVD_FQDN_ROOT;
	case NAME_COMPRESSED:
		return NDISC_REASON_PVD_FQDN_COMPRESSED;
	case NAME_LABEL_TOO_LONG:
		return NDISC_REASON_PVD_FQDN_LABEL_TOO_LONG;
	case NAME_LABEL_INVALID:
		return NDISC_REASON_PVD_FQDN_LABEL_INVALID;
	case NAME_TOO_LONG:
		return NDISC_REASON_PVD_FQDN_TOO_LONG;
	case NAME_UNTERMINATED:
		return NDISC_REASON_PVD_FQDN_UNTERMINATED;
	}
	assert(!"bad name_error");
	return NDISC_REASON_PVD_FQDN_LABEL_INVALID;
}

/* ---- options --------------------------------------------------------------
 * Each handler gets the whole option (type and length octets at offsets 0 and
 * 1, length a non-zero multiple of 8) and returns 0 when it used the option,
 * or -EINVAL with *ret_reason set when the option is to be ignored; in that
 * case no count or has_* flag of @o changes (an array slot past the count may
 * have been written).  Entries are written straight into the next free slot
 * (or a scratch entry when the array is full, so that every check still runs
 * in its order and reports its own reason); the count moves only once the
 * option proved good.
 */

/* RFC 4861 §4.6.1.  The address format depends on the link type, which the
 * caller knows: keep the raw octets.  Only the first one counts. */
static int ndisc_opt_lladdr(struct ndisc_options *o, struct span opt,
			    enum ndisc_reason *ret_reason)
{
	size_t n = opt.len - 2;

	if (o->has_lladdr) {
		*ret_reason = NDISC_REASON_SLLA_DUPLICATE;
		return -EINVAL;
	}
	if (n > NDISC_LLADDR_MAX) {
		*ret_reason = NDISC_REASON_SLLA_TOO_LONG;
		return -EINVAL;
	}

	span_copy(opt, 2, o->lladdr, n);
	o->lladdr_len = (uint8_t)n;
	o->has_lladdr = true;
	return 0;
}

/* RFC 4861 §4.6.2, §6.3.4; RFC 4862 §5.5.3 */
static int ndisc_opt_prefix(struct ndisc_options *o, struct span opt,
			    enum ndisc_reason *ret_reason)
{
	struct ndisc_prefix scratch, *p;
	uint8_t flags;

	/* §4.6.2: Length 4. */
	if (opt.len != 32) {
		*ret_reason = NDISC_REASON_PIO_LENGTH;
		return -EINVAL;
	}

	p = o->n_prefixes < NDISC_PIO_MAX ? &o->prefixes[o->n_prefixes] : &scratch;
	p->prefix_len = span_u8(opt, 2);
	if (p->prefix_len > 128) {
		*ret_reason = NDISC_REASON_PIO_PREFIX_LENGTH;
		return -EINVAL;
	}

	flags = span_u8(opt, 3);
	p->flags = flags;
	p->on_link = flags & 0x80;
	p->autonomous = flags & 0x40;
	p->valid_lifetime = span_be32(opt, 4);
	p->preferred_lifetime = span_be32(opt, 8);
	span_copy(opt, 16, &p->prefix, sizeof(p->prefix));
	/* §4.6.2: bits after the prefix length are ignored by the receiver. */
	in6_mask(&p->prefix, p->prefix_len);

	/* §6.3.4 / RFC 4862 §5.5.3 b): a link-local prefix is ignored. */
	if (in6_is_link_local(&p->prefix)) {
		*ret_reason = NDISC_REASON_PIO_LINK_LOCAL;
		return -EINVAL;
	}
	/* RFC 4862 §5.5.3 c): preferred > valid is ignored. */
	if (p->preferred_lifetime > p->valid_lifetime) {
		*ret_reason = NDISC_REASON_PIO_LIFETIMES;
		return -EINVAL;
	}
	if (p == &scratch) {
		*ret_reason = NDISC_REASON_PIO_TOO_MANY;
		return -EINVAL;
	}

	o->n_prefixes++;
	return 0;
}

/* RFC 4861 §4.6.4, §6.3.4 */
static int ndisc_opt_mtu(struct ndisc_options *o, struct span opt,
			 enum ndisc_reason *ret_reason)
{
	uint32_t mtu;

	if (opt.len != 8) {
		*ret_reason = NDISC_REASON_MTU_LENGTH;
		return -EINVAL;
	}
	mtu = span_be32(opt, 4);
	/* §6.3.4: only values >= the minimum link MTU are used. */
	if (mtu < IPV6_MIN_MTU) {
		*ret_reason = NDISC_REASON_MTU_TOO_SMALL;
		return -EINVAL;
	}
	if (o->has_mtu) {
		*ret_reason = NDISC_REASON_MTU_DUPLICATE;
		return -EINVAL;
	}

	o->mtu = mtu;
	o->has_mtu = true;
	return 0;
}

/* RFC 4191 §2.3, §3.1 */
static int ndisc_opt_route(struct ndisc_options *o, struct span opt,
			   enum ndisc_reason *ret_reason)
{
	struct ndisc_route *r;
	enum ndisc_preference pref;
	size_t units = opt.len / 8;
	uint8_t prefix_len;

	/* §2.3: Length is 1, 2 or 3. */
	if (units > 3) {
		*ret_reason = NDISC_REASON_RIO_LENGTH;
		return -EINVAL;
	}

	prefix_len = span_u8(opt, 2);
	if (prefix_len > 128) {
		*ret_reason = NDISC_REASON_RIO_PREFIX_LENGTH;
		return -EINVAL;
	}
	/* §2.3: prefix length > 64 needs Length 3, > 0 needs Length 2 or 3. */
	if ((prefix_len > 64 && units < 3) || (prefix_len > 0 && units < 2)) {
		*ret_reason = NDISC_REASON_RIO_LENGTH_MISMATCH;
		return -EINVAL;
	}
	/* §2.3: "If the Reserved (10) value is received, the Route
	 * Information Option MUST be ignored." */
	if (ndisc_preference_from_bits(span_u8(opt, 3) >> 3, &pref) < 0) {
		*ret_reason = NDISC_REASON_RIO_PREFERENCE;
		return -EINVAL;
	}
	if (o->n_routes >= NDISC_RIO_MAX) {
		*ret_reason = NDISC_REASON_RIO_TOO_MANY;
		return -EINVAL;
	}

	r = &o->routes[o->n_routes++];
	r->prefix_len = prefix_len;
	r->preference = pref;
	r->lifetime = span_be32(opt, 4);
	/* The prefix field is 0, 8 or 16 octets: what it leaves out is zero. */
	memset(&r->prefix, 0, sizeof(r->prefix));
	if (units >= 2)
		span_copy(opt, 8, &r->prefix.s6_addr[0], 8);
	if (units == 3)
		span_copy(opt, 16, &r->prefix.s6_addr[8], 8);
	in6_mask(&r->prefix, prefix_len);
	return 0;
}

/* RFC 8106 §5.1 */
static int ndisc_opt_rdnss(struct ndisc_options *o, struct span opt,
			   enum ndisc_reason *ret_reason)
{
	size_t units = opt.len / 8, n, room = NDISC_RDNSS_MAX - o->n_rdnss;
	uint32_t lifetime;

	/* §5.1: Length is 3 + 2 * (addresses - 1): odd and at least 3.  An
	 * even length (CVE-2020-16898) is ignored, never rounded. */
	if (units < 3) {
		*ret_reason = NDISC_REASON_RDNSS_TOO_SHORT;
		return -EINVAL;
	}
	if (units % 2 == 0) {
		*ret_reason = NDISC_REASON_RDNSS_EVEN_LENGTH;
		return -EINVAL;
	}

	/* Every address is checked, then the room: a bad address is the
	 * reason even in an option that would not fit. */
	n = (opt.len - 8) / 16;
	lifetime = span_be32(opt, 4);
	for (size_t i = 0; i < n; i++) {
		struct in6_addr a;

		span_copy(opt, 8 + 16 * i, &a, sizeof(a));
		/* Not in the RFC: a resolver address the host could never
		 * use, or one that points it at itself, is refused. */
		if (in6_is_unspecified(&a) || in6_is_loopback(&a) ||
		    in6_is_multicast(&a)) {
			*ret_reason = NDISC_REASON_RDNSS_ADDRESS;
			return -EINVAL;
		}
		if (i < room) {
			o->rdnss[o->n_rdnss + i].address = a;
			o->rdnss[o->n_rdnss + i].lifetime = lifetime;
		}
	}
	if (n > room) {
		*ret_reason = NDISC_REASON_RDNSS_TOO_MANY;
		return -EINVAL;
	}

	o->n_rdnss += n;
	return 0;
}

/* RFC 8106 §5.2 */
static int ndisc_opt_dnssl(struct ndisc_options *o, struct span opt,
			   enum ndisc_reason *ret_reason)
{
	struct ndisc_dnssl scratch;
	uint32_t lifetime;
	size_t off = 8, n = 0;

	/* §5.2: the minimum Length is 2. */
	if (opt.len < 16) {
		*ret_reason = NDISC_REASON_DNSSL_TOO_SHORT;
		return -EINVAL;
	}

	lifetime = span_be32(opt, 4);
	while (off < opt.len) {
		struct ndisc_dnssl *d;
		enum name_error e;
		size_t wire, last;

		/* Zero octets are padding (§5.2) or empty names: skip. */
		if (span_u8(opt, off) == 0) {
			off++;
			continue;
		}

		/* Fill the free slots in place; the count is only bumped
		 * once the whole option proved good. */
		d = o->n_dnssl + n < NDISC_DNSSL_MAX ? &o->dnssl[o->n_dnssl + n] : &scratch;
		if (ndisc_name_parse(span_tail(opt, off), d->name, &wire, &last, &e) < 0) {
			*ret_reason = ndisc_dnssl_reason(e);
			return -EINVAL;
		}
		d->lifetime = lifetime;
		n++;
		off += wire;
	}

	if (n == 0) {
		*ret_reason = NDISC_REASON_DNSSL_EMPTY;
		return -EINVAL;
	}
	if (o->n_dnssl + n > NDISC_DNSSL_MAX) {
		*ret_reason = NDISC_REASON_DNSSL_TOO_MANY;
		return -EINVAL;
	}

	o->n_dnssl += n;
	return 0;
}

/* RFC 8781 §4 */
static int ndisc_opt_pref64(struct ndisc_options *o, struct span opt,
			    enum ndisc_reason *ret_reason)
{
	static const uint8_t plc_to_len[] = { 96, 64, 56, 48, 40, 32 };
	struct ndisc_pref64 *p;
	uint16_t v;

	/* "The receiver MUST ignore the PREF64 option if the Length field
	 * value is not 2." */
	if (opt.len != 16) {
		*ret_reason = NDISC_REASON_PREF64_LENGTH;
		return -EINVAL;
	}
	/* Scaled Lifetime (13 bits, units of 8 s) | PLC (3 bits). */
	v = span_be16(opt, 2);
	/* "The receiver MUST ignore the PREF64 option if the Prefix Length
	 * Code field is not set to one of those values." */
	if ((v & 7) >= sizeof(plc_to_len)) {
		*ret_reason = NDISC_REASON_PREF64_PLC;
		return -EINVAL;
	}
	if (o->n_pref64 >= NDISC_PREF64_MAX) {
		*ret_reason = NDISC_REASON_PREF64_TOO_MANY;
		return -EINVAL;
	}

	p = &o->pref64[o->n_pref64++];
	p->prefix_len = plc_to_len[v & 7];
	p->lifetime = v & 0xfff8;	/* scaled lifetime * 8 */
	memset(&p->prefix, 0, sizeof(p->prefix));
	span_copy(opt, 4, &p->prefix, 12);
	in6_mask(&p->prefix, p->prefix_len);
	return 0;
}

/* ---- RA ------------------------------------------------------------------ */

struct ndisc_parser {
	struct ndisc_ra *ra;
	bool seen_pvd;
};

static void ndisc_record_ignored(struct ndisc_ra *ra, uint8_t type, bool in_pvd,
				 enum ndisc_reason reason)
{
	struct ndisc_ignored *e;

	/* One entry per option at most, and options are bounded. */
	assert(ra->n_ignored < NDISC_IGNORED_MAX);
	e = &ra->ignored[ra->n_ignored++];
	e->type = type;
	e->in_pvd = in_pvd;
	e->reason = reason;
}

/*
 * RFC 8801 §3.1: the fields of a PvD option.  Returns 0 with *ret_inner set
 * to its inner options when the option is used (their walk is the caller's),
 * -EINVAL with *ret_reason when it is ignored.  The PvD part of the result
 * is only written here when the option is used (an ignored one may leave a
 * partial FQDN: ndisc_parse_ra() empties the part then).
 */
static int ndisc_opt_pvd(struct ndisc_parser *p, struct span opt, bool in_pvd,
			 struct span *ret_inner, enum ndisc_reason *ret_reason)
{
	struct ndisc_pvd *pvd = &p->ra->pvd;
	enum name_error e;
	uint16_t flags;
	size_t wire, last, off;

	/* §3.2: a PvD option never nests. */
	if (in_pvd) {
		*ret_reason = NDISC_REASON_PVD_NESTED;
		return -EINVAL;
	}
	/* §3.4: all but the first PvD option are ignored. */
	if (p->seen_pvd) {
		*ret_reason = NDISC_REASON_PVD_NOT_FIRST;
		return -EINVAL;
	}
	p->seen_pvd = true;

	/* Type, Length, H|L|R|Reserved(9)|Delay(4), Sequence Number: six
	 * octets, always present since the walker gives at least eight. */
	flags = span_be16(opt, 2);
	if (ndisc_name_parse(span_tail(opt, 6), pvd->fqdn, &wire, &last, &e) < 0) {
		*ret_reason = ndisc_pvd_fqdn_reason(e);
		return -EINVAL;
	}
	if (ndisc_label_is_number(&pvd->fqdn[last])) {
		*ret_reason = NDISC_REASON_PVD_FQDN_IP_LITERAL;
		return -EINVAL;
	}

	/* Padding to the next 8-octet boundary; the name ends inside the
	 * option, whose length is a multiple of 8, so this stays inside. */
	off = (6 + wire + 7) & ~(size_t)7;
	assert(off <= opt.len);

	pvd->has_ra_header = flags & 0x2000;
	if (pvd->has_ra_header) {
		if (opt.len - off < RA_HEADER_LEN) {
			*ret_reason = NDISC_REASON_PVD_RA_HEADER_TRUNCATED;
			return -EINVAL;
		}
		ndisc_parse_ra_header(span_sub(opt, off, RA_HEADER_LEN), &pvd->ra_header);
		off += RA_HEADER_LEN;
	} else {
		ndisc_ra_header_init(&pvd->ra_header);
	}
	pvd->http = flags & 0x8000;
	pvd->legacy = flags & 0x4000;
	pvd->delay = flags & 0x000f;
	pvd->sequence = span_be16(opt, 4);
	ndisc_options_init(&pvd->options);

	/* Used; should its inside break the walk, the whole RA is rejected
	 * and this is undone with the rest. */
	p->ra->has_pvd = true;
	*ret_inner = span_tail(opt, off);
	return 0;
}

/*
 * The walk over the RA's options, cut by the one walker and handed to their
 * handlers.  At the first PvD option that is used, the walk goes into it
 * (its options go to pvd.options) and, at its end, back out to the RA's
 * own options after it: outer and inner options in one loop, in packet
 * order.  Returns 0, or -EBADMSG with *ret_reason set when the walk, outer
 * or inner, is broken.
 */
static int ndisc_walk_options(struct ndisc_parser *p, struct span options,
			      enum ndisc_reason *ret_reason)
{
	struct ndisc_walk walk = { .rest = options };
	struct ndisc_options *o = &p->ra->options;
	struct span after_pvd = options;	/* set when walk.in_pvd */
	struct ndisc_opt opt;
	int r;

	for (;;) {
		enum ndisc_reason why;
		struct span inner;

		r = ndisc_walk_next(&walk, &opt, ret_reason);
		if (r < 0)
			return r;
		if (r == 0) {
			if (!walk.in_pvd)
				break;
			walk.rest = after_pvd;
			walk.in_pvd = false;
			o = &p->ra->options;
			continue;
		}

		switch (opt.type) {
		case NDISC_OPT_SOURCE_LL_ADDR:
			r = ndisc_opt_lladdr(o, opt.data, &why);
			break;
		case NDISC_OPT_PREFIX_INFO:
			r = ndisc_opt_prefix(o, opt.data, &why);
			break;
		case NDISC_OPT_MTU:
			r = ndisc_opt_mtu(o, opt.data, &why);
			break;
		case NDISC_OPT_PVD:
			r = ndisc_opt_pvd(p, opt.data, walk.in_pvd, &inner, &why);
			if (r == 0) {
				after_pvd = walk.rest;
				walk.rest = inner;
				walk.in_pvd = true;
				o = &p->ra->pvd.options;
			}
			break;
		case NDISC_OPT_ROUTE_INFO:
			r = ndisc_opt_route(o, opt.data, &why);
			break;
		case NDISC_OPT_RDNSS:
			r = ndisc_opt_rdnss(o, opt.data, &why);
			break;
		case NDISC_OPT_DNSSL:
			r = ndisc_opt_dnssl(o, opt.data, &why);
			break;
		case NDISC_OPT_PREF64:
			r = ndisc_opt_pref64(o, opt.data, &why);
			break;
		default:
			/* RFC 4861 §4.6: unrecognised options are ignored. */
			why = NDISC_REASON_OPTION_UNKNOWN;
			r = -EINVAL;
			break;
		}
		if (r < 0)
			ndisc_record_ignored(p->ra, opt.type, walk.in_pvd, why);
	}
	p->ra->n_options = walk.n_options;
	return 0;
}

/* RFC 4861 §6.1.2 and the message type, cheapest checks first. */
static int ndisc_check_message(struct span msg, const struct in6_addr *src, int hop_limit,
			       enum ndisc_reason *ret_reason)
{
	if (hop_limit != RA_HOP_LIMIT)
		*ret_reason = NDISC_REASON_HOP_LIMIT;
	else if (!in6_is_link_local(src))
		*ret_reason = NDISC_REASON_SOURCE_NOT_LINK_LOCAL;
	else if (msg.len < RA_HEADER_LEN)
		*ret_reason = NDISC_REASON_TOO_SHORT;
	else if (span_u8(msg, 0) != ND_ROUTER_ADVERT_TYPE)
		*ret_reason = NDISC_REASON_NOT_RA;
	else if (span_u8(msg, 1) != 0)
		*ret_reason = NDISC_REASON_BAD_CODE;
	else
		return 0;
	return -EBADMSG;
}

int ndisc_parse_ra(const uint8_t *buf, size_t len, const struct in6_addr *src,
		   int hop_limit, int ifindex, struct ndisc_ra *ret_ra,
		   enum ndisc_reason *ret_reason)
{
	struct ndisc_parser p = { .ra = ret_ra };
	enum ndisc_reason reason;
	struct span msg;
	int r;

	assert(buf || len == 0);
	assert(src);
	assert(ret_ra);
	assert(ret_reason);

	msg = span_make(buf, len);
	r = ndisc_check_message(msg, src, hop_limit, &reason);
	if (r >= 0) {
		/* Scalars and counts only, never the arrays (see "Output"
		 * above). */
		ndisc_ra_start(ret_ra, ifindex, src);
		ndisc_parse_ra_header(span_sub(msg, 0, RA_HEADER_LEN), &ret_ra->header);
		r = ndisc_walk_options(&p, span_tail(msg, RA_HEADER_LEN), &reason);
	}
	if (r < 0) {
		/* Nothing of a broken RA is used: back to empty. */
		ndisc_ra_init(ret_ra);
		*ret_reason = reason;
		return r;
	}
	if (!ret_ra->has_pvd)
		ndisc_pvd_init(&ret_ra->pvd);
	return 0;
}

/* ---- strings ------------------------------------------------------------- */

static const struct {
	const char *text;
	bool rejects_ra;
} ndisc_reason_table[_NDISC_REASON_MAX] = {
	[NDISC_REASON_HOP_LIMIT]		= { "hop limit is not 255", true },
	[NDISC_REASON_SOURCE_NOT_LINK_LOCAL]	= { "source address is not link-local", true },
	[NDISC_REASON_TOO_SHORT]		= { "ICMPv6 length is less than 16", true },
	[NDISC_REASON_NOT_RA]			= { "ICMPv6 type is not 134", true },
	[NDISC_REASON_BAD_CODE]			= { "ICMPv6 code is not 0", true },
	[NDISC_REASON_OPTION_TRUNCATED]		= { "option header is truncated", true },
	[NDISC_REASON_OPTION_ZERO_LENGTH]	= { "option length is zero", true },
	[NDISC_REASON_OPTION_OVERRUN]		= { "option runs past the end of the RA", true },
	[NDISC_REASON_PVD_OPTION_ZERO_LENGTH]	= { "option length inside PvD option is zero", true },
	[NDISC_REASON_PVD_OPTION_OVERRUN]	= { "option runs past the end of the PvD option", true },
	[NDISC_REASON_TOO_MANY_OPTIONS]		= { "more than 128 options", true },

	[NDISC_REASON_OPTION_UNKNOWN]		= { "option type is not known", false },
	[NDISC_REASON_SLLA_DUPLICATE]		= { "more than one source link-layer address option", false },
	[NDISC_REASON_SLLA_TOO_LONG]		= { "source link-layer address option length is over 4", false },
	[NDISC_REASON_PIO_LENGTH]		= { "prefix information option length is not 4", false },
	[NDISC_REASON_PIO_PREFIX_LENGTH]	= { "prefix information prefix length is over 128", false },
	[NDISC_REASON_PIO_LINK_LOCAL]		= { "prefix information prefix is link-local", false },
	[NDISC_REASON_PIO_LIFETIMES]		= { "prefix preferred lifetime exceeds valid lifetime", false },
	[NDISC_REASON_PIO_TOO_MANY]		= { "more than 32 prefix information options", false },
	[NDISC_REASON_MTU_LENGTH]		= { "MTU option length is not 1", false },
	[NDISC_REASON_MTU_TOO_SMALL]		= { "MTU is less than 1280", false },
	[NDISC_REASON_MTU_DUPLICATE]		= { "more than one MTU option", false },
	[NDISC_REASON_RIO_LENGTH]		= { "route information option length is over 3", false },
	[NDISC_REASON_RIO_PREFIX_LENGTH]	= { "route information prefix length is over 128", false },
	[NDISC_REASON_RIO_LENGTH_MISMATCH]	= { "route information option length does not fit prefix length", false },
	[NDISC_REASON_RIO_PREFERENCE]		= { "route preference is the reserved value 10", false },
	[NDISC_REASON_RIO_TOO_MANY]		= { "more than 64 route information options", false },
	[NDISC_REASON_RDNSS_TOO_SHORT]		= { "RDNSS option length is less than 3", false },
	[NDISC_REASON_RDNSS_EVEN_LENGTH]	= { "RDNSS option length is even", false },
	[NDISC_REASON_RDNSS_ADDRESS]		= { "RDNSS address is unspecified, loopback or multicast", false },
	[NDISC_REASON_RDNSS_TOO_MANY]		= { "more than 16 RDNSS addresses", false },
	[NDISC_REASON_DNSSL_TOO_SHORT]		= { "DNSSL option length is less than 2", false },
	[NDISC_REASON_DNSSL_EMPTY]		= { "DNSSL option has no domain name", false },
	[NDISC_REASON_DNSSL_COMPRESSED]		= { "DNSSL name uses compression", false },
	[NDISC_REASON_DNSSL_LABEL_TOO_LONG]	= { "DNSSL label is longer than 63", false },
	[NDISC_REASON_DNSSL_LABEL_INVALID]	= { "DNSSL label is not letters, digits and inner hyphens", false },
	[NDISC_REASON_DNSSL_NAME_TOO_LONG]	= { "DNSSL name is longer than 255", false },
	[NDISC_REASON_DNSSL_UNTERMINATED]	= { "DNSSL name runs past the end of the option", false },
	[NDISC_REASON_DNSSL_TOO_MANY]		= { "more than 16 DNSSL names", false },
	[NDISC_REASON_PREF64_LENGTH]		= { "PREF64 option length is not 2", false },
	[NDISC_REASON_PREF64_PLC]		= { "PREF64 prefix length code is over 5", false },
	[NDISC_REASON_PREF64_TOO_MANY]		= { "more than 4 PREF64 options", false },
	[NDISC_REASON_PVD_NOT_FIRST]		= { "PvD option is not the first one", false },
	[NDISC_REASON_PVD_NESTED]		= { "PvD option inside a PvD option", false },
	[NDISC_REASON_PVD_FQDN_ROOT]		= { "PvD ID FQDN is the root name", false },
	[NDISC_REASON_PVD_FQDN_COMPRESSED]	= { "PvD ID FQDN uses compression", false },
	[NDISC_REASON_PVD_FQDN_LABEL_TOO_LONG]	= { "PvD ID FQDN label is longer than 63", false },
	[NDISC_REASON_PVD_FQDN_LABEL_INVALID]	= { "PvD ID FQDN label is not letters, digits and inner hyphens", false },
	[NDISC_REASON_PVD_FQDN_TOO_LONG]	= { "PvD ID FQDN is longer than 255", false },
	[NDISC_REASON_PVD_FQDN_UNTERMINATED]	= { "PvD ID FQDN runs past the end of the option", false },
	[NDISC_REASON_PVD_FQDN_IP_LITERAL]	= { "PvD ID FQDN is an IP literal (all-numeric last label)", false },
	[NDISC_REASON_PVD_RA_HEADER_TRUNCATED]	= { "PvD option with R flag is too short for an RA header", false },
};

const char *ndisc_reason_to_string(enum ndisc_reason reason)
{
	if ((unsigned)reason >= _NDISC_REASON_MAX)
		return NULL;
	return ndisc_reason_table[reason].text;
}

bool ndisc_reason_rejects_ra(enum ndisc_reason reason)
{
	if ((unsigned)reason >= _NDISC_REASON_MAX)
		return false;
	return ndisc_reason_table[reason].rejects_ra;
}

const char *ndisc_preference_to_string(enum ndisc_preference pref)
{
	switch (pref) {
	case NDISC_PREFERENCE_LOW:
		return "low";
	case NDISC_PREFERENCE_MEDIUM:
		return "medium";
	case NDISC_PREFERENCE_HIGH:
		return "high";
	}
	return NULL;
}

const char *ndisc_option_to_string(uint8_t type)
{
	switch (type) {
	case NDISC_OPT_SOURCE_LL_ADDR:
		return "source link-layer address";
	case NDISC_OPT_PREFIX_INFO:
		return "prefix information";
	case NDISC_OPT_MTU:
		return "MTU";
	case NDISC_OPT_PVD:
		return "PvD";
	case NDISC_OPT_ROUTE_INFO:
		return "route information";
	case NDISC_OPT_RDNSS:
		return "RDNSS";
	case NDISC_OPT_DNSSL:
		return "DNSSL";
	case NDISC_OPT_PREF64:
		return "PREF64";
	default:
		return NULL;
	}
}
