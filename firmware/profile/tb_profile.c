/*
 * tb_profile.c — stand-alone profiling application (replaces the monitor in `make APP=profile`):
 * runs the compiled model on LCG inputs and prints, per operator, the SysTick ticks spent in it.
 * Used by benchmarks/firmware_vs_tflm.py under QEMU -icount, where ticks convert exactly into
 * instructions (per-layer-type instruction counts); never part of a benchmark image.
 *
 * The generated model.c calls TB_OP_DONE(index) after every operator (a no-op unless this file's
 * definition is passed with -DTB_OP_DONE=tb_profile_op_done).
 */
#include <stdint.h>

#include "tb_model.h"
#include "tb_port.h"

#ifndef TB_PROFILE_RUNS
#define TB_PROFILE_RUNS 3
#endif
#define TB_PROFILE_OPS 256

#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static uint32_t prof_last;
static uint32_t prof_ticks[TB_PROFILE_OPS];

void tb_profile_op_done(int index);

void tb_profile_op_done(int index)
{
    const uint32_t now = SYST_CVR;   /* 24-bit down-counter; one operator spans < 2^24 ticks */
    prof_ticks[index & (TB_PROFILE_OPS - 1)] += (prof_last - now) & 0x00FFFFFFu;
    prof_last = SYST_CVR;
}

static void say(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        ++n;
    }
    tb_port_write(s, n);
}

static void say_u(uint32_t v)
{
    char buf[12];
    int n = 11;
    buf[n] = '\0';
    do {
        buf[--n] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    say(buf + n);
}

int main(void)
{
    uint32_t x = 1u, run, i;
    tb_port_init();
    for (run = 0; run < TB_PROFILE_RUNS; ++run) {
        int8_t *in = tb_model_input();
        for (i = 0; i < tb_model_info.input_elements; ++i) {
            x = x * 1664525u + 1013904223u;
            in[i] = (int8_t)(x >> 24);
        }
        prof_last = SYST_CVR;
        tb_model_invoke();
    }
    say("profile ");
    say(tb_model_info.id);
    say(" runs ");
    say_u(TB_PROFILE_RUNS);
    say("\r\n");
    for (i = 0; i < TB_PROFILE_OPS; ++i) {
        if (prof_ticks[i] != 0u) {
            say("op ");
            say_u(i);
            say(" ticks ");
            say_u(prof_ticks[i]);
            say("\r\n");
        }
    }
    say("profile done\r\n");
    return 0;
}
