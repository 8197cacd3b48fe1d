/* Aligned text tables.  The table is a fixed grid of small strings, so
 * building one never allocates and never fails; what does not fit is cut,
 * which only a programming error can cause with the tables asynclab prints. */
#include "report/table.h"

#include <stdarg.h>
#include <string.h>

#include "core/al_assert.h"

void al_table_init(struct al_table *t, int ncols, const char *align)
{
	AL_ASSERT(ncols >= 1 && ncols <= AL_TABLE_MAX_COLS);
	AL_ASSERT(strlen(align) == (size_t)ncols);
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	memcpy(t->align, align, (size_t)ncols);
}

/* Cuts s to fit in n bytes without splitting a UTF-8 sequence. */
static void cut_utf8(char *s, size_t n)
{
	size_t len = strlen(s);

	if (len < n)
		return;
	len = n - 1;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	s[len] = '\0';
}

void al_table_cell(struct al_table *t, const char *fmt, ...)
{
	int row = t->ncells / t->ncols, col = t->ncells % t->ncols;
	char buf[AL_TABLE_CELL * 2];
	va_list ap;

	t->ncells++;
	if (row >= AL_TABLE_MAX_ROWS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cut_utf8(buf, AL_TABLE_CELL);
	memcpy(t->cells[row][col], buf, strlen(buf) + 1);
}

int al_text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void spaces(FILE *out, int n)
{
	for (; n > 0; n--)
		fputc(' ', out);
}

void al_table_print(const struct al_table *t, FILE *out, int indent, bool bold)
{
	int nrows = (t->ncells + t->ncols - 1) / t->ncols;
	int width[AL_TABLE_MAX_COLS] = {0};
	int total = 0;

	if (nrows > AL_TABLE_MAX_ROWS)
		nrows = AL_TABLE_MAX_ROWS;
	for (int r = 0; r < nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			int w = al_text_width(t->cells[r][c]);
			if (w > width[c])
				width[c] = w;
		}
	for (int c = 0; c < t->ncols; c++)
		total += width[c] + (c ? 2 : 0);
	for (int r = 0; r < nrows; r++) {
		spaces(out, indent);
		if (r == 0 && bold)
			fputs("\033[1m", out);
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r][c];
			int pad = width[c] - al_text_width(s);
			bool last = c == t->ncols - 1;

			if (c)
				spaces(out, 2);
			if (t->align[c] == 'r')
				spaces(out, pad);
			fputs(s, out);
			if (t->align[c] != 'r' && !last)
				spaces(out, pad);
		}
		if (r == 0 && bold)
			fputs("\033[0m", out);
		fputc('\n', out);
		if (r == 0) {
			spaces(out, indent);
			for (int i = 0; i < total; i++)
				fputs("─", out);
			fputc('\n', out);
		}
	}
}

void al_table_print_markdown(const struct al_table *t, FILE *out)
{
	int nrows = (t->ncells + t->ncols - 1) / t->ncols;

	if (nrows > AL_TABLE_MAX_ROWS)
		nrows = AL_TABLE_MAX_ROWS;
	for (int r = 0; r < nrows; r++) {
		fputc('|', out);
		for (int c = 0; c < t->ncols; c++) {
			fputc(' ', out);
			for (const char *s = t->cells[r][c]; *s; s++) {
				if (*s == '|')
					fputc('\\', out);
				fputc(*s, out);
			}
			fputs(" |", out);
		}
		fputc('\n', out);
		if (r == 0) {
			fputc('|', out);
			for (int c = 0; c < t->ncols; c++)
				fputs(t->align[c] == 'r' ? " --: |" : " :-- |", out);
			fputc('\n', out);
		}
	}
}
