/*
 * tb_monitor.c — command assembly, dispatch and replies of the DUT protocol.
 *
 * Byte-compatible with the reference monitor (../shared/docs/dut-protocol.md §2-§7) except that its
 * silent failure modes are error lines here, and every error leaves the state unchanged:
 *   - a command longer than TB_CMD_MAX characters        -> e-[Command too long: ...]
 *   - an empty command (bare '%', or only spaces)        -> e-[Empty command]
 *   - `db load N` with N above the buffer                -> e-[Supplied buffer size ...]
 *   - `db` data beyond the size announced by `db load`   -> e-[Data past the expected size ...]
 *   - a bad hex digit stores nothing (the reference stored the pairs before it)
 *   - `infer` without a complete input of the model's size -> e-[Input db has ...]
 *
 * tinybench extension `tb-load SIZE CRC [KEEP]` (advertised as `load` in tb-caps; docs/architecture.md,
 * "Protocol extensions"): the input arrives as raw bytes instead of hex. SIZE-KEEP payload bytes
 * follow the '%' immediately; the new input is the last KEEP bytes of the previous complete input
 * followed by the payload (KEEP lets sliding windows send only their new bytes). CRC is the CRC-32
 * (IEEE, as zlib.crc32) of the whole SIZE-byte input, in 8 hex digits. One reply per input:
 * m-load-done, or e-[...] when the checksum or arguments are wrong. Nothing is printed between the
 * command and the end of its payload, so a UART without flow control never overruns.
 *
 * `tb-slide STRIDE COUNT` (caps word `slide`) runs COUNT windows of the loaded buffer at offsets
 * 0, STRIDE, ... in one exchange (a sliding-window file loaded once instead of 196 loads and
 * 196 round trips); `tb-mload SIZE CRC` (caps `mbox=<address of the input buffer>`) acknowledges
 * an input that a debugger or simulator wrote straight into the buffer.
 */
#include "tb_monitor.h"

#include <stdint.h>
#include <string.h>

#include "tb_io.h"
#include "tb_model.h"
#include "tb_port.h"
#include "tb_workload.h"

#define TB_MAX_TOKENS 5

static char cmd_buf[TB_CMD_MAX + 1];
static uint32_t cmd_len;
static int cmd_overflow;

static uint8_t db_buf[TB_DB_MAX];
static uint32_t db_expected; /* size announced by the last accepted `db load` */
static uint32_t db_pos;      /* bytes stored since then */

#if !TB_STANDARD_ONLY
/* tb-load in progress: raw payload bytes still expected (0 = command mode). */
static uint32_t bin_left;
static uint32_t bin_crc;      /* CRC-32 the host announced */
static int bin_bad_args;      /* the command was malformed: consume the payload, then report */
#endif

static void ready(void) { tb_line("m-ready"); }

/* e-[<text><arg>] */
static void error2(const char *text, const char *arg)
{
    tb_puts("e-[");
    tb_puts(text);
    if (arg != 0) {
        tb_puts(arg);
    }
    tb_line("]");
}

/* Strict unsigned decimal: digits only, no sign, no overflow past 2^32-1. */
static int parse_u32(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (s == 0 || *s == '\0') {
        return 0;
    }
    for (; *s != '\0'; ++s) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
        v = v * 10u + (uint64_t)(*s - '0');
        if (v > 0xffffffffu) {
            return 0;
        }
    }
    *out = (uint32_t)v;
    return 1;
}

/* The two laps of the last `infer` (performance builds), printed again by `tb-laps`: a lap line
 * damaged on the link still parses, and a second reading is the only way the host can tell. */
static uint32_t last_laps[2];

static uint32_t timestamp(void)
{
#if TB_ENERGY
    tb_port_timestamp_pulse();
    return 0u;
#else
    uint32_t now = tb_port_timestamp_us();
    tb_puts("m-lap-us-");
    tb_put_u32(now);
    tb_endl();
    return now;
#endif
}

static void cmd_name(void)
{
    tb_puts("m-name-dut-[");
    tb_puts(tb_port_vendor());
    tb_line("]");
}

static void cmd_profile(void)
{
    tb_line("m-profile-[ULPMark for tinyML Firmware V0.0.1]");
    tb_puts("m-model-[");
    tb_puts(tb_model_info.id);
    tb_line("]");
}

static void cmd_help(void)
{
    tb_puts("tinybench firmware ");
    tb_line(TB_FW_VERSION);
    tb_line("");
    tb_line("help              : this text");
    tb_line("name              : print the DUT name");
    tb_line("profile           : print the profile and model id");
    tb_line("timestamp         : print (performance) or pulse (energy) a timestamp");
    tb_line("db load N         : expect N input bytes");
    tb_line("db HEX            : store hex byte pairs");
    tb_line("db print          : print the loaded bytes");
    tb_line("infer N [W=10]    : run W warm-up and N timed inferences");
    tb_line("results           : print the results of the last inference");
#if !TB_STANDARD_ONLY
    tb_line("tb-caps, tb-info, tb-raw, tb-crc, tb-load, tb-slide, tb-mload, tb-laps, tb-check : tinybench extensions");
#endif
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static void db_load(const char *arg)
{
    uint32_t n = 0;
    if (arg == 0) {
        error2("Command 'db load' requires the # of bytes", 0);
        return;
    }
    if (!parse_u32(arg, &n) || n == 0u) {
        error2("Command 'db load' must be >0 bytes", 0);
        return;
    }
    if (n > (uint32_t)TB_DB_MAX) {
        tb_puts("e-[Supplied buffer size ");
        tb_put_u32(n);
        tb_puts(" exceeds maximum of ");
        tb_put_u32((uint32_t)TB_DB_MAX);
        tb_line("]");
        return;
    }
    db_expected = n;
    db_pos = 0;
    tb_puts("m-[Expecting ");
    tb_put_u32(n);
    tb_line(" bytes]");
}

static void db_print(void)
{
    uint32_t i;
    for (i = 0; i < db_expected; ++i) {
        if (i % 8u == 0u) {
            tb_puts("m-buffer-");
        } else {
            tb_putn("-", 1);
        }
        tb_put_hex8(db_buf[i]);
        if (i % 8u == 7u || i + 1u == db_expected) {
            tb_endl();
        }
    }
}

static void db_data(const char *hex)
{
    size_t len = strlen(hex);
    uint32_t pairs;
    uint32_t i;

    if (len % 2u != 0u) {
        error2("Insufficent number of hex digits", 0);
        return;
    }
    for (i = 0; i < len; ++i) {
        if (hex_value(hex[i]) < 0) {
            char pair[3];
            size_t at = i & ~(size_t)1u;
            pair[0] = hex[at];
            pair[1] = hex[at + 1u];
            pair[2] = '\0';
            tb_puts("e-[Invalid hex digit '");
            tb_puts(pair);
            tb_line("']");
            return;
        }
    }
    pairs = (uint32_t)(len / 2u);
    if (pairs > db_expected - db_pos) {
        tb_puts("e-[Data past the expected size: ");
        tb_put_u32(db_expected - db_pos);
        tb_puts(" bytes left, chunk has ");
        tb_put_u32(pairs);
        tb_line("]");
        return;
    }
    for (i = 0; i < pairs; ++i) {
        db_buf[db_pos + i] =
            (uint8_t)((hex_value(hex[2u * i]) << 4) | hex_value(hex[2u * i + 1u]));
    }
    db_pos += pairs;
    if (pairs != 0u && db_pos == db_expected) {
        tb_line("m-load-done");
    }
}

static void cmd_db(char **tok, int ntok)
{
    if (ntok < 2) {
        error2("Command 'db' requires a subcommand", 0);
    } else if (strcmp(tok[1], "load") == 0) {
        db_load(ntok > 2 ? tok[2] : 0);
    } else if (strcmp(tok[1], "print") == 0) {
        db_print();
    } else {
        db_data(tok[1]);
    }
}

/* The input is valid when a complete load of exactly the model's raw size is in the buffer. */
static int input_ready(void)
{
    uint32_t need = tb_workload_input_bytes();
    if (db_pos == need && db_expected == need) {
        return 1;
    }
    tb_puts("e-[Input db has ");
    tb_put_u32(db_pos);
    tb_puts(" bytes, expected ");
    tb_put_u32(need);
    tb_line("]");
    return 0;
}

static void cmd_infer(char **tok, int ntok)
{
    uint32_t n = 1;
    uint32_t w = 10;
    uint32_t i;

    if (ntok > 1 && (!parse_u32(tok[1], &n) || n == 0u)) {
        error2("Inference iterations must be >0", 0);
        return;
    }
    if (ntok > 2 && !parse_u32(tok[2], &w)) {
        error2("Inference warmup must be >=0", 0);
        return;
    }
    if (!input_ready()) {
        return;
    }
    /* Not timed: the copy happens once, before the warm-up, as in the reference port. Repeated
     * invokes see the same input because the compiler's arena planner never reuses the graph
     * input's storage (tinybench.compiler guarantee), so the printed results are always those of
     * the loaded input. */
    tb_workload_convert(db_buf, tb_model_input());
    tb_puts("m-warmup-start-");
    tb_put_u32(w);
    tb_endl();
    for (i = 0; i < w; ++i) {
        tb_model_invoke();
    }
    tb_line("m-warmup-done");
    tb_puts("m-infer-start-");
    tb_put_u32(n);
    tb_endl();
    last_laps[0] = timestamp();
    for (i = 0; i < n; ++i) {
        tb_model_invoke();
    }
    last_laps[1] = timestamp();
    tb_line("m-infer-done");
    tb_workload_print_results(db_buf);
}

static void cmd_results(void)
{
    if (tb_workload_result_kind() == TB_RESULT_MSE && db_pos != tb_workload_input_bytes()) {
        (void)input_ready();
        return;
    }
    tb_workload_print_results(db_buf);
}

#if !TB_STANDARD_ONLY
static int parse_hex32(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < 8; ++i) {
        int d = hex_value(s[i]);
        if (d < 0) {
            return 0;
        }
        v = (v << 4) | (uint32_t)d;
    }
    if (s[8] != '\0') {
        return 0;
    }
    *out = v;
    return 1;
}

/* tb-load SIZE CRC [KEEP]. A SIZE that cannot be parsed or does not fit is refused at once (the
 * host never streams a payload the DUT did not size-check: it reads dbmax from tb-caps first); any
 * other bad argument is reported only after the payload, which is consumed so the link stays in step. */
static int cmd_load(char **tok, int ntok)
{
    uint32_t size = 0;
    uint32_t keep = 0;
    if (ntok < 3 || !parse_u32(tok[1], &size) || size == 0u) {
        error2("tb-load needs SIZE CRC [KEEP]: SIZE bytes > 0, CRC-32 in 8 hex digits", 0);
        return 0;
    }
    if (size > (uint32_t)TB_DB_MAX) {
        tb_puts("e-[tb-load: ");
        tb_put_u32(size);
        tb_puts(" bytes exceed the input buffer of ");
        tb_put_u32((uint32_t)TB_DB_MAX);
        tb_line("]");
        return 0;
    }
    bin_bad_args = !parse_hex32(tok[2], &bin_crc);
    if (ntok > 3 && (!parse_u32(tok[3], &keep) || keep >= size)) {
        bin_bad_args = 1;
        keep = 0;
    } else if (keep != 0u && (db_pos != db_expected || keep > db_pos)) {
        bin_bad_args = 1; /* no previous input to keep from: still consume SIZE-KEEP bytes */
    } else if (keep != 0u) {
        memmove(db_buf, db_buf + (db_pos - keep), keep);
    }
    db_expected = size;
    db_pos = keep;
    bin_left = size - keep;
    return 1;
}

static void put_hex32(uint32_t v);

/* The last payload byte of a tb-load arrived: check and acknowledge. */
static void load_finish(void)
{
    uint32_t crc = tb_crc32(0u, db_buf, db_expected);
    if (bin_bad_args) {
        db_pos = 0;
        error2("tb-load: bad CRC or KEEP argument (KEEP must be below SIZE and within the previous "
               "complete input); payload discarded", 0);
    } else if (crc != bin_crc) {
        db_pos = 0;
        tb_puts("e-[tb-load: checksum mismatch (received data has CRC-32 ");
        put_hex32(crc);
        tb_line("); input discarded]");
    } else {
        tb_line("m-load-done");
    }
    ready();
}

/* SIZE and CRC of tb-fload/tb-mload (tokens 1 and 2; `args` tokens needed in all): 1 when both
 * parse and SIZE fits the buffer (CRC kept in bin_crc), else the error (`usage`) and m-ready. */
static int whole_load_args(char **tok, int ntok, int args, const char *usage, uint32_t *size)
{
    *size = 0;
    if (ntok < args || !parse_u32(tok[1], size) || *size == 0u || !parse_hex32(tok[2], &bin_crc)) {
        error2(usage, 0);
    } else if (*size > (uint32_t)TB_DB_MAX) {
        error2(tok[0], ": the input exceeds the input buffer");
    } else {
        return 1;
    }
    ready(); /* refused before anything was loaded: the buffer is unchanged */
    return 0;
}

#if TB_HOSTFILE
/* tb-fload SIZE CRC PATH: read the input from a host file through the simulator (semihosting), then
 * the same checks and reply as tb-load. Why: QEMU's CMSDK UART model delivers one byte per main-loop
 * round trip (~100 us), which makes official-size VWW sets take most of an hour; a file read moves
 * the whole input in one trap. Built only for simulator ports (TB_HOSTFILE=1), and the host uses it
 * only when it launched the simulator with semihosting on. */
static void cmd_fload(char **tok, int ntok)
{
    uint32_t size;
    if (!whole_load_args(tok, ntok, 4, "tb-fload needs SIZE CRC PATH: SIZE bytes > 0, CRC-32 in 8 hex "
                         "digits, a host path", &size)) {
        return;
    }
    db_expected = size;
    db_pos = 0;
    bin_bad_args = 0;
    if (tb_port_host_read(tok[3], db_buf, size) != 0) {
        error2("tb-fload: cannot read the host file: ", tok[3]);
        ready();
        return;
    }
    db_pos = size;
    load_finish();
}
#endif

/* tb-mload SIZE CRC: a debugger or the simulator (Renode's `sysbus WriteBytes`/`LoadBinary`) has
 * written SIZE bytes at the address tb-caps advertises as mbox=; check and acknowledge them as
 * tb-load does. Why: a simulated UART moves one byte per interrupt (Renode: ~12 kB/s), a memory
 * write from the simulator's monitor moves a whole AD file in one command. */
static void cmd_mload(char **tok, int ntok)
{
    uint32_t size;
    if (!whole_load_args(tok, ntok, 3, "tb-mload needs SIZE CRC: SIZE bytes > 0 already written at "
                         "mbox=, CRC-32 in 8 hex digits", &size)) {
        return;
    }
    db_expected = size;
    db_pos = size;
    bin_bad_args = 0;
    load_finish();
}

/* tb-slide STRIDE COUNT: the loaded buffer holds COUNT overlapping windows of the model's input
 * size, STRIDE bytes apart (SIZE = input + (COUNT-1) * STRIDE exactly). For each window, as
 * `infer 1 0` + `results` + `tb-crc` would: convert, invoke once (no warm-up, not timed), print
 * m-results-[...] and m-tb-crc-[output=...]; then m-tb-slide-[count=N,crc=C] with C the CRC-32
 * of every byte of those lines, so the host detects a line damaged on the link. */
static void cmd_slide(char **tok, int ntok)
{
    uint32_t stride = 0;
    uint32_t count = 0;
    uint32_t need = tb_workload_input_bytes();
    uint32_t k;
    uint32_t crc;
    if (ntok < 3 || !parse_u32(tok[1], &stride) || !parse_u32(tok[2], &count) || stride == 0u ||
        count == 0u) {
        error2("tb-slide needs STRIDE COUNT, both > 0", 0);
        return;
    }
    if (db_pos != db_expected || (uint64_t)need + (uint64_t)(count - 1u) * stride != db_pos) {
        tb_puts("e-[tb-slide: the buffer holds ");
        tb_put_u32(db_pos);
        tb_puts(" bytes, ");
        tb_put_u32(count);
        tb_puts(" windows of ");
        tb_put_u32(need);
        tb_puts(" bytes at stride ");
        tb_put_u32(stride);
        tb_line(" need exactly input + (COUNT-1) * STRIDE]");
        return;
    }
    tb_io_tap_start();
    for (k = 0; k < count; ++k) {
        const uint8_t *window = db_buf + k * stride;
        tb_workload_convert(window, tb_model_input());
        tb_model_invoke();
        tb_workload_print_results(window);
        tb_puts("m-tb-crc-[output=");
        put_hex32(tb_crc32(0u, (const uint8_t *)tb_model_output(), tb_model_info.output_elements));
        tb_line("]");
    }
    crc = tb_io_tap_stop();
    tb_puts("m-tb-slide-[count=");
    tb_put_u32(count);
    tb_puts(",crc=");
    put_hex32(crc);
    tb_line("]");
}

static void cmd_laps(void)
{
    tb_puts("m-tb-laps-[");
    tb_put_u32(last_laps[0]);
    tb_puts(",");
    tb_put_u32(last_laps[1]);
    tb_line("]");
}

static void cmd_caps(void)
{
    tb_puts(TB_ENERGY ? "m-tb-caps-[check," : "m-tb-caps-[laps,check,");
    tb_puts(TB_HOSTFILE ? "raw,info,load,crc,slide,fload,cmdmax=" : "raw,info,load,crc,slide,cmdmax=");
    tb_put_u32((uint32_t)TB_CMD_MAX);
    tb_puts(",dbmax=");
    tb_put_u32((uint32_t)TB_DB_MAX);
#if UINTPTR_MAX == 0xffffffffu
    /* 32-bit targets: where a debugger/simulator may write an input for tb-mload. */
    tb_puts(",mbox=");
    put_hex32((uint32_t)(uintptr_t)db_buf);
#endif
    tb_line(TB_ENERGY ? ",energy]" : "]");
}

/* `tb-check on|off` (caps word `check`): every later line carries its CRC-32 (tb_io.c), so the host
 * notices any byte damaged or lost on the way, in any line, not only in values it can read twice.
 * "on" answers before switching (its m-ready is the first checked line); "off" after. */
static void cmd_check(char **tok, int ntok)
{
    if (ntok == 2 && strcmp(tok[1], "on") == 0) {
        tb_line("m-tb-check-[on]");
        tb_io_line_check(1);
    } else if (ntok == 2 && strcmp(tok[1], "off") == 0) {
        tb_line("m-tb-check-[off]");
        tb_io_line_check(0);
    } else {
        error2("tb-check needs on or off", 0);
    }
}

static void cmd_info(void)
{
    tb_puts("m-tb-info-[model=");
    tb_puts(tb_model_info.id);
    tb_puts(",sha256=");
    tb_puts(tb_model_info.model_sha256);
    tb_puts(",input_elements=");
    tb_put_u32(tb_model_info.input_elements);
    tb_puts(",output_elements=");
    tb_put_u32(tb_model_info.output_elements);
    tb_puts(",input_bytes=");
    tb_put_u32(tb_workload_input_bytes());
    tb_puts(",arena_bytes=");
    tb_put_u32(tb_model_info.arena_bytes);
    tb_puts(",weight_bytes=");
    tb_put_u32(tb_model_info.weight_bytes);
    tb_puts(",stack_high_water=");
    tb_put_u32(tb_port_stack_high_water());
    tb_puts(",energy=");
    tb_put_u32((uint32_t)TB_ENERGY);
    tb_puts(",board=");
    tb_puts(tb_port_vendor());
    tb_puts(",firmware=tinybench-");
    tb_puts(TB_FW_VERSION);
    tb_puts(",build=");
    tb_puts(TB_BUILD_ID);
    tb_line("]");
}

static void cmd_raw(void)
{
    const int8_t *out = tb_model_output();
    uint32_t i;
    tb_puts("m-tb-raw-[");
    for (i = 0; i < tb_model_info.output_elements; ++i) {
        tb_put_hex8((uint8_t)out[i]);
    }
    tb_line("]");
}

static void put_hex32(uint32_t v)
{
    tb_put_hex8((uint8_t)(v >> 24));
    tb_put_hex8((uint8_t)(v >> 16));
    tb_put_hex8((uint8_t)(v >> 8));
    tb_put_hex8((uint8_t)v);
}

/* `tb-crc`: CRC-32 of the output tensor (agreement with a reference without sending the whole
 * tensor: AD's is 640 bytes, 196 times per file); `tb-crc input`: of the loaded input. */
static void cmd_crc(char **tok, int ntok)
{
    if (ntok > 1 && strcmp(tok[1], "input") == 0) {
        tb_puts("m-tb-crc-[input=");
        put_hex32(tb_crc32(0u, db_buf, db_pos));
    } else {
        tb_puts("m-tb-crc-[output=");
        put_hex32(tb_crc32(0u, (const uint8_t *)tb_model_output(), tb_model_info.output_elements));
    }
    tb_line("]");
}
#endif /* !TB_STANDARD_ONLY */

static void dispatch(char *line)
{
    char *tok[TB_MAX_TOKENS];
    int ntok = 0;
    char *p = line;

    /* Split on runs of spaces only (the reference's strtok(" ")); tabs stay inside tokens. */
    while (*p != '\0' && ntok < TB_MAX_TOKENS) {
        while (*p == ' ') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        tok[ntok++] = p;
        while (*p != '\0' && *p != ' ') {
            ++p;
        }
        if (*p == ' ') {
            *p++ = '\0';
        }
    }
    if (ntok == 0) {
        error2("Empty command", 0);
    } else if (strcmp(tok[0], "name") == 0) {
        cmd_name();
    } else if (strcmp(tok[0], "timestamp") == 0) {
        timestamp();
    } else if (strcmp(tok[0], "profile") == 0) {
        cmd_profile();
    } else if (strcmp(tok[0], "help") == 0) {
        cmd_help();
    } else if (strcmp(tok[0], "db") == 0) {
        cmd_db(tok, ntok);
    } else if (strcmp(tok[0], "infer") == 0) {
        cmd_infer(tok, ntok);
    } else if (strcmp(tok[0], "results") == 0) {
        cmd_results();
#if !TB_STANDARD_ONLY
    } else if (strcmp(tok[0], "tb-caps") == 0) {
        cmd_caps();
    } else if (strcmp(tok[0], "tb-info") == 0) {
        cmd_info();
    } else if (strcmp(tok[0], "tb-raw") == 0) {
        cmd_raw();
    } else if (strcmp(tok[0], "tb-crc") == 0) {
        cmd_crc(tok, ntok);
    } else if (strcmp(tok[0], "tb-check") == 0) {
        cmd_check(tok, ntok);
    } else if (strcmp(tok[0], "tb-slide") == 0) {
        cmd_slide(tok, ntok);
    } else if (strcmp(tok[0], "tb-mload") == 0) {
        cmd_mload(tok, ntok);
        return;
    } else if (strcmp(tok[0], "tb-laps") == 0 && !TB_ENERGY) {
        cmd_laps();
#if TB_HOSTFILE
    } else if (strcmp(tok[0], "tb-fload") == 0) {
        cmd_fload(tok, ntok);
        return;
#endif
    } else if (strcmp(tok[0], "tb-load") == 0) {
        if (cmd_load(tok, ntok)) {
            return; /* no reply until the payload is in (load_finish) */
        }
#endif
    } else {
        error2("Unknown command: ", tok[0]);
    }
    ready();
}

void tb_monitor_feed(char c)
{
#if !TB_STANDARD_ONLY
    if (bin_left != 0u) {
        db_buf[db_pos++] = (uint8_t)c;
        if (--bin_left == 0u) {
            load_finish();
        }
        return;
    }
#endif
    if (c != '%') {
        if (cmd_len < (uint32_t)TB_CMD_MAX) {
            cmd_buf[cmd_len++] = c;
        } else {
            cmd_overflow = 1;
        }
        return;
    }
    if (cmd_overflow) {
        tb_puts("e-[Command too long: max ");
        tb_put_u32((uint32_t)TB_CMD_MAX);
        tb_line(" characters]");
        ready();
    } else {
        cmd_buf[cmd_len] = '\0';
        dispatch(cmd_buf);
    }
    cmd_len = 0;
    cmd_overflow = 0;
}

void tb_monitor_run(void)
{
    tb_line(TB_ENERGY ? "m-timestamp-mode-energy" : "m-timestamp-mode-performance");
    timestamp();
    tb_line("m-init-done");
    ready();
    for (;;) {
        tb_monitor_feed((char)tb_port_getc());
    }
}
