"""Speed and memory figures; `make bench` (python -m benchmarks) prints them."""
