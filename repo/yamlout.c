/*
 * yamlout.c - YAML through libyaml's emitter (yamlout.h).
 */
#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util.h"
#include "yamlout.h"

#define YAMLOUT_DEPTH 64

struct yamlout {
	yaml_emitter_t em;
	struct sbuf out;
	int failed;
	char open[YAMLOUT_DEPTH];	/* 'm' or 's' per open collection */
	int depth;
};

static void push(struct yamlout *y, char kind)
{
	if (y->depth >= YAMLOUT_DEPTH)
		y->failed = 1;
	else
		y->open[y->depth++] = kind;
}

static int write_handler(void *data, unsigned char *buf, size_t size)
{
	sbuf_add(&((struct yamlout *)data)->out, buf, size);
	return 1;
}

static void emit(struct yamlout *y, yaml_event_t *ev, int ok)
{
	if (y->failed || !ok) {
		y->failed = 1;
		return;
	}
	if (!yaml_emitter_emit(&y->em, ev))
		y->failed = 1;
}

struct yamlout *yamlout_new(void)
{
	struct yamlout *y = xcalloc(1, sizeof(*y));
	yaml_event_t ev;

	if (!yaml_emitter_initialize(&y->em)) {
		y->failed = 1;
		return y;
	}
	yaml_emitter_set_output(&y->em, write_handler, y);
	yaml_emitter_set_unicode(&y->em, 1);
	yaml_emitter_set_width(&y->em, 100);
	emit(y, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(y, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	return y;
}

void yamlout_map(struct yamlout *y)
{
	yaml_event_t ev;

	emit(y, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							  YAML_BLOCK_MAPPING_STYLE));
	push(y, 'm');
}

void yamlout_seq(struct yamlout *y)
{
	yaml_event_t ev;

	emit(y, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							   YAML_BLOCK_SEQUENCE_STYLE));
	push(y, 's');
}

void yamlout_end(struct yamlout *y)
{
	yaml_event_t ev;

	if (y->failed || y->depth == 0) {
		y->failed = 1;
		return;
	}
	if (y->open[--y->depth] == 'm')
		emit(y, &ev, yaml_mapping_end_event_initialize(&ev));
	else
		emit(y, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void scalar(struct yamlout *y, const char *v, int plain, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	emit(y, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)v,
						  (int)strlen(v), plain, !plain, style));
}

/* A string YAML 1.1 would read as a bool, null, number or time. */
static int looks_typed(const char *s)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", NULL
	};
	const char *p = s;

	if (!*s)
		return 1;
	for (size_t i = 0; words[i]; i++)
		if (strcasecmp(s, words[i]) == 0)
			return 1;
	if (*p == '-' || *p == '+' || *p == '.')
		p++;
	/* digits first: an int, float, octal, hex, sexagesimal 1:20 or a date */
	return isdigit((unsigned char)*p) || strcasecmp(p, "inf") == 0 ||
	       strcasecmp(p, "nan") == 0;
}

void yamlout_key(struct yamlout *y, const char *key)
{
	scalar(y, key, 1, YAML_PLAIN_SCALAR_STYLE);
}

void yamlout_str(struct yamlout *y, const char *value)
{
	if (looks_typed(value))
		scalar(y, value, 0, YAML_SINGLE_QUOTED_SCALAR_STYLE);
	else
		scalar(y, value, 1, YAML_ANY_SCALAR_STYLE);
}

void yamlout_int(struct yamlout *y, long long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", value);
	scalar(y, buf, 1, YAML_PLAIN_SCALAR_STYLE);
}

void yamlout_bool(struct yamlout *y, int value)
{
	scalar(y, value ? "true" : "false", 1, YAML_PLAIN_SCALAR_STYLE);
}

void yamlout_null(struct yamlout *y)
{
	scalar(y, "null", 1, YAML_PLAIN_SCALAR_STYLE);
}

void yamlout_kstr(struct yamlout *y, const char *key, const char *value)
{
	yamlout_key(y, key);
	yamlout_str(y, value);
}

void yamlout_kint(struct yamlout *y, const char *key, long long value)
{
	yamlout_key(y, key);
	yamlout_int(y, value);
}

void yamlout_kbool(struct yamlout *y, const char *key, int value)
{
	yamlout_key(y, key);
	yamlout_bool(y, value);
}

int yamlout_finish(struct yamlout *y, char **text, struct pgb_err *err)
{
	yaml_event_t ev;
	int rc = 0;

	if (y->depth)
		y->failed = 1;
	emit(y, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(y, &ev, yaml_stream_end_event_initialize(&ev));
	if (!y->failed && !yaml_emitter_flush(&y->em))
		y->failed = 1;
	*text = NULL;
	if (y->failed)
		rc = pgb_fail(err, "cannot write YAML: %s", y->em.problem ? y->em.problem :
			      "an event out of order");
	else
		*text = sbuf_detach(&y->out, NULL);
	yaml_emitter_delete(&y->em);
	sbuf_free(&y->out);
	free(y);
	return rc;
}
