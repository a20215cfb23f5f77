/*
 * tb_io.c — number formatting and line output on top of tb_port_write().
 */
#include "tb_io.h"

#include <string.h>

#include "tb_port.h"

void tb_putn(const char *s, size_t n) { tb_port_write(s, n); }

void tb_puts(const char *s) { tb_port_write(s, strlen(s)); }

void tb_endl(void) { tb_port_write("\r\n", 2); }

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
