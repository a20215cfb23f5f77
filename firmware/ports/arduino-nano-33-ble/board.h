/* Arduino Nano 33 BLE / BLE Sense: the same nRF52840 port (../nrf52840/nrf_port.c) with this
 * board's pins. The Nano has no USB-serial bridge (its USB is the nRF52840's own USB device), so
 * the DUT link is UARTE0 on the header's Serial1 pins in every mode, reached through a 3.3 V
 * USB-serial adapter (performance) or the energy interface board (energy):
 *   TX = P1.03 (D1/TX), RX = P1.10 (D0/RX), timestamp pin D7 = P0.09 [ArduinoCore-mbed,
 *   variants/ARDUINO_NANO33BLE/variant.cpp, g_APinDescription D0..D7; pins_arduino.h
 *   PIN_SERIAL_TX/RX]. P0.09 is an NFC pin: it works as GPIO only with UICR.NFCPINS = 0
 *   (nRF52840 PS 4.5 UICR, "NFCPINS"), which the Arduino core's bootloader already programs. */
#ifndef TB_BOARD_H
#define TB_BOARD_H
#define TB_CPU_HZ 64000000u
#define TB_NVIC_WORDS 2u
#define TB_SEMIHOSTING 0
#define TB_VENDOR "tinybench-arduino-nano-33-ble"
#define TB_NRF_PIN(port, pin) (((port) << 5) | (pin))
#define TB_NRF_VCOM_TXD TB_NRF_PIN(1u, 3u)
#define TB_NRF_VCOM_RXD TB_NRF_PIN(1u, 10u)
#define TB_NRF_D1_TXD TB_NRF_PIN(1u, 3u)
#define TB_NRF_D0_RXD TB_NRF_PIN(1u, 10u)
#define TB_NRF_D7 TB_NRF_PIN(0u, 9u)
#endif
