/* test_html.c - the report's HTML writer escapes every piece of data, in text
 * and in attribute values, and catches markup left open or closed out of
 * order. */
#include <string.h>

#include "html.h"
#include "unit.h"

static int test_data_cannot_make_markup(void)
{
	struct html h = HTML_INIT;
	struct pgb_err err = { { 0 } };
	const char *evil = "<script>alert(\"x\")</script>&'";

	html_open(&h, "td", "title", evil, "class", NULL, NULL);	/* NULL value: no attribute */
	html_text(&h, evil);
	html_textf(&h, "%s", evil);
	html_close(&h, "td");
	html_elem(&h, "code", evil, "data-x", "a\"b", NULL);
	CHECK(html_finish(&h, &err) == 0);
	CHECK(!strstr(h.out.buf, "<script>") && !strstr(h.out.buf, "a\"b"));
	CHECK(!strstr(h.out.buf, "class="));
	CHECK(strstr(h.out.buf, "<td title=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
				"&amp;&#39;\">"));
	CHECK(strstr(h.out.buf, "<code data-x=\"a&quot;b\">&lt;script&gt;"));
	html_free(&h);
	return 0;
}

static int test_nesting_mistakes_are_reported(void)
{
	struct html h = HTML_INIT, h2 = HTML_INIT;
	struct pgb_err err = { { 0 } };

	html_open(&h, "table", NULL);
	html_open(&h, "tr", NULL);
	html_close(&h, "table");
	CHECK(html_finish(&h, &err) < 0 && strstr(err.msg, "</table> closes <tr>"));
	html_open(&h2, "div", NULL);
	CHECK(html_finish(&h2, &err) < 0 && strstr(err.msg, "<div> was never closed"));
	html_free(&h);
	html_free(&h2);
	return 0;
}

int main(void)
{
	struct t_sum sum = { 0, 0 };

	T_RUN(&sum, test_data_cannot_make_markup);
	T_RUN(&sum, test_nesting_mistakes_are_reported);
	return t_done(&sum);
}
