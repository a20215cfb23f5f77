/* See iface_core.h. */
#include "iface_core.h"

#include <string.h>

#define IFACE_VERSION "1.1"

static iface_port *g_port;
static char g_cmd[IFACE_CMD_MAX + 1];
static size_t g_cmd_len;
static int g_cmd_waiting;                  /* g_cmd holds a "dut" command not yet queued */
static char g_line[IFACE_LINE_MAX + 1];
static size_t g_line_len;
static char g_queue[IFACE_QUEUE_MAX];      /* ring of DUT commands, each ending in '%' */
static size_t g_q_head, g_q_used;
static int g_dut_busy;                     /* a forwarded command has not seen the DUT's m-ready */

/* Timer (IO manager "tm", "enable-timer"): laps stored by iface_edge(), printed by iface_poll(). */
#define IFACE_LAPS 16u                     /* a power of two; two edges per window, read at once */
static volatile uint32_t g_laps[IFACE_LAPS];
static volatile uint32_t g_lap_in, g_lap_out;  /* free-running counters (one writer each) */
static volatile int g_timer_on;
static volatile int g_timer_any_change;    /* tm 1: every change; tm 0 (default): falling edges */
static uint32_t g_laps_lost;

static void host_text(const char *text) { g_port->host_write(text, strlen(text)); }

static void host_line(const char *text) {
    host_text(text);
    g_port->host_write("\r\n", 2);
}

/* Decimal text of v (no printf: newlib's would pull in malloc on a bare-metal board). */
static void host_number(unsigned long v) {
    char digits[12];
    size_t n = 0;
    do {
        digits[sizeof digits - 1u - n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u && n < sizeof digits);
    g_port->host_write(digits + sizeof digits - n, n);
}

static unsigned long parse_number(const char *text) {
    unsigned long v = 0;
    for (; *text >= '0' && *text <= '9'; ++text) {
        v = v * 10u + (unsigned long)(*text - '0');
        if (v > 100000000ul) return 0;    /* out of range either way */
    }
    return v;
}

void iface_init(iface_port *port) {
    g_port = port;
    g_cmd_len = 0;
    g_cmd_waiting = 0;
    g_line_len = 0;
    g_q_head = g_q_used = 0;
    g_dut_busy = 0;
    g_lap_in = g_lap_out = 0;
    g_laps_lost = 0;
    g_timer_on = 0;
    g_timer_any_change = 0;
    if (g_port->dut_baud == 0u) g_port->dut_baud = 9600u;
}

int iface_host_ready(void) { return !g_cmd_waiting; }

/* Queue g_cmd's DUT part (after "dut ") plus '%' and acknowledge it; 0 if it does not fit yet. */
static int enqueue_waiting(void) {
    const char *inner = g_cmd + 4;
    size_t n = strlen(inner), i;
    if (IFACE_QUEUE_MAX - g_q_used < n + 1u) return 0;
    for (i = 0; i <= n; i++) {
        g_queue[(g_q_head + g_q_used + i) % IFACE_QUEUE_MAX] = i < n ? inner[i] : '%';
    }
    g_q_used += n + 1u;
    g_cmd_waiting = 0;
    host_text("m-dut-passthrough(");
    g_port->host_write(inner, n);
    host_line(")");
    host_line("m-ready");
    return 1;
}

/* Forward the oldest queued command (up to and including its '%') to the DUT. */
static void forward_one(void) {
    char buf[IFACE_CMD_MAX + 1];
    size_t n = 0;
    char c;
    do {
        c = g_queue[g_q_head];
        g_q_head = (g_q_head + 1u) % IFACE_QUEUE_MAX;
        g_q_used--;
        if (n < sizeof buf) buf[n++] = c;
    } while (c != '%');
    g_dut_busy = 1;
    g_port->dut_write(buf, n);
}

void iface_edge(uint32_t us, int falling) {
    if (!g_timer_on || (!falling && !g_timer_any_change)) return;
    if (g_lap_in - g_lap_out >= IFACE_LAPS) {
        g_laps_lost++;                     /* the host link is too slow to print them: say so */
        return;
    }
    g_laps[g_lap_in % IFACE_LAPS] = us;
    g_lap_in++;
}

/* Print one stored lap ("m-lap-us-<n>"), or the count of laps lost to a full store. */
static int print_lap(void) {
    if (g_laps_lost) {
        host_text("e-[timer: ");
        host_number(g_laps_lost);
        host_line(" laps lost, host link too slow]");
        g_laps_lost = 0;
        return 1;
    }
    if (g_lap_out == g_lap_in) return 0;
    host_text("m-lap-us-");
    host_number(g_laps[g_lap_out % IFACE_LAPS]);
    host_line("");
    g_lap_out++;
    return 1;
}

int iface_poll(void) {
    if (print_lap()) return 1;
    if (g_cmd_waiting && enqueue_waiting()) return 1;
    if (!g_dut_busy && g_q_used > 0u) {
        forward_one();
        return 1;
    }
    return 0;
}

static void dispatch(void) {
    char *cmd = g_cmd;
    if (strncmp(cmd, "dut ", 4) == 0 && cmd[4] != '\0') {
        g_cmd_waiting = 1;
        (void)enqueue_waiting();           /* else iface_poll() acknowledges it once it fits */
    } else if (strcmp(cmd, "name") == 0) {
        host_line("tinyML Enhanced Interface Board");
        host_line("m-ready");
    } else if (strcmp(cmd, "checkbaud") == 0) {
        host_text("baud is: ");
        host_number(g_port->dut_baud);
        host_line("");
        host_line("m-ready");
    } else if (strcmp(cmd, "tb-iface") == 0) {
        host_text("m-iface-[tinybench,queue=");
        host_number(IFACE_QUEUE_MAX);
        host_text(",baud=");
        host_number(g_port->dut_baud);
        host_line(g_port->has_edge_input ? ",timer]" : "]");
        host_line("m-ready");
    } else if (strcmp(cmd, "help") == 0) {
        host_line("m-help-[name,version,res,tm 0|1,enable-timer,disable-timer,dut <cmd>,"
                  "checkbaud,setbaud <n>,tb-iface]");
        host_line("m-ready");
    } else if (strcmp(cmd, "version") == 0) {
        host_line("m-version-[tinybench interface " IFACE_VERSION "]");
        host_line("m-ready");
    } else if (strcmp(cmd, "res") == 0) {
        if (g_port->reset_dut) {
            g_port->reset_dut();
            host_line("m-[DUT reset]");
        } else {
            host_line("e-[res: this interface board cannot reset the DUT; power-cycle it]");
        }
        host_line("m-ready");
    } else if (strncmp(cmd, "tm ", 3) == 0 && (cmd[3] == '0' || cmd[3] == '1') && cmd[4] == '\0') {
        g_timer_on = 0;                    /* as the IO manager: a mode change stops the timer */
        g_timer_any_change = cmd[3] == '1';
        host_line(g_timer_any_change ? "m-timestmp-mode-CHANGE" : "m-timestmp-mode-FALLING");
        host_line("m-[Timer disabled after mode change]");
        host_line("m-ready");
    } else if (strncmp(cmd, "tm", 2) == 0 && (cmd[2] == ' ' || cmd[2] == '\0')) {
        host_line("e-[tm: expected 'tm 0' (falling edges) or 'tm 1' (any change)]");
        host_line("m-ready");
    } else if (strcmp(cmd, "enable-timer") == 0) {
        g_lap_out = g_lap_in;              /* laps from before are stale */
        g_timer_on = 1;
        host_line("m-timer-enabled");
        host_line("m-ready");
    } else if (strcmp(cmd, "disable-timer") == 0) {
        g_timer_on = 0;
        host_line("m-timer-disabled");
        host_line("m-ready");
    } else if (strncmp(cmd, "setbaud", 7) == 0 && (cmd[7] == ' ' || cmd[7] == '\0')) {
        unsigned long v = cmd[7] ? parse_number(cmd + 8) : 0u;
        uint32_t baud = (v >= 1u && v <= 2000000u) ? (uint32_t)v : 9600u;
        host_text("set baud to: ");
        host_number(baud);
        host_line("");
        host_line("m-ready");
        g_port->dut_baud = baud;
        if (g_port->set_dut_baud) g_port->set_dut_baud(baud);
    } else {
        host_line("m-ready");
    }
}

void iface_host_byte(char c) {
    if (c == '%') {
        g_cmd[g_cmd_len] = '\0';
        g_cmd_len = 0;
        dispatch();
    } else if (g_cmd_len < IFACE_CMD_MAX) {
        g_cmd[g_cmd_len++] = c;
    }   /* overflow: extra characters dropped, the command is truncated */
}

void iface_dut_byte(char c) {
    if (c == '\r' || c == '\0') return;
    if (c == '\n') {
        if (g_line_len) {
            g_port->host_write("[dut]: ", 7);
            g_port->host_write(g_line, g_line_len);
            g_port->host_write("\r\n", 2);
            if (g_line_len == 7u && memcmp(g_line, "m-ready", 7) == 0) g_dut_busy = 0;
        }
        g_line_len = 0;
    } else if (g_line_len < IFACE_LINE_MAX) {
        g_line[g_line_len++] = c;
    }
}
