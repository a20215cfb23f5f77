/*
 * tb_port.h — what a board port provides to the monitor.
 *
 * Why: the monitor is identical on every board; only these functions differ between the host
 * build, QEMU boards and physical boards. Ports live in firmware/ports/<board>/.
 */
#ifndef TB_PORT_H
#define TB_PORT_H

#include <stddef.h>
#include <stdint.h>

/* Bring up clocks, UART (at the build's baud) and the timestamp counter. */
void tb_port_init(void);

/* Block until one byte arrives on the DUT UART; return it (0..255). */
int tb_port_getc(void);

/* Write n bytes to the DUT UART (blocking until queued). */
void tb_port_write(const char *data, size_t n);

/* Free-running microsecond counter from the DUT's own clock (wraps at 2^32 on 32-bit ports). */
uint32_t tb_port_timestamp_us(void);

/* Energy-mode timestamp: drive the timestamp pin low, hold >= 1 us, release high. On simulated
 * boards the "pin" is an event channel that the simulated power monitor reads. */
void tb_port_timestamp_pulse(void);

/* Bytes of stack ever used (high-water mark), or 0 if the port cannot tell. */
uint32_t tb_port_stack_high_water(void);

/* Human-readable board/vendor name for `name` (m-name-dut-[<vendor>]). */
const char *tb_port_vendor(void);

#if defined(TB_HOSTFILE) && TB_HOSTFILE
/* Simulator ports only: read n bytes from the start of the host file at path into dst (semihosting
 * SYS_OPEN/SYS_READ/SYS_CLOSE); 0 on success. Used by the tb-fload extension. */
int tb_port_host_read(const char *path, uint8_t *dst, uint32_t n);
#endif

#ifdef TB_HOSTED
/* Hosted builds only (TB_HOSTED defined by the port's port.mk): the process arguments, given to the
 * port before tb_port_init() so it can pick its sockets (see firmware/ports/host/port.c). */
void tb_port_args(int argc, char **argv);
#endif

#endif /* TB_PORT_H */
