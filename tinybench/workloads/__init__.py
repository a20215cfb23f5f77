"""The four MLPerf Tiny workloads: definitions, model fetch, dataset builders, TFLM reference outputs."""
