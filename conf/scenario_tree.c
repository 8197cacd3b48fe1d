/* YAML -> node tree, on libyaml's event API.
 *
 * Events rather than libyaml's document API because the document API
 * resolves aliases silently into shared nodes: here an alias is an error
 * the moment it is read, so no input can make the walk blow up. */
#include "conf/scenario_tree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/al_units.h"

int al_yerr_at(struct al_yerr *e, int line, int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->buf == NULL || e->len == 0)
		return -1;
	n = snprintf(e->buf, e->len, "%s:%d:%d: ", e->file, line, col);
	if (n >= 0 && (size_t)n < e->len) {
		va_start(ap, fmt);
		vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}


void al_ytree_free(struct al_ynode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nkid; i++)
		al_ytree_free(n->kid[i]);
	free(n->kid);
	free(n->str);
	free(n);
}

bool al_ynode_is_null(const struct al_ynode *n)
{
	return n->type == AL_YSCALAR && n->plain &&
	       (n->len == 0 || strcmp(n->str, "~") == 0 ||
		strcmp(n->str, "null") == 0);
}

const struct al_ynode *al_ynode_get(const struct al_ynode *map, const char *key,
				    const struct al_ynode **key_out)
{
	size_t klen = strlen(key);

	for (size_t i = 0; map->type == AL_YMAP && i + 1 < map->nkid; i += 2) {
		const struct al_ynode *k = map->kid[i];
		if (k->type == AL_YSCALAR && k->len == klen &&
		    memcmp(k->str, key, klen) == 0) {
			if (key_out)
				*key_out = k;
			return map->kid[i + 1];
		}
	}
	return NULL;
}

const char *al_ynode_kind(const struct al_ynode *n)
{
	return n->type == AL_YMAP ? "a mapping" :
	       n->type == AL_YSEQ ? "a list" : "a value";
}

/* Line and column of a byte offset, for reader errors, which libyaml gives
 * as an offset only.  Columns count characters, as libyaml's marks do. */
static void offset_mark(const char *text, size_t len, size_t off, int *line,
			int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		bool crlf = c == '\r' && i + 1 < len && text[i + 1] == '\n';

		if (c == '\n' || (c == '\r' && !crlf)) {
			(*line)++;
			*col = 1;
		} else if ((c & 0xc0) != 0x80 && c != '\r') {
			(*col)++;
		}
	}
}

/* The other way round: the byte offset of a mark (libyaml's mark.index
 * counts characters, not bytes). */
static size_t mark_offset(const char *text, size_t len, size_t line,
			  size_t col)
{
	size_t i = 0;

	for (; i < len && line > 0; i++)
		if (text[i] == '\n' || (text[i] == '\r' &&
					(i + 1 >= len || text[i + 1] != '\n')))
			line--;
	for (; i < len && col > 0; i++)
		if (i + 1 >= len || ((unsigned char)text[i + 1] & 0xc0) != 0x80)
			col--;
	return i;
}

static int syntax_error(const yaml_parser_t *p, const char *text, size_t len,
			struct al_yerr *e)
{
	int line, col;
	size_t off;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return al_yerr_at(e, 1, 1, "out of memory");
	case YAML_READER_ERROR:
		off = p->problem_offset;
		/* libyaml points at the first byte that is not a trailing
		 * one, often a valid newline: go back to the sequence's start */
		if (p->problem && strstr(p->problem, "trailing") && off > 0 &&
		    off <= len) {
			off--;
			while (off > 0 &&
			       ((unsigned char)text[off] & 0xc0) == 0x80)
				off--;
		}
		offset_mark(text, len, off, &line, &col);
		if (p->problem && strstr(p->problem, "UTF-8"))
			return al_yerr_at(e, line, col, "invalid UTF-8 (byte "
					  "0x%02x): scenarios must be UTF-8 text",
					  off < len ? (unsigned char)text[off] :
					  (unsigned)p->problem_value & 0xff);
		if (p->problem && strstr(p->problem, "control"))
			return al_yerr_at(e, line, col, "control character "
					  "0x%02x is not allowed",
					  (unsigned)p->problem_value);
		return al_yerr_at(e, line, col, "invalid text: %s",
				  p->problem ? p->problem : "unreadable");
	default:
		line = (int)p->problem_mark.line + 1;
		col = (int)p->problem_mark.column + 1;
		off = mark_offset(text, len, p->problem_mark.line,
				  p->problem_mark.column);
		if (off < len && text[off] == '\t')
			return al_yerr_at(e, line, col, "syntax error: tabs "
					  "are not allowed here (indent with "
					  "spaces)");
		if (p->context)
			return al_yerr_at(e, line, col, "syntax error: %s (%s)",
					  p->problem ? p->problem : "?",
					  p->context);
		return al_yerr_at(e, line, col, "syntax error: %s",
				  p->problem ? p->problem : "?");
	}
}

struct builder {
	struct al_ynode *root;
	struct al_ynode *stack[AL_YTREE_MAX_DEPTH];
	int depth;
	size_t nodes;
	int docs;
};

static struct al_ynode *node_new(enum al_ynode_type type, const yaml_mark_t *m)
{
	struct al_ynode *n = calloc(1, sizeof(*n));

	if (n) {
		n->type = type;
		n->line = (int)m->line + 1;
		n->col = (int)m->column + 1;
	}
	return n;
}

/* Hands n to its parent (or makes it the root); frees it on failure. */
static int attach(struct builder *b, struct al_ynode *n)
{
	struct al_ynode *parent;

	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	parent = b->stack[b->depth - 1];
	if (parent->nkid == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct al_ynode **kid = realloc(parent->kid, cap * sizeof(*kid));
		if (kid == NULL) {
			al_ytree_free(n);
			return -1;
		}
		parent->kid = kid;
		parent->cap = cap;
	}
	parent->kid[parent->nkid++] = n;
	return 0;
}

/* One event into the tree.  Returns 1 at the end of the stream, 0 to go
 * on, -1 on error. */
static int on_event(struct builder *b, const yaml_event_t *ev,
		    struct al_yerr *e)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct al_ynode *n;
	enum al_ynode_type type;
	char q[64];

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1)
			return al_yerr_at(e, (int)m->line + 1, (int)m->column + 1,
					  "a second document: a scenario file "
					  "holds one document");
		return 0;
	case YAML_ALIAS_EVENT:
		if (e->quiet)
			snprintf(q, sizeof(q), "…");
		else
			al_quote(q, sizeof(q), (const char *)ev->data.alias.anchor,
				 strlen((const char *)ev->data.alias.anchor));
		return al_yerr_at(e, (int)m->line + 1, (int)m->column + 1,
				  "aliases (*%s) are not supported", q);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		b->depth--;
		return 0;
	case YAML_SCALAR_EVENT:
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		break;
	default:
		return 0;
	}
	if (++b->nodes > AL_YTREE_MAX_NODES)
		return al_yerr_at(e, (int)m->line + 1, (int)m->column + 1,
				  "more than %d values", AL_YTREE_MAX_NODES);
	type = ev->type == YAML_SCALAR_EVENT ? AL_YSCALAR :
	       ev->type == YAML_MAPPING_START_EVENT ? AL_YMAP : AL_YSEQ;
	if (type != AL_YSCALAR && b->depth == AL_YTREE_MAX_DEPTH)
		return al_yerr_at(e, (int)m->line + 1, (int)m->column + 1,
				  "nested more than %d levels deep",
				  AL_YTREE_MAX_DEPTH);
	if ((n = node_new(type, m)) == NULL)
		return al_yerr_at(e, 1, 1, "out of memory");
	if (type == AL_YSCALAR) {
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->str = malloc(n->len + 1);
		if (n->str == NULL) {
			al_ytree_free(n);
			return al_yerr_at(e, 1, 1, "out of memory");
		}
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
	}
	if (attach(b, n) < 0)
		return al_yerr_at(e, 1, 1, "out of memory");
	if (type != AL_YSCALAR)
		b->stack[b->depth++] = n;
	return 0;
}

int al_ytree_parse(const char *text, size_t len, struct al_ynode **root,
		   struct al_yerr *e)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct builder b = {0};
	int rc = 0;

	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return al_yerr_at(e, 1, 1, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	/* not auto-detected: a UTF-16 byte order mark is an error, not a
	 * reason to read the file as UTF-16 */
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	while (rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = syntax_error(&p, text, len, e);
			break;
		}
		rc = on_event(&b, &ev, e);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc < 0) {
		al_ytree_free(b.root);
		return -1;
	}
	if (b.root && al_ynode_is_null(b.root)) {
		al_ytree_free(b.root);
		b.root = NULL;
	}
	*root = b.root;
	return 0;
}
