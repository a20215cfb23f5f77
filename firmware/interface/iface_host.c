/* Host build of the interface-board core: listens on 127.0.0.1:<listen port> for the host and
 * connects to the DUT's TCP socket (the tinybench host DUT build or QEMU's UART). For tests and
 * for trying the command set without hardware.  Usage: iface-host <listen port> <dut host> <dut port> [dut baud]
 * Prints "listening <port>" once ready (port 0 = any free port). */
#include "iface_core.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
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

    struct sockaddr_in d = {0};
    d.sin_family = AF_INET;
    d.sin_port = htons((uint16_t)atoi(argv[3]));
    inet_pton(AF_INET, argv[2], &d.sin_addr);
    g_dut = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(g_dut, (struct sockaddr *)&d, sizeof d)) { perror("connect to DUT"); return 1; }
    setsockopt(g_dut, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    static iface_port port = {host_write, dut_write, NULL, 0};
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
        struct pollfd p[3] = {{srv, POLLIN, 0}, {g_dut, POLLIN, 0}, {want_host ? g_host : -1, POLLIN, 0}};
        if (poll(p, 3, -1) < 0) return 1;
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
