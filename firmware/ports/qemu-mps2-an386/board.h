/* QEMU mps2-an386: Cortex-M4 at 25 MHz, CMSDK UART0 (DUT link) and UART1 (energy edge channel). */
#ifndef TB_BOARD_H
#define TB_BOARD_H
#define TB_UART_BASE 0x40004000u
#define TB_EDGE_UART_BASE 0x40005000u
#define TB_CPU_HZ 25000000u
#define TB_NVIC_WORDS 1u /* 32 external interrupts cover every UART IRQ (0..20) */
#define TB_SEMIHOSTING 1 /* QEMU -semihosting: exit codes reach the host */
#define TB_VENDOR "tinybench-qemu-mps2-an386"
#endif
