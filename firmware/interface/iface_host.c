/* Host build of the interface-board core: listens on 127.0.0.1:<listen port> for the host and
 * connects to the DUT's TCP socket (the tinybench host DUT build or QEMU's UART). For tests and
 * for trying the command set without hardware.
 * Usage: iface-host <listen port> <dut host> <dut port> [dut baud [edge port]]
 * Prints "listening <port>" once ready (port 0 = any free port).
 *
 * Timer input (IO manager "enable-timer"): with an edge port, the board also connects to the
 * energy-build DUT's edge channel on <dut host> (the simulated timestamp pin, "edge <dut_us>"
 * lines; tinybench/sim/edges.py) as a second listener beside the power monitor. Each line is a
 * falling edge; its lap is the edge's moment on this board's own clock: microseconds since this
 * process started. Both processes read the same host CLOCK_MONOTONIC, so the moment the pin fell
 * is known exactly (a TCP delivery delay is an artefact of the simulation, not of a pin ISR). */
#include "iface_core.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int g_host = -1, g_dut = -1;

static void write_all(int fd, const char *d, size_t n) {
    while (fd >= 0 && n) {
        ssize_t w = write(fd, d, n);
        if (w <= 0) return;
        d += w;
        n -= (size_t)w;
    }
}
static void host_write(const char *d, size_t n) { write_all(g_host, d, n); }
static void dut_write(const char *d, size_t n) { write_all(g_dut, d, n); }

static uint32_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

static int connect_to(const char *host, int port) {
    int one = 1;
    struct sockaddr_in d = {0};
    d.sin_family = AF_INET;
    d.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &d.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&d, sizeof d)) { close(fd); return -1; }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Edge-channel lines ("edge <dut_us>", "edge-ready") → iface_edge() on this board's clock. */
static void edge_bytes(const char *buf, size_t n, uint32_t epoch_us) {
    static char line[64];
    static size_t len;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] != '\n') {
            if (len < sizeof line - 1u) line[len++] = buf[i];
            continue;
        }
        line[len] = '\0';
        len = 0;
        if (strncmp(line, "edge ", 5) == 0) {
            iface_edge((uint32_t)strtoul(line + 5, NULL, 10) - epoch_us, 1);
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s <listen port> <dut host> <dut port> [dut baud]\n", argv[0]);
        return 2;
    }
    int one = 1;
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)atoi(argv[1]));
    if (bind(srv, (struct sockaddr *)&a, sizeof a) || listen(srv, 1)) { perror("listen"); return 1; }
    socklen_t al = sizeof a;
    getsockname(srv, (struct sockaddr *)&a, &al);

    uint32_t epoch_us = mono_us();
    g_dut = connect_to(argv[2], atoi(argv[3]));
    if (g_dut < 0) { perror("connect to DUT"); return 1; }
    int edge = -1;
    if (argc > 5) {
        edge = connect_to(argv[2], atoi(argv[5]));
        if (edge < 0) { perror("connect to the DUT's edge channel"); return 1; }
        write_all(edge, "?", 1);           /* the DUT answers edge-ready once the channel is live */
    }

    static iface_port port = {host_write, dut_write, NULL, 0, NULL, 0};
    port.has_edge_input = edge >= 0;
    port.dut_baud = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 9600u;
    iface_init(&port);
    printf("listening %d\n", ntohs(a.sin_port));
    fflush(stdout);

    static char pending[4096];            /* host bytes the core could not take yet */
    static size_t p_at, p_len;
    for (;;) {
        while (p_at < p_len && iface_host_ready()) iface_host_byte(pending[p_at++]);
        if (iface_poll()) continue;
        int want_host = g_host >= 0 && p_at == p_len;   /* read more only once all was taken */
        struct pollfd p[4] = {{srv, POLLIN, 0}, {g_dut, POLLIN, 0}, {want_host ? g_host : -1, POLLIN, 0},
                              {edge, POLLIN, 0}};
        if (poll(p, 4, -1) < 0) return 1;
        if (p[3].revents) {
            char eb[512];
            ssize_t n = read(edge, eb, sizeof eb);
            if (n <= 0) { close(edge); edge = -1; }
            else edge_bytes(eb, (size_t)n, epoch_us);
        }
        char buf[4096];
        if (p[0].revents & POLLIN) {
            int c = accept(srv, NULL, NULL);
            if (c >= 0) {
                if (g_host >= 0) close(g_host);
                g_host = c;
                p_at = p_len = 0;
                setsockopt(g_host, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                continue;
            }
        }
        if (p[1].revents) {
            ssize_t n = read(g_dut, buf, sizeof buf);
            if (n <= 0) return 0;          /* the DUT went away */
            for (ssize_t i = 0; i < n; i++) iface_dut_byte(buf[i]);
        }
        if (want_host && p[2].revents) {
            ssize_t n = read(g_host, pending, sizeof pending);
            if (n <= 0) { close(g_host); g_host = -1; continue; }
            p_at = 0;
            p_len = (size_t)n;
        }
    }
}
