"""Test helpers of the engine/compiler area: single-op .tflite builders and TFLM-vs-engine runners."""
