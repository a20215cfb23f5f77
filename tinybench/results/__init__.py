"""Run directories: transcript, results.txt, typed results.json, manifest; incremental and atomic."""
