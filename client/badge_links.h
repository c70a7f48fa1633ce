/*
 * badge_links.h: the links a badge is shared by: the verification URL (QR codes) and LinkedIn's
 * "Add to profile" URL. Pure functions over a verified credential's fields, unit-tested.
 */
#ifndef CAIRN_CLIENT_BADGE_LINKS_H
#define CAIRN_CLIENT_BADGE_LINKS_H

#include <stddef.h>

#include <cairn/badge.h>

/* Percent-encodes s (RFC 3986: all but A-Z a-z 0-9 - . _ ~) onto out. Returns 0, or -1 when
 * out is too small. */
int cairn_badge_urlencode(const char *s, char *out, size_t outlen);

/* Where a verifier looks the badge up: its id when that is an https URL, else verify_base
 * followed by the percent-encoded id ("https://hub.example/verify/" + "urn%3Auuid%3A..."), else
 * nothing. Returns 0, 1 when there is no URL (id not https and no base), -1 when out is too
 * small or verify_base is not an https URL. */
int cairn_badge_verify_url(const struct cairn_badge *b, const char *verify_base, char *out,
                           size_t outlen);

/* https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=..&organizationName=..
 * &issueYear=..&issueMonth=..[&expirationYear=..&expirationMonth=..][&certUrl=..]&certId=..,
 * every value percent-encoded. cert_url may be NULL. Returns 0 or -1 when out is too small. */
int cairn_badge_linkedin_url(const struct cairn_badge *b, const char *cert_url, char *out,
                             size_t outlen);

#endif
