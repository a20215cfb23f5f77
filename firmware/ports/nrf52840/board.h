/* nRF52840-DK (PCA10056): nRF52840 Cortex-M4F at 64 MHz. Pin facts and their sources: nrf_port.c.
 *   DUT link (performance/accuracy): UARTE0 on the interface MCU's virtual COM port,
 *     TXD = P0.06, RXD = P0.08 [nRF52840 DK User Guide, "Virtual COM port"].
 *   Energy mode: UARTE0 moves to the Arduino header, D0 (RX) = P1.01, D1 (TX) = P1.02, and the
 *     timestamp pin is Arduino D7 = P1.08 [nRF52840 DK User Guide, "Arduino interface", table
 *     "Arduino signals"].
 *   As an interface board (firmware/interface/iface_nrf.c), same table: timestamp input Arduino
 *     D3 = P1.04, DUT reset output Arduino D2 = P1.03. */
#ifndef TB_BOARD_H
#define TB_BOARD_H
#define TB_CPU_HZ 64000000u
#define TB_NVIC_WORDS 2u /* 48 external interrupts (nRF52840 PS, "Instantiation" table) */
#define TB_SEMIHOSTING 0
#define TB_VENDOR "tinybench-nrf52840dk"
#define TB_NRF_PIN(port, pin) (((port) << 5) | (pin))
#define TB_NRF_VCOM_TXD TB_NRF_PIN(0u, 6u)
#define TB_NRF_VCOM_RXD TB_NRF_PIN(0u, 8u)
#define TB_NRF_D1_TXD TB_NRF_PIN(1u, 2u)
#define TB_NRF_D0_RXD TB_NRF_PIN(1u, 1u)
#define TB_NRF_D7 TB_NRF_PIN(1u, 8u)
#define TB_NRF_D3 TB_NRF_PIN(1u, 4u)
#define TB_NRF_D2 TB_NRF_PIN(1u, 3u)
#endif
