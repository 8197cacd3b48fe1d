/* Aligned text tables for the terminal: the run report and the time view.
 * Widths are counted in characters, not bytes, so "µs" and "—" line up. */
#ifndef AL_TABLE_H
#define AL_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#define AL_TABLE_MAX_COLS 12
#define AL_TABLE_MAX_ROWS 64
#define AL_TABLE_CELL 48

/* Row 0 is the header.  align[c] is 'l' or 'r'.  Cells are filled in row
 * order; a cell longer than AL_TABLE_CELL - 1 bytes is cut (on a character
 * boundary), cells past AL_TABLE_MAX_ROWS rows are dropped. */
struct al_table {
	int ncols;
	int ncells;
	char align[AL_TABLE_MAX_COLS];
	char cells[AL_TABLE_MAX_ROWS][AL_TABLE_MAX_COLS][AL_TABLE_CELL];
};

/* ncols in 1..AL_TABLE_MAX_COLS; align is a string of ncols 'l'/'r'. */
void al_table_init(struct al_table *t, int ncols, const char *align);
/* Appends the next cell, printf-style. */
void al_table_cell(struct al_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the rows with `indent` spaces in front and two spaces between
 * columns; the header is underlined with a rule, and bold when bold. */
void al_table_print(const struct al_table *t, FILE *out, int indent, bool bold);

/* The same rows as a Markdown (GitHub) table: a header row, the
 * alignment row, then the rows; '|' in a cell is escaped. */
void al_table_print_markdown(const struct al_table *t, FILE *out);
/* Display width of a UTF-8 string: one per character (no wide CJK). */
int al_text_width(const char *s);

#endif
