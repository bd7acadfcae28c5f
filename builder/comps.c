#include "comps.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

static int named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* The text of n's child `name` (malloc'd), or NULL. */
static char *child_text(const xmlNode *n, const char *name)
{
	const xmlNode *c = child(n, name);
	xmlChar *t = c ? xmlNodeGetContent(c) : NULL;
	char *s = t ? xstrdup((const char *)t) : NULL;

	xmlFree(t);
	return s;
}

/* Does the group list, as any packagereq, a package of names? */
static int lists_any(const xmlNode *group, const struct strlist *names)
{
	const xmlNode *pl = child(group, "packagelist");
	int any = 0;

	for (const xmlNode *c = pl ? pl->children : NULL; c && !any; c = c->next) {
		xmlChar *t;

		if (!named(c, "packagereq"))
			continue;
		t = xmlNodeGetContent(c);
		any = t && strlist_has(names, (const char *)t);
		xmlFree(t);
	}
	return any;
}

/* Copy the baseline groups of one comps file that list a bundled package
 * into root; done holds the ids taken so far. */
static int take_groups(const char *path, const struct strlist *groups,
		       const struct strlist *names, xmlNode *root, struct strlist *done,
		       struct pgb_err *err)
{
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS |
				  XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	const xmlNode *top = doc ? xmlDocGetRootElement(doc) : NULL;

	if (!top || !named(top, "comps")) {
		if (doc)
			xmlFreeDoc(doc);
		return pgb_fail(err, "%s: not a comps document (group metadata)", path);
	}
	for (const xmlNode *g = top->children; g; g = g->next) {
		char *id;

		if (!named(g, "group") || !(id = child_text(g, "id")))
			continue;
		if (strlist_has(groups, id) && !strlist_has(done, id) && lists_any(g, names)) {
			xmlAddChild(root, xmlDocCopyNode((xmlNode *)g, root->doc, 1));
			strlist_add(done, id);
		}
		free(id);
	}
	xmlFreeDoc(doc);
	return 0;
}

int comps_bundle_xml(const char *const *files, size_t nfiles, const struct strlist *groups,
		     const struct strlist *names, char **out, struct pgb_err *err)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *root = xmlNewNode(NULL, BAD_CAST "comps");
	struct strlist done = STRLIST_INIT;
	xmlChar *buf = NULL;
	int len = 0, rc = 0;

	*out = NULL;
	xmlDocSetRootElement(doc, root);
	xmlCreateIntSubset(doc, BAD_CAST "comps", BAD_CAST "-//Red Hat, Inc.//DTD Comps info//EN",
			   BAD_CAST "comps.dtd");
	for (size_t i = 0; rc == 0 && groups && i < nfiles; i++)
		if (files[i])
			rc = take_groups(files[i], groups, names, root, &done, err);
	if (rc == 0 && done.n) {
		xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 1);
		if (!buf)
			rc = pgb_fail(err, "cannot write the bundle's comps (out of memory)");
		else
			*out = xstrndup((const char *)buf, (size_t)len);
	}
	xmlFree(buf);
	xmlFreeDoc(doc);
	strlist_free(&done);
	return rc;
}
