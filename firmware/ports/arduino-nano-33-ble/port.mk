# Arduino Nano 33 BLE (nRF52840): the nrf52840 port with this board's pins and bootloader offset.
CC_host      := arm-none-eabi-gcc
CPU_FLAGS    := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
CFLAGS_PORT  := $(CPU_FLAGS) -ffreestanding -I ports/cortex-m
LDFLAGS_PORT := $(CPU_FLAGS) -nostartfiles --specs=nano.specs --specs=nosys.specs -T ports/arduino-nano-33-ble/link.ld
PORT_SRCS    := ../nrf52840/nrf_port.c ../nrf52840/nrf_hw.c ../cortex-m/cm_core.c
TARGET_NAME  := firmware.elf
