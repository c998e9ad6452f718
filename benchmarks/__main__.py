"""Run every benchmark in turn (``make bench``); each prints its figures beside its
baseline and writes benchmarks/results/<name>.json. Run one alone with
``python -m benchmarks.bench_<name> --help`` to see its options (sizes, repeats)."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ("bench_runtime", "bench_tools", "bench_forecast", "bench_retrieval",
              "bench_llm", "bench_agent_loop", "bench_e2e", "bench_injection", "bench_api")


def main() -> int:
    wanted = sys.argv[1:] or BENCHMARKS
    failed = []
    for name in wanted:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, "-m", f"benchmarks.{name}"]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
