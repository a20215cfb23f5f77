/*
 * Host port: the firmware as a Linux process, so every part of the harness can be tested without
 * an emulator.
 *
 * UART: a TCP server on 127.0.0.1 that serves one client at a time; when a client disconnects the
 * next one is accepted (like QEMU's `-serial tcp:...,server=on`). Output written while no client is
 * connected waits for the first client (so the boot text reaches it). With --stdio the UART is
 * stdin/stdout instead and EOF on stdin ends the process.
 *
 * Energy builds: each tb_port_timestamp_pulse() writes "edge <dut_us>\n" to a second TCP server
 * (the edge channel). Edges emitted while no client is connected to it are dropped, exactly as
 * QEMU drops output of an unconnected `wait=off` serial server. A client that sends any byte on the
 * edge channel gets "edge-ready\n" back once the firmware is idle: from then on no edge is lost.
 * Up to EDGE_CLIENTS listeners get every edge (the pin wired to the power monitor and to an
 * interface board's timer input, docs/bench.md); one more connecting replaces the oldest.
 *
 * Arguments (or environment): --port N (TB_PORT), --edge-port N (TB_EDGE_PORT), --stdio (TB_STDIO=1).
 * Port 0 picks a free port; the chosen ports are printed once on stdout as
 * "tb-host-ports uart=<n> edge=<n>" so a launcher never races for a port number.
 */
#include "tb_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int use_stdio;
static int uart_port_arg;
static int edge_port_arg;
static int uart_listen = -1;
static int uart_client = -1;
static int edge_listen = -1;
#define EDGE_CLIENTS 2
static int edge_clients[EDGE_CLIENTS] = {-1, -1};
static unsigned char rx_buf[4096];
static char tx_buf[1024];
static size_t tx_len;
static size_t rx_len;
static size_t rx_pos;

static void die(const char *what)
{
    fprintf(stderr, "tinybench host firmware: %s: %s\n", what, strerror(errno));
    exit(3);
}

static int parse_port(const char *text)
{
    char *end = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 0 || v > 65535) {
        fprintf(stderr, "tinybench host firmware: bad port '%s' (0..65535)\n", text);
        exit(2);
    }
    return (int)v;
}

void tb_port_args(int argc, char **argv)
{
    const char *env;
    int i;

    uart_port_arg = 0;
    edge_port_arg = 0;
    if ((env = getenv("TB_PORT")) != 0) {
        uart_port_arg = parse_port(env);
    }
    if ((env = getenv("TB_EDGE_PORT")) != 0) {
        edge_port_arg = parse_port(env);
    }
    if ((env = getenv("TB_STDIO")) != 0 && strcmp(env, "1") == 0) {
        use_stdio = 1;
    }
    for (i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--stdio") == 0) {
            use_stdio = 1;
        } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            uart_port_arg = parse_port(argv[++i]);
        } else if (strcmp(argv[i], "--edge-port") == 0 && i + 1 < argc) {
            edge_port_arg = parse_port(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--port N] [--edge-port N] [--stdio]\n", argv[0]);
            exit(2);
        }
    }
}

static int listen_on(int port, int *chosen)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        die("socket");
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        die("bind");
    }
    if (listen(fd, 1) != 0) {
        die("listen");
    }
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        die("getsockname");
    }
    *chosen = ntohs(addr.sin_port);
    return fd;
}

void tb_port_init(void)
{
    int uart_port = 0;
    int edge_port = 0;

    /* Die with the launcher: a killed test run must never leave firmware processes behind. */
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    (void)signal(SIGPIPE, SIG_IGN);
    if (use_stdio) {
        return;
    }
    uart_listen = listen_on(uart_port_arg, &uart_port);
    edge_listen = listen_on(edge_port_arg, &edge_port);
    (void)fcntl(edge_listen, F_SETFL, fcntl(edge_listen, F_GETFL) | O_NONBLOCK);
    printf("tb-host-ports uart=%d edge=%d\n", uart_port, edge_port);
    fflush(stdout);
}

static void accept_uart(void)
{
    int one = 1;
    while (uart_client < 0) {
        uart_client = accept(uart_listen, 0, 0);
        if (uart_client < 0 && errno != EINTR) {
            die("accept");
        }
    }
    /* Replies are written in small pieces; without TCP_NODELAY Nagle + delayed ACK add ~40 ms per
     * exchange. */
    (void)setsockopt(uart_client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    rx_len = 0;
    rx_pos = 0;
}

static void drop_uart(void)
{
    close(uart_client);
    uart_client = -1;
}

static int write_all(int fd, const char *data, size_t n);

/* Drop edge listener k (it closed, or a write to it failed). */
static void drop_edge(int k)
{
    close(edge_clients[k]);
    edge_clients[k] = -1;
}

/* Take every pending edge client (the listener is non-blocking); when all slots are taken the
 * oldest connection gives way to the new one. */
static void accept_edge(void)
{
    int fd;
    int one = 1;
    while ((fd = accept(edge_listen, 0, 0)) >= 0) {
        int k;
        if (edge_clients[EDGE_CLIENTS - 1] >= 0) {
            close(edge_clients[0]);
            memmove(edge_clients, edge_clients + 1, (EDGE_CLIENTS - 1) * sizeof edge_clients[0]);
            edge_clients[EDGE_CLIENTS - 1] = -1;
        }
        for (k = 0; edge_clients[k] >= 0; k++) {
        }
        edge_clients[k] = fd;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
}

/* Between commands: wait for UART input while serving the edge channel, where any byte a client
 * sends is answered "edge-ready\n" (proof that the channel is live, docs/architecture.md). */
static void wait_uart_readable(void)
{
    for (;;) {
        struct pollfd fds[2 + EDGE_CLIENTS];
        int k;
        memset(fds, 0, sizeof fds);
        fds[0].fd = uart_client >= 0 ? uart_client : uart_listen;
        fds[0].events = POLLIN;
        fds[1].fd = edge_listen;
        fds[1].events = POLLIN;
        for (k = 0; k < EDGE_CLIENTS; k++) {
            fds[2 + k].fd = edge_clients[k];   /* -1: ignored by poll */
            fds[2 + k].events = POLLIN;
        }
        if (poll(fds, 2 + EDGE_CLIENTS, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("poll");
        }
        for (k = 0; k < EDGE_CLIENTS; k++) {
            char junk[256];
            ssize_t got;
            if (fds[2 + k].revents == 0 || edge_clients[k] != fds[2 + k].fd) {
                continue;
            }
            got = read(edge_clients[k], junk, sizeof junk);
            if (got <= 0 || write_all(edge_clients[k], "edge-ready\n", 11) != 0) {
                drop_edge(k);
            }
        }
        if (fds[1].revents != 0) {
            accept_edge();
        }
        if (fds[0].revents != 0) {
            return;
        }
    }
}

static void tx_flush(void);

int tb_port_getc(void)
{
    for (;;) {
        ssize_t got;
        if (rx_pos < rx_len) {
            return rx_buf[rx_pos++];
        }
        tx_flush(); /* about to wait for input: nothing may stay unsent */
        if (use_stdio) {
            got = read(STDIN_FILENO, rx_buf, sizeof rx_buf);
            if (got <= 0) {
                exit(0);
            }
        } else {
            wait_uart_readable();
            if (uart_client < 0) {
                /* a new client: wait for its bytes in wait_uart_readable(), which keeps serving
                 * the edge channel (a blocking read here left edge-ready unanswered) */
                accept_uart();
                continue;
            }
            got = read(uart_client, rx_buf, sizeof rx_buf);
            if (got <= 0) {
                if (got < 0 && errno == EINTR) {
                    continue;
                }
                drop_uart();
                continue;
            }
        }
        rx_len = (size_t)got;
        rx_pos = 0;
    }
}

static int write_all(int fd, const char *data, size_t n)
{
    while (n > 0) {
        ssize_t put = write(fd, data, n);
        if (put < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        data += put;
        n -= (size_t)put;
    }
    return 0;
}

static void tx_flush(void)
{
    if (tx_len == 0) {
        return;
    }
    if (use_stdio) {
        (void)write_all(STDOUT_FILENO, tx_buf, tx_len);
    } else {
        if (uart_client < 0) {
            accept_uart();
        }
        if (write_all(uart_client, tx_buf, tx_len) != 0) {
            drop_uart();
        }
    }
    tx_len = 0;
}

/* Output is sent a line at a time: the monitor prints a line in up to five pieces, and one TCP
 * segment (one wake-up of the host reader) per piece tripled the cost of every reply. */
void tb_port_write(const char *data, size_t n)
{
    size_t i;
    for (i = 0; i < n; ++i) {
        if (tx_len == sizeof tx_buf) {
            tx_flush();
        }
        tx_buf[tx_len++] = data[i];
        if (data[i] == '\n') {
            tx_flush();
        }
    }
}

uint32_t tb_port_timestamp_us(void)
{
    struct timespec ts;
    uint64_t us;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    return (uint32_t)us;
}

void tb_port_timestamp_pulse(void)
{
    char line[32];
    int n;
    int k;
    uint32_t now = tb_port_timestamp_us();

    if (use_stdio || edge_listen < 0) {
        return;
    }
    accept_edge();
    n = snprintf(line, sizeof line, "edge %lu\n", (unsigned long)now);
    for (k = 0; k < EDGE_CLIENTS; k++) {
        if (edge_clients[k] >= 0 && write_all(edge_clients[k], line, (size_t)n) != 0) {
            drop_edge(k);
        }
    }
}

uint32_t tb_port_stack_high_water(void) { return 0; }

const char *tb_port_vendor(void) { return "tinybench-host"; }
