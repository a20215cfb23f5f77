/* See iface_core.h. */
#include "iface_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static iface_port *g_port;
static char g_cmd[IFACE_CMD_MAX + 1];
static size_t g_cmd_len;
static char g_line[IFACE_LINE_MAX + 1];
static size_t g_line_len;

static void host_line(const char *text) {
    g_port->host_write(text, strlen(text));
    g_port->host_write("\r\n", 2);
}

void iface_init(iface_port *port) {
    g_port = port;
    g_cmd_len = 0;
    g_line_len = 0;
    if (g_port->dut_baud == 0u) g_port->dut_baud = 9600u;
}

static void dispatch(char *cmd) {
    char buf[IFACE_CMD_MAX + 32];
    if (strncmp(cmd, "dut ", 4) == 0 && cmd[4] != '\0') {
        const char *inner = cmd + 4;
        snprintf(buf, sizeof buf, "m-dut-passthrough(%s)", inner);
        host_line(buf);
        host_line("m-ready");
        g_port->dut_write(inner, strlen(inner));
        g_port->dut_write("%", 1);
    } else if (strcmp(cmd, "name") == 0) {
        host_line("tinyML Enhanced Interface Board");
        host_line("m-ready");
    } else if (strcmp(cmd, "checkbaud") == 0) {
        snprintf(buf, sizeof buf, "baud is: %lu", (unsigned long)g_port->dut_baud);
        host_line(buf);
        host_line("m-ready");
    } else if (strncmp(cmd, "setbaud", 7) == 0 && (cmd[7] == ' ' || cmd[7] == '\0')) {
        long v = cmd[7] ? strtol(cmd + 8, NULL, 10) : 0;
        uint32_t baud = (v >= 1 && v <= 2000000) ? (uint32_t)v : 9600u;
        snprintf(buf, sizeof buf, "set baud to: %lu", (unsigned long)baud);
        host_line(buf);
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
        dispatch(g_cmd);
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
        }
        g_line_len = 0;
    } else if (g_line_len < IFACE_LINE_MAX) {
        g_line[g_line_len++] = c;
    }
}
