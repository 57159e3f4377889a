/* SPDX-License-Identifier: MIT */
/*
 * hexdump.c - print_hex_dump(), as the kernel's lib/hexdump.c: memory shown as rows of
 * hex bytes with their printable characters beside them, one printk line per row. The
 * slab debugging reports show objects, red zones and padding this way.
 *
 * A row of 16 one-byte groups reads
 *   <prefix><address>: 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b a5  kkkkkkkkkkkkkkk.
 * the characters starting in the same column on every row, a short last row included.
 */
#include "internal.h"

static const char hex_asc[] = "0123456789abcdef";

static bool hex_dump_printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/*
 * hex_dump_to_buffer() for groups of one byte: @len (<= @rowsize) bytes of @buf as text
 * in @linebuf, the ASCII column at rowsize * 3 + 1 as the kernel places it.
 */
static void hex_dump_row(const u8 *buf, size_t len, int rowsize, bool ascii, char *linebuf,
			 size_t linebuflen)
{
	size_t ascii_column = (size_t)rowsize * 3 + 1, lx = 0;

	for (size_t j = 0; j < len && lx + 3 < linebuflen; j++) {
		linebuf[lx++] = hex_asc[buf[j] >> 4];
		linebuf[lx++] = hex_asc[buf[j] & 0xf];
		linebuf[lx++] = ' ';
	}
	if (lx)
		lx--; /* no space after the last group */
	if (ascii) {
		while (lx < ascii_column && lx + 1 < linebuflen)
			linebuf[lx++] = ' ';
		for (size_t j = 0; j < len && lx + 1 < linebuflen; j++)
			linebuf[lx++] = hex_dump_printable(buf[j]) ? (char)buf[j] : '.';
	}
	linebuf[lx] = '\0';
}

void print_hex_dump(const char *level, const char *prefix_str, int prefix_type, int rowsize,
		    int groupsize, const void *buf, size_t len, bool ascii)
{
	const u8 *ptr = buf;
	char linebuf[32 * 3 + 2 + 32 + 1];

	(void)groupsize; /* kmm's callers dump bytes; wider groups are not needed yet */
	if (rowsize != 16 && rowsize != 32)
		rowsize = 16;
	for (size_t i = 0; i < len; i += (size_t)rowsize) {
		size_t linelen = min(len - i, (size_t)rowsize);

		hex_dump_row(ptr + i, linelen, rowsize, ascii, linebuf, sizeof(linebuf));
		switch (prefix_type) {
		case DUMP_PREFIX_ADDRESS:
			printk("%s%s%016lx: %s\n", level, prefix_str, (unsigned long)(ptr + i),
			       linebuf);
			break;
		case DUMP_PREFIX_OFFSET:
			printk("%s%s%.8zx: %s\n", level, prefix_str, i, linebuf);
			break;
		default:
			printk("%s%s%s\n", level, prefix_str, linebuf);
			break;
		}
	}
}
