/* Arm CMSDK APB UART registers (the UARTs of the MPS2/MPS3 FPGA images that QEMU and Renode model)
 * and the NVIC enable register, for every driver of that UART: the DUT port (cm_port.c) and the
 * interface-board firmware (interface/iface_cmsdk.c). One definition, so both drive it alike.
 * Register map: Arm CoreLink CMSDK Technical Reference Manual (DDI 0479), "APB UART". */
#ifndef TB_CMSDK_UART_H
#define TB_CMSDK_UART_H

#include "cm_core.h"

#define UART_DATA(b) TB_REG32((b) + 0x00u)
#define UART_STATE(b) TB_REG32((b) + 0x04u)
#define UART_CTRL(b) TB_REG32((b) + 0x08u)
#define UART_INTCLR(b) TB_REG32((b) + 0x0Cu)
#define UART_BAUDDIV(b) TB_REG32((b) + 0x10u)
#define UART_STATE_TXFULL 0x1u
#define UART_STATE_RXFULL 0x2u
#define UART_CTRL_TXEN 0x1u
#define UART_CTRL_RXEN 0x2u
#define UART_CTRL_RXINTEN 0x8u

#define NVIC_ISER(n) TB_REG32(0xE000E100u + 4u * (n))

#endif
