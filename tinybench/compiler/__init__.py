"""Model compiler: .tflite flatbuffer to static C (weights, schedule, requantisation, planned arena)."""
