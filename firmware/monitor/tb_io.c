/*
 * tb_io.c — number formatting and line output on top of tb_port_write().
 */
#include "tb_io.h"

#include <string.h>

#include "tb_port.h"

/* Output tap (tb_io_tap_start/stop): CRC-32 of everything printed while it is on. */
static int tap_on;
static uint32_t tap_crc;

/* Line check (tinybench extension `tb-check on`): while on, every line ends in "~" + the CRC-32 of
 * its bytes in 8 hex digits, before the "\r\n". Off at boot, so standard hosts never see it. The
 * tap above does not include these suffixes (the host compares it with the lines' text). */
static int line_check;
static uint32_t line_crc;

uint32_t tb_crc32(uint32_t crc, const uint8_t *p, uint32_t n)
{
    /* A nibble at a time: a 64-byte table keeps flash small, and the cost (two lookups per byte)
     * is far below a UART byte time. */
    static const uint32_t nib[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    uint32_t i;
    crc = ~crc;
    for (i = 0; i < n; ++i) {
        crc ^= p[i];
        crc = (crc >> 4) ^ nib[crc & 0x0fu];
        crc = (crc >> 4) ^ nib[crc & 0x0fu];
    }
    return ~crc;
}

void tb_io_tap_start(void)
{
    tap_on = 1;
    tap_crc = 0u;
}

uint32_t tb_io_tap_stop(void)
{
    tap_on = 0;
    return tap_crc;
}

void tb_io_line_check(int on)
{
    line_check = on;
    line_crc = 0u;
}

void tb_putn(const char *s, size_t n)
{
    if (tap_on) {
        tap_crc = tb_crc32(tap_crc, (const uint8_t *)s, (uint32_t)n);
    }
    if (line_check) {
        line_crc = tb_crc32(line_crc, (const uint8_t *)s, (uint32_t)n);
    }
    tb_port_write(s, n);
}

void tb_puts(const char *s) { tb_putn(s, strlen(s)); }

void tb_endl(void)
{
    if (line_check) {
        static const char digits[] = "0123456789abcdef";
        char tail[9];
        int i;
        tail[0] = '~';
        for (i = 0; i < 8; ++i) {
            tail[1 + i] = digits[(line_crc >> (28 - 4 * i)) & 0x0fu];
        }
        tb_port_write(tail, sizeof tail);
        line_crc = 0u;
    }
    if (tap_on) {
        tap_crc = tb_crc32(tap_crc, (const uint8_t *)"\r\n", 2u);
    }
    tb_port_write("\r\n", 2);
}

void tb_line(const char *s)
{
    tb_puts(s);
    tb_endl();
}

static void put_u64(uint64_t v)
{
    char buf[21];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    tb_putn(buf + i, sizeof buf - i);
}

void tb_put_u32(uint32_t v) { put_u64(v); }

void tb_put_i32(int32_t v)
{
    if (v < 0) {
        tb_putn("-", 1);
        put_u64((uint64_t)(-(int64_t)v));
    } else {
        put_u64((uint64_t)v);
    }
}

void tb_put_hex8(uint8_t v)
{
    static const char digits[] = "0123456789abcdef";
    char out[2];
    out[0] = digits[v >> 4];
    out[1] = digits[v & 0x0fu];
    tb_putn(out, 2);
}

/*
 * printf("%0.3f") prints the exact binary value rounded to 3 decimals, ties to even. A float has
 * a 24-bit mantissa, so v * 1000 is exact in a double (24 + 10 bits < 53): the fractional part we
 * compare with 0.5 is exact and the result matches glibc digit for digit.
 */
void tb_put_fixed3(float v)
{
    double x = (double)v;
    double milli;
    double whole;
    double frac;
    uint64_t n;
    char tail[4];

    if (x != x) {
        tb_puts("nan");
        return;
    }
    if (x < 0.0) {
        tb_putn("-", 1);
        x = -x;
    }
    if (x > 1.0e15) {
        tb_puts("inf");
        return;
    }
    milli = x * 1000.0;
    whole = (double)(uint64_t)milli;
    frac = milli - whole;
    n = (uint64_t)whole;
    if (frac > 0.5 || (frac == 0.5 && (n & 1u) != 0u)) {
        n += 1u;
    }
    put_u64(n / 1000u);
    tail[0] = '.';
    tail[1] = (char)('0' + (int)((n / 100u) % 10u));
    tail[2] = (char)('0' + (int)((n / 10u) % 10u));
    tail[3] = (char)('0' + (int)(n % 10u));
    tb_putn(tail, 4);
}
