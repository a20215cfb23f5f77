/* NUCLEO-L4R5ZI: STM32L4R5ZI Cortex-M4F at 120 MHz (see l4r5_port.c for every register and pin
 * fact and the document it comes from). */
#ifndef TB_BOARD_H
#define TB_BOARD_H
#define TB_CPU_HZ 120000000u
#define TB_NVIC_WORDS 3u /* 95 external interrupts on the STM32L4R5 (RM0432 Table 58) */
#define TB_SEMIHOSTING 0 /* a real board: no debugger may be attached */
#define TB_VENDOR "tinybench-nucleo-l4r5zi"
#endif
