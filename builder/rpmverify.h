/*
 * rpmverify.h - an RPM package checked with librpm against one upstream's
 * signing keys, as `rpmkeys --checksig` with %_pkgverify_level all would:
 * every header and payload digest must match, and a signature by a key of
 * that upstream must verify.  The keyring holds only that upstream's keys
 * (never the build host's rpmdb), so a package signed by anyone else, or not
 * signed at all, is refused.
 *
 *     struct rpmverify *v;
 *     if (rpmverify_new(&v, "/path/keyring.gpg", "pgdg-yum", &err) < 0) ...;
 *     if (rpmverify_file(v, "cache/x.rpm", "pool/x.rpm", &err) < 0) ...;  // names the file
 *     rpmverify_free(v);
 *
 * librpm keeps process-wide state (its configuration, its log callback and
 * verbosity): rpmverify_file() sets the log callback and verbosity for its
 * duration and puts the previous ones back; do not call it from several
 * threads at once.
 */
#ifndef PGB_RPMVERIFY_H
#define PGB_RPMVERIFY_H

#include <stddef.h>

#include "error.h"

struct rpmverify;

/* A verifier for the keys in the OpenPGP keyring file at path (binary or
 * armored, one or more certificates); upstream names it in messages. */
int rpmverify_new(struct rpmverify **out, const char *keyring, const char *upstream,
		  struct pgb_err *err);
/* Check the package at path; `what` names it in messages (the pool path). */
int rpmverify_file(struct rpmverify *v, const char *path, const char *what,
		   struct pgb_err *err);
void rpmverify_free(struct rpmverify *v);

/* Each certificate of the keyring file at path, binary, for one file each
 * (RPM-GPG-KEY-*: older rpm imports only the first key of a file); the
 * caller frees the strings and the list with rpmverify_certs_free(). */
int rpmverify_split_certs(const char *path, unsigned char ***certs, size_t **lens, size_t *n,
			  struct pgb_err *err);
void rpmverify_certs_free(unsigned char **certs, size_t *lens, size_t n);

#endif
