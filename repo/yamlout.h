/*
 * yamlout.h - writing YAML through libyaml's emitter.
 *
 * The installer writes Patroni's configuration (and later any YAML a
 * service reads) as a stream of events, so a value can only ever be a
 * value: quoting and escaping are libyaml's.  Strings that YAML 1.1 (what
 * PyYAML reads) would take for something else - true, on, no, ~, 0755,
 * 1:20, 1e3, an empty string - are written quoted.
 *
 *     struct yamlout *y = yamlout_new();
 *     yamlout_map(y);
 *       yamlout_key(y, "scope"); yamlout_str(y, "pg-meta");
 *       yamlout_key(y, "ttl");   yamlout_int(y, 30);
 *       yamlout_key(y, "hosts"); yamlout_seq(y); yamlout_str(y, "a:2379"); yamlout_end(y);
 *     yamlout_end(y);
 *     if (yamlout_finish(y, &text, err) < 0) ...   (frees y; text malloc'd)
 *
 * Calls after an emitter error are ignored; yamlout_finish reports it.
 */
#ifndef PGB_YAMLOUT_H
#define PGB_YAMLOUT_H

#include "error.h"

struct yamlout;

struct yamlout *yamlout_new(void);
void yamlout_map(struct yamlout *y);	/* begin a mapping */
void yamlout_seq(struct yamlout *y);	/* begin a sequence */
void yamlout_end(struct yamlout *y);	/* end the innermost mapping or sequence */
void yamlout_key(struct yamlout *y, const char *key);
void yamlout_str(struct yamlout *y, const char *value);
void yamlout_int(struct yamlout *y, long long value);
void yamlout_bool(struct yamlout *y, int value);
void yamlout_null(struct yamlout *y);
/* key: value pairs, for brevity. */
void yamlout_kstr(struct yamlout *y, const char *key, const char *value);
void yamlout_kint(struct yamlout *y, const char *key, long long value);
void yamlout_kbool(struct yamlout *y, const char *key, int value);
/* Close the document; *text (malloc'd) holds it.  Frees y either way. */
int yamlout_finish(struct yamlout *y, char **text, struct pgb_err *err);

#endif
