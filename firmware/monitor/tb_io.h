/*
 * tb_io.h — line output for the monitor without printf.
 *
 * Why no printf: newlib's float printf costs ~20 kB of flash on Cortex-M and its rounding can
 * differ from glibc's; formatting numbers here keeps every board's replies byte-identical and the
 * image small. Every reply line ends in "\r\n" as the DUT protocol requires.
 */
#ifndef TB_IO_H
#define TB_IO_H

#include <stddef.h>
#include <stdint.h>

void tb_puts(const char *s);                 /* text, no line end */
void tb_putn(const char *s, size_t n);       /* n bytes */
void tb_put_u32(uint32_t v);                 /* decimal */
void tb_put_i32(int32_t v);
void tb_put_hex8(uint8_t v);                 /* two lowercase hex digits */
void tb_put_fixed3(float v);                 /* like printf("%0.3f"): exact round-half-even */
void tb_endl(void);                          /* "\r\n" */
void tb_line(const char *s);                 /* s + "\r\n" */
void tb_io_line_check(int on);               /* tb-check: "~<crc32>" before each line end */

/* CRC-32 (IEEE 802.3, reflected, as zlib.crc32) of n bytes, continuing from crc (0 to start). */
uint32_t tb_crc32(uint32_t crc, const uint8_t *p, uint32_t n);

/* Output tap: between start and stop, every byte printed is added to a CRC-32 that stop returns
 * (tb-slide's check over its reply lines, so the host detects one damaged line among hundreds). */
void tb_io_tap_start(void);
uint32_t tb_io_tap_stop(void);

#endif /* TB_IO_H */
