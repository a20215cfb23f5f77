/* QEMU mps3-an547 (SSE-300): Cortex-M55 at 32 MHz, running in Secure state, so peripherals are
 * used through their Secure aliases: CMSDK UART0 (DUT link) and UART1 (energy edge channel). */
#ifndef TB_BOARD_H
#define TB_BOARD_H
#define TB_UART_BASE 0x59303000u
#define TB_EDGE_UART_BASE 0x59304000u
#define TB_CPU_HZ 32000000u
#define TB_NVIC_WORDS 4u /* 128 external interrupts cover the SSE-300 expansion UART IRQs */
#define TB_SEMIHOSTING 1 /* QEMU -semihosting: exit codes reach the host */
#define TB_VENDOR "tinybench-qemu-mps3-an547"
#endif
