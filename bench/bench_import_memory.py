"""Import memory: peak RSS of `cli.py import` of a 1 GB file, against baselines (a script, not a test).

Writes a ``--size-mb`` file of real (non-sparse) bytes: a 4 MB ``os.urandom`` block repeated,
each copy stamped with its index so no two blocks are alike. Then, in each of ``--rounds``
rounds, runs as child processes (each into a fresh store made through the library API):

  * ``python -c "import evidence, cli"``       baseline: the interpreter and the imports alone;
  * ``python -c <hashlib sha256 of the file>`` baseline: a sha256sum-like loop, 1 MiB reads;
  * ``cp FILE DEST`` and ``cp FILE DEST && sync DEST``   time baselines (import also fsyncs);
  * ``python cli.py import FILE --case ...``   what is measured.

``--warmup`` rounds (default 1) run first and are not counted: on a VM the first writes into
memory the guest has not used yet are several times slower (seen here: a first ``cp`` of 1 GB took
2.6 s, the next ones 0.3 s -- probably the host faulting in fresh guest pages), which would fall on
whichever step came first.

Peak RSS is the child's ``ru_maxrss`` from ``wait4``. A child's ru_maxrss also counts the RSS of
the process that spawned it (Linux records the spawner's high-water mark at exec), so every child
is started by a tiny launcher (``python -I -S``), not by this (larger) process; the launcher's own
RSS is printed as the floor of the measurement. Times are measured by the launcher around the
child alone; before each timed child the source file is read once (warm page cache, the same for
all) and ``sync`` flushes earlier writes.

Printed: peak MB of each child and import minus the baselines; goal: import peak < 100 MB (i.e.
memory does not grow with the file). Also the import time as a ratio to ``cp`` of the same file.

    .venv/bin/python bench/bench_import_memory.py [--size-mb 1024] [--rounds 5] [--warmup 1]
        [--workdir DIR] [--keep] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evidence.api import Evidence  # noqa: E402
from evidence.keys import create_key  # noqa: E402
from benchlib import make_workdir  # noqa: E402

MB = 1024 * 1024
BLOCK = 4 * MB
PASSPHRASE = "bench passphrase"
CASE = "BENCH-IMPORT"
GOAL_MB = 100

# Runs the child given in argv[2:], waits for it, and writes "exit-code maxrss-KiB seconds" to fd argv[1].
LAUNCHER = r"""
import os, sys, time
fd = int(sys.argv[1])
t0 = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, ru = os.wait4(pid, 0)
secs = time.perf_counter() - t0
os.write(fd, b"%d %d %.6f" % (os.waitstatus_to_exitcode(status), ru.ru_maxrss, secs))
"""

HASHLIB_CHILD = r"""
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as fh:
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        h.update(chunk)
print(h.hexdigest())
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class Run:
    peak_mb: float
    secs: float
    out: str


def run_child(argv: list[str], env: dict[str, str]) -> Run:
    """Run ``argv`` under the launcher; its peak RSS (MiB) and wall time (s)."""
    prog = shutil.which(argv[0]) or argv[0]
    r, w = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER, str(w), prog, *argv[1:]],
                                pass_fds=(w,), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.close(w)
        w = -1
        out, err = proc.communicate()
        with os.fdopen(r, "rb") as fh:
            r = -1
            line = fh.read().decode()
    finally:
        for fd in (r, w):
            if fd >= 0:
                os.close(fd)
    if proc.returncode != 0 or not line:
        raise SystemExit(f"launcher failed for {argv}: {err}")
    code, maxrss_kib, secs = line.split()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}:\n{out}\n{err}")
    return Run(int(maxrss_kib) / 1024, float(secs), out)


# ---------------------------------------------------------------- setup
def make_key(workdir: Path) -> tuple[Path, Path]:
    cfg = workdir / "config"
    cfg.mkdir()
    os.environ["EVIDENCE_CONFIG_DIR"] = str(cfg)  # never touch the real configuration folder
    key_file = cfg / "bench.key.pem"
    create_key("Bench Investigator", "bench@uni.example", "investigator", PASSPHRASE.encode(), key_file=key_file,
               make_default=False)
    return cfg, key_file


def make_store(store: Path, key_file: Path) -> None:
    """A fresh store with the key registered and one open case (library API, in this process)."""
    Evidence.init(store).close()
    with Evidence.open(store, key_file=key_file, passphrase=PASSPHRASE.encode()) as ev:
        ev.register_key()
        ev.open_case(CASE, title="import memory benchmark")


def write_big_file(path: Path, size_mb: int) -> None:
    block = bytearray(os.urandom(BLOCK))
    remaining = size_mb * MB
    i = 0
    with open(path, "wb") as fh:
        while remaining > 0:
            block[:8] = i.to_bytes(8, "big")  # every block differs
            n = min(remaining, BLOCK)
            fh.write(block[:n] if n < BLOCK else block)
            remaining -= n
            i += 1
        fh.flush()
        os.fsync(fh.fileno())
    if os.stat(path).st_blocks * 512 < size_mb * MB:
        raise SystemExit(f"{path} is sparse; the benchmark needs real bytes on disk")


def warm(path: Path) -> None:
    buf = bytearray(MB)
    with open(path, "rb", buffering=0) as fh:
        while fh.readinto(buf):
            pass
    os.sync()


def fmt_range(values: list[float]) -> str:
    lo, hi = min(values), max(values)
    return f"{hi:7.1f}" + (f" (min {lo:.1f})" if hi - lo >= 0.05 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=None, help="size of the file imported (default 1024)")
    parser.add_argument("--rounds", type=int, default=5, help="counted rounds (default 5: times are noisy here)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="rounds run first and not counted (default 1)")
    parser.add_argument("--workdir", help="where to work (default: a fresh temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--quick", action="store_true", help="a smoke run: sizes ~10x smaller")
    opts = parser.parse_args()
    size_mb = opts.size_mb if opts.size_mb is not None else (1024 // 10 if opts.quick else 1024)

    workdir = make_workdir(opts.workdir)
    try:
        cfg, key_file = make_key(workdir)
        big = workdir / "big.bin"
        log(f"writing {size_mb} MB to {big} ...")
        write_big_file(big, size_mb)
        py = sys.executable
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
        base_env["PYTHONPATH"] = str(ROOT)
        dest = workdir / "copy.bin"

        results: dict[str, list[Run]] = {}

        def measure(name: str, argv: list[str], env: dict[str, str] | None = None, *, warm_first: bool = True) -> Run:
            if warm_first:
                warm(big)
            run = run_child(argv, env or base_env)
            results.setdefault(name, []).append(run)
            return run

        for r in range(-opts.warmup, opts.rounds):
            if r < 0:
                log(f"warm-up round {r + opts.warmup + 1}/{opts.warmup} (not counted) ...")
            else:
                log(f"round {r + 1}/{opts.rounds} ...")
            if r == 0:
                results.clear()  # forget the warm-up rounds
            measure("floor", ["true"], warm_first=False)
            measure("imports", [py, "-c", "import evidence, cli"], warm_first=False)
            got = measure("hashlib", [py, "-c", HASHLIB_CHILD, str(big)]).out.strip()
            store = workdir / f"store-{r + opts.warmup}"
            make_store(store, key_file)
            import_env = dict(base_env, EVIDENCE_STORE=str(store), EVIDENCE_CONFIG_DIR=str(cfg),
                              EVIDENCE_KEY=str(key_file), EVIDENCE_PASSPHRASE=PASSPHRASE)
            steps = [
                ("cp", ["cp", str(big), str(dest)], None),
                ("cp+sync", ["sh", "-c", 'cp "$0" "$1" && sync "$1"', str(big), str(dest)], None),
                ("import", [py, str(ROOT / "cli.py"), "import", str(big), "--case", CASE,
                            "--received-from", "benchmark", "--received-at", "2026-11-20T09:14Z"], import_env),
            ]
            k = r % len(steps) if r >= 0 else 0
            for name, argv, env in steps[k:] + steps[:k]:  # rotate the order each round
                run = measure(name, argv, env)
                if name == "import" and f"sha256:{got}" not in run.out:
                    raise SystemExit(f"import did not report the file's hash {got}:\n{run.out}")
                dest.unlink(missing_ok=True)
            shutil.rmtree(store)
            log("  " + ", ".join(f"{n} {rs[-1].peak_mb:.1f} MB {rs[-1].secs:.2f} s" for n, rs in results.items()))

        what = {
            "floor": "launcher -> true (floor: launcher's own RSS)",
            "imports": 'python -c "import evidence, cli"',
            "hashlib": "python -c <hashlib sha256 of the file, 1 MiB reads>",
            "cp": "cp FILE DEST",
            "cp+sync": 'cp FILE DEST && sync DEST',
            "import": "python cli.py import FILE --case ...",
        }
        print(f"import memory benchmark: one {size_mb} MB file (non-sparse), {opts.rounds} rounds "
              f"(after {opts.warmup} warm-up round(s) not counted; order of cp / cp+sync / import rotated), "
              f"{os.cpu_count()} cpus, warm page cache for the source file")
        print(f"{'child':<8} | {'peak RSS MB (max of rounds)':>27} | {'best s':>7} | {'median s':>8} | command")
        print("-" * 110)
        for name, runs in results.items():
            secs = [x.secs for x in runs]
            print(f"{name:<8} | {fmt_range([x.peak_mb for x in runs]):>27} | {min(secs):7.2f} | "
                  f"{statistics.median(secs):8.2f} | {what[name]}")

        print("(a peak at the floor means the child's own peak is at most the floor)")
        peak = {name: max(x.peak_mb for x in runs) for name, runs in results.items()}
        t_best = {name: min(x.secs for x in runs) for name, runs in results.items()}
        t_med = {name: statistics.median(x.secs for x in runs) for name, runs in results.items()}
        print()
        print(f"import peak - imports-only peak: {peak['import'] - peak['imports']:+.1f} MB "
              f"(what taking in {size_mb} MB costs beyond the interpreter and the library)")
        print(f"import peak - hashlib peak:      {peak['import'] - peak['hashlib']:+.1f} MB")
        ok = peak["import"] < GOAL_MB
        print(f"goal: import peak < {GOAL_MB} MB: {peak['import']:.1f} MB -> {'met' if ok else 'NOT met'}")
        print()
        for base in ("cp", "cp+sync"):
            print(f"time ratio import / {base:<7}: best {t_best['import'] / t_best[base]:.2f}, "
                  f"median {t_med['import'] / t_med[base]:.2f}")
        print(f"(the import time includes ~{t_med['imports']:.2f} s of interpreter start-up and imports; "
              f"import MB/s, median: {size_mb / t_med['import']:.0f}, cp: {size_mb / t_med['cp']:.0f}, "
              f"hashlib: {size_mb / t_med['hashlib']:.0f})")
    finally:
        if opts.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
